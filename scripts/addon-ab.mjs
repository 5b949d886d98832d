// Interleaved A/B of native addon binaries on the seed decoder's call (B=200, 28×28, H=512, 2 threads):
// each round calls every binary once, in a rotating order, and the ratios to the first binary are
// paired by round, which cancels most of this machine's drift. Prints a table, writes JSON to stdout.
//
//   ROUNDS=40 GRAD=1 node scripts/addon-ab.mjs build-old/affine_vae_native.node prebuilds/linux-x64/affine-vae.glibc.node > ab.json
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const rounds = +(process.env.ROUNDS ?? 30);
const paths = process.argv.slice(2);
const mods = paths.map((p) => require(p));
let s = 1; const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const normal = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
const f = (n, scale) => Float32Array.from({ length: n }, () => normal() * scale);
const Bn = +(process.env.BATCH ?? 200), P = 784, Zc = 10, H = 512;
const grid = new Float32Array(P * 2);
for (let i = 0; i < 28; i++) for (let j = 0; j < 28; j++) { grid[2 * (i * 28 + j)] = -1 + 2 * i / 27; grid[2 * (i * 28 + j) + 1] = -1 + 2 * j / 27; }
const affine = Float32Array.from({ length: Bn * 6 }, (_, i) => (i % 6 === 0 || i % 6 === 3 ? 1 : 0) + 0.1 * normal());
const args = { B: Bn, P, Zc, H1: H, H2: H, threads: +(process.env.THREADS ?? 2), grad: +(process.env.GRAD ?? 0), content: f(Bn * Zc, 1), affine, grid,
  target: Float32Array.from({ length: Bn * P }, () => rnd()),
  W1: f((2 + Zc) * H, Math.sqrt(2 / 12)), b1: new Float32Array(H), W2: f(H * H, Math.sqrt(2 / H)), b2: new Float32Array(H), W3: f(H, Math.sqrt(1 / H)), b3: new Float32Array(1) };
const time = (m) => { const t0 = performance.now(); m.run(args); return performance.now() - t0; };
mods.forEach(time);
const t = mods.map(() => []);
for (let r = 0; r < rounds; r++) {
  const order = mods.map((_, i) => (i + r) % mods.length);
  for (const i of order) t[i].push(time(mods[i]));
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const q = (x, p) => [...x].sort((a, b) => a - b)[Math.floor(p * x.length)];
const out = paths.map((p, i) => {
  const ratios = t[i].map((v, r) => v / t[0][r]);
  return { binary: p, ms_median: med(t[i]), ratio_median: med(ratios), ratio_q25: q(ratios, 0.25), ratio_q75: q(ratios, 0.75), ms: t[i] };
});
for (const o of out) console.error(`${o.binary.padEnd(60)} ${o.ms_median.toFixed(0)} ms  ×${o.ratio_median.toFixed(3)} [${o.ratio_q25.toFixed(3)}, ${o.ratio_q75.toFixed(3)}]`);
console.log(JSON.stringify({ grad: args.grad, threads: args.threads, batch: Bn, rounds, results: out }));
