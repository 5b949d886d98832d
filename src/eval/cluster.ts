/**
 * Clustering scored with labels: the accuracy of the best one-to-one matching of clusters to
 * classes (the Hungarian method), the anchors' protocol. The clustering itself is
 * `model/kmeans.ts`.
 */

/**
 * The assignment of rows to columns of a square `n × n` cost matrix with the least total cost
 * (the Hungarian method with potentials, O(n³)).
 * @returns for each row, its column.
 */
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  if (cost.some((row) => row.length !== n)) throw new Error('the cost matrix must be square');
  // 1-based arrays, row 0 / column 0 as the sentinel, as in the textbook formulation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOf = new Int32Array(n + 1); // the row matched to each column
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[rowOf[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0);
  }
  const columnOf = new Array<number>(n);
  for (let j = 1; j <= n; j++) columnOf[rowOf[j] - 1] = j - 1;
  return columnOf;
}

/** A clustering matched to the classes as {@link matchedAccuracy} matches it. */
export interface MatchedClustering {
  /** The share of points whose matched cluster is their class. */
  accuracy: number;
  /**
   * `readAs[c][d]`: the points of class `c` in the cluster matched to class `d`; the last column
   * (index `classes`) counts those in a spare cluster, matched to no class. Which classes a
   * clustering merges is what limits its accuracy, and this shows them.
   */
  readAs: number[][];
}

/**
 * Each cluster matched one-to-one to a class by {@link hungarian} so that the most points agree.
 * Clusters and classes may differ in number (the spare ones match nothing).
 */
export function matchClusters(assignment: ArrayLike<number>, labels: ArrayLike<number>): MatchedClustering {
  const n = assignment.length;
  if (labels.length !== n) throw new Error(`${n} assignments but ${labels.length} labels`);
  let [size, classes] = [0, 0];
  for (let i = 0; i < n; i++) {
    size = Math.max(size, assignment[i] + 1, labels[i] + 1);
    classes = Math.max(classes, labels[i] + 1);
  }
  const counts = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let i = 0; i < n; i++) counts[assignment[i]][labels[i]]++;
  const match = hungarian(counts.map((row) => row.map((c) => -c)));
  const readAs = Array.from({ length: classes }, () => new Array<number>(classes + 1).fill(0));
  for (let i = 0; i < n; i++) readAs[labels[i]][Math.min(match[assignment[i]], classes)]++;
  return { accuracy: match.reduce((s, j, i) => s + counts[i][j], 0) / n, readAs };
}

/** The share of points whose cluster, matched to a class by {@link matchClusters}, is their class. */
export function matchedAccuracy(assignment: ArrayLike<number>, labels: ArrayLike<number>): number {
  return matchClusters(assignment, labels).accuracy;
}
