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

/**
 * The share of points whose cluster, matched one-to-one to a class by {@link hungarian} so that
 * the most points agree, is their class. Clusters and classes may differ in number (the spare
 * ones match nothing).
 */
export function matchedAccuracy(assignment: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = assignment.length;
  if (labels.length !== n) throw new Error(`${n} assignments but ${labels.length} labels`);
  let size = 0;
  for (let i = 0; i < n; i++) size = Math.max(size, assignment[i] + 1, labels[i] + 1);
  const counts = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (let i = 0; i < n; i++) counts[assignment[i]][labels[i]]++;
  const match = hungarian(counts.map((row) => row.map((c) => -c)));
  return match.reduce((s, j, i) => s + counts[i][j], 0) / n;
}
