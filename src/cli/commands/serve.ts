import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../io/files.ts';
import { modelDirHandler } from '../../io/model-dir.ts';
import { MODELS_ROOT } from '../../io/shipped.ts';
import { type ServedModel, createWebServer, modelsUnder } from '../../web/server.ts';

/** The built page (`npm run build:web`, run by `npm ci`). */
export const WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/**
 * The models the page offers: `--model` first (the page opens on the first), then the shipped
 * ones with `mnist-seed` leading.
 */
export function servedModels(model?: string): ServedModel[] {
  const shipped = modelsUnder(MODELS_ROOT).sort((a, b) => Number(b.name === 'mnist-seed') - Number(a.name === 'mnist-seed'));
  if (!model) return shipped;
  const dir = resolve(model);
  if (!existsSync(dir)) throw new UserError(`model directory ${model} does not exist`);
  if (!existsSync(resolve(dir, 'model.json'))) throw new UserError(`${model} is not a model directory: it has no model.json`);
  const name = basename(dir);
  return [{ name, dir }, ...shipped.filter((m) => m.name !== name)];
}

/** `affine-vae serve`: serves the page and the models until interrupted. */
export async function serveCommand(o: { port: number; host: string; model?: string }, log: (msg: string) => void): Promise<number> {
  if (!existsSync(resolve(WEB_ROOT, 'index.html'))) throw new UserError(`the web page is not built (${WEB_ROOT}): run npm run build:web`);
  const models = servedModels(o.model);
  // Load the first model once here, so a corrupt one is reported now rather than in the browser.
  if (models.length) await modelDirHandler(models[0].dir).load!();
  const server = createWebServer(WEB_ROOT, models, { host: o.host, warn: (m) => log(`warning: ${m}`) });
  await new Promise<void>((done, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? new UserError(`port ${o.port} is in use (try --port 0)`) : err));
    server.listen(o.port, o.host, done);
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host === '0.0.0.0' || o.host === '::' ? 'localhost' : o.host;
  log(`models: ${models.map((m) => m.name).join(', ') || 'none'}`);
  // The URL alone on stdout, so scripts can read it.
  process.stdout.write(`http://${host}:${port}/\n`);
  log('Ctrl-C stops the server');
  await new Promise<void>((done) => process.once('SIGINT', done).once('SIGTERM', done));
  await new Promise<void>((done) => server.close(() => done()));
  return 0;
}
