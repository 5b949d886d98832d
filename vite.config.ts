import { defineConfig, type Plugin } from 'vite';
import { loadMnist } from './src/io/mnist.ts';
import { turnedSet } from './src/io/datasets.ts';
import { servedModels } from './src/cli/commands/serve.ts';
import { MODELS_ROOT } from './src/io/shipped.ts';
import { serveModels } from './src/web/server.ts';

/**
 * The web app (web/): `npm run web` serves it with the shipped models; `npm run build:web`
 * writes web/dist, which `affine-vae serve` serves.
 */

/** Test digits for the page's gallery, upright and turned by up to ±45°, baked in at build time. */
function gallery(): Plugin {
  const id = 'virtual:gallery';
  return {
    name: 'affine-vae-gallery',
    resolveId: (source) => (source === id ? '\0' + id : undefined),
    load(resolved) {
      if (resolved !== '\0' + id) return;
      const test = loadMnist('test');
      // The first test digit of each class, then two more: 12 digits, every class present.
      const picks: number[] = [];
      for (let digit = 0; digit < 10; digit++) picks.push(Array.from(test.labels!).indexOf(digit));
      picks.push(10, 11);
      const images = new Uint8Array(picks.length * 784);
      picks.forEach((k, i) => images.set(test.images.subarray(k * 784, (k + 1) * 784), i * 784));
      const labels = picks.map((k) => test.labels![k]);
      // Angles spread over 20°–45°, alternating in sign, so every digit is visibly turned.
      const angles = picks.map((_, i) => (i % 2 ? 1 : -1) * (20 + (25 * ((i * 5) % 12)) / 11));
      const rotated = turnedSet({ ...test, n: picks.length, images }, angles);
      const b64 = (a: Uint8Array) => Buffer.from(a).toString('base64');
      return `export const size = 28;
export const labels = ${JSON.stringify(labels)};
export const upright = ${JSON.stringify(b64(images))};
export const rotated = ${JSON.stringify(b64(rotated.images))};`;
    },
  };
}

/** `/models/…` in the dev server, from the same handler `affine-vae serve` uses. */
function models(): Plugin {
  return {
    name: 'affine-vae-models',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        // Listed per request, so a model trained while the dev server runs shows up.
        if (!req.url?.startsWith('/models/') || !serveModels(servedModels(), req, res, { warn: (m) => server.config.logger.warn(m) })) next();
      });
    },
  };
}

export default defineConfig({
  root: 'web',
  base: './',
  plugins: [gallery(), models()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
  server: { port: 5173, fs: { allow: ['..', MODELS_ROOT] } },
});
