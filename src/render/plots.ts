/**
 * Small SVG charts for reports: a histogram, a scatter plot and a line chart with axes, ticks and
 * labels.
 * Plain strings, no DOM, so they work in Node and the browser alike.
 */

const W = 480;
const H = 320;
const M = { left: 56, right: 16, top: 28, bottom: 44 };

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = niceStep((hi - lo) / n);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v) || 1)))));

function frame(title: string, xLabel: string, yLabel: string, x: [number, number], y: [number, number], body: string): string {
  const { sx, sy } = scales(x, y);
  const xt = ticks(x[0], x[1]).map((v) => `<line x1="${sx(v)}" y1="${H - M.bottom}" x2="${sx(v)}" y2="${H - M.bottom + 4}" stroke="#333"/><text x="${sx(v)}" y="${H - M.bottom + 16}" text-anchor="middle">${num(v)}</text>`);
  const yt = ticks(y[0], y[1]).map((v) => `<line x1="${M.left - 4}" y1="${sy(v)}" x2="${M.left}" y2="${sy(v)}" stroke="#333"/><text x="${M.left - 6}" y="${sy(v) + 4}" text-anchor="end">${num(v)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    body,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="#333"/>`,
    ...xt,
    ...yt,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(14 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    '</svg>',
  ].join('\n');
}

/** Scales for a plot body drawn inside {@link frame}. */
function scales(x: [number, number], y: [number, number]) {
  return {
    sx: (v: number) => M.left + ((v - x[0]) / (x[1] - x[0])) * (W - M.left - M.right),
    sy: (v: number) => H - M.bottom - ((v - y[0]) / (y[1] - y[0])) * (H - M.top - M.bottom),
  };
}

/** A histogram of `values` in `bins` equal bins over `range`. */
export function histogramSvg(values: number[], range: [number, number], bins: number, title: string, xLabel: string): string {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const b = Math.floor(((v - range[0]) / (range[1] - range[0])) * bins);
    if (b >= 0 && b < bins) counts[b]++;
  }
  const top = Math.max(1, ...counts);
  const y: [number, number] = [0, top * 1.05];
  const { sx, sy } = scales(range, y);
  const width = (range[1] - range[0]) / bins;
  const bars = counts.map((c, i) => {
    const x0 = sx(range[0] + i * width);
    const x1 = sx(range[0] + (i + 1) * width);
    return `<rect x="${x0}" y="${sy(c)}" width="${Math.max(0, x1 - x0 - 1)}" height="${sy(0) - sy(c)}" fill="#4a78b5"/>`;
  });
  return frame(title, xLabel, 'images', range, y, bars.join('\n'));
}

/** A scatter plot of `(x[i], y[i])` with the diagonal `y = x` for reference. */
export function scatterSvg(x: number[], y: number[], range: [number, number], title: string, xLabel: string, yLabel: string): string {
  const { sx, sy } = scales(range, range);
  const clamp = (v: number) => Math.min(range[1], Math.max(range[0], v));
  const dots = x.map((v, i) => `<circle cx="${sx(clamp(v)).toFixed(1)}" cy="${sy(clamp(y[i])).toFixed(1)}" r="1.6" fill="#4a78b5" fill-opacity="0.5"/>`);
  const diagonal = `<line x1="${sx(range[0])}" y1="${sy(range[0])}" x2="${sx(range[1])}" y2="${sy(range[1])}" stroke="#c44" stroke-dasharray="4 3"/>`;
  return frame(title, xLabel, yLabel, range, range, diagonal + '\n' + dots.join('\n'));
}

/** One line of a {@link lineChartSvg}. */
export interface LineSeries {
  name: string;
  points: [number, number][];
  color: string;
  /** A dashed horizontal line at this height, in the series' colour (a target, say). */
  guide?: number;
}

/**
 * Lines through each series' points, with a dot at each point, optional guides and a legend
 * (top right, or bottom right where the lines run high).
 */
export function lineChartSvg(
  series: LineSeries[],
  x: [number, number],
  y: [number, number],
  title: string,
  xLabel: string,
  yLabel: string,
  legendAt: 'top' | 'bottom' = 'top',
): string {
  const { sx, sy } = scales(x, y);
  const body = series.flatMap((s, i) => {
    const path = s.points.map(([a, b], k) => `${k ? 'L' : 'M'}${sx(a).toFixed(1)} ${sy(b).toFixed(1)}`).join(' ');
    const guide = s.guide === undefined ? [] : [`<line x1="${sx(x[0])}" y1="${sy(s.guide)}" x2="${sx(x[1])}" y2="${sy(s.guide)}" stroke="${s.color}" stroke-dasharray="4 3" stroke-opacity="0.7"/>`];
    const dots = s.points.map(([a, b]) => `<circle cx="${sx(a).toFixed(1)}" cy="${sy(b).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const legendY = legendAt === 'top' ? M.top + 6 + i * 14 : H - M.bottom - 8 - (series.length - 1 - i) * 14;
    const legend = `<line x1="${W - M.right - 150}" y1="${legendY}" x2="${W - M.right - 134}" y2="${legendY}" stroke="${s.color}" stroke-width="2"/><text x="${W - M.right - 130}" y="${legendY + 4}">${esc(s.name)}</text>`;
    return [...guide, `<path d="${path}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`, ...dots, legend];
  });
  return frame(title, xLabel, yLabel, x, y, body.join('\n'));
}

/** Charts side by side in one SVG (each as {@link lineChartSvg} and the others draw them). */
export function sideBySideSvg(charts: string[]): string {
  const inner = charts.map((c, i) => c.replace('<svg ', `<svg x="${i * W}" `));
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${W * charts.length}" height="${H}">`, ...inner, '</svg>'].join('\n');
}
