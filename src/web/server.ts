import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { MODEL_FORMAT, configOf } from '../model/serialize.ts';

/**
 * The web app's server: the built page, and model directories under `/models/NAME/`, listed at
 * `/models/index.json`. The Vite dev server mounts the same model handler, so the page finds its
 * models the same way in development and from `affine-vae serve`.
 */

/** A model directory served at `/models/NAME/`. */
export interface ServedModel {
  name: string;
  dir: string;
}

/** One entry of `/models/index.json`. */
export interface ModelEntry {
  name: string;
  /** `model.json`, relative to the page. */
  url: string;
  preset: string;
  warp: string;
  /** Number of epochs in `training-log.json`, when there is one. */
  epochs: number | null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.md': 'text/markdown; charset=utf-8',
};

/** The model directories (those holding a `model.json`) directly under `root`, by name. */
export function modelsUnder(root: string): ServedModel[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'model.json')))
    .sort()
    .map((name) => ({ name, dir: join(root, name) }));
}

/** What the page needs to list the models without loading their weights. */
export function modelIndex(models: ServedModel[]): ModelEntry[] {
  return models.map(({ name, dir }) => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const config = configOf({ format: json.format ?? MODEL_FORMAT, modelTopology: json.modelTopology }, join(dir, 'model.json'));
    const logPath = join(dir, 'training-log.json');
    const epochs = existsSync(logPath) ? (JSON.parse(readFileSync(logPath, 'utf8')) as unknown[]).length : null;
    return { name, url: `models/${encodeURIComponent(name)}/model.json`, preset: config.preset, warp: config.warp, epochs };
  });
}

/**
 * Answers `/models/index.json` and `/models/NAME/FILE`; returns false for any other path, so it
 * can sit in front of another handler (Connect-style, as Vite's middlewares are).
 */
export function serveModels(models: ServedModel[], req: IncomingMessage, res: ServerResponse): boolean {
  const path = requestPath(req);
  if (path === null || !path.startsWith('/models/')) return false;
  if (path === '/models/index.json') {
    try {
      send(res, 200, TYPES['.json'], JSON.stringify(modelIndex(models)));
    } catch (err) {
      send(res, 500, 'text/plain', `cannot list models: ${(err as Error).message}`);
    }
    return true;
  }
  const [name, ...rest] = path.slice('/models/'.length).split('/');
  const model = models.find((m) => m.name === name);
  if (!model) send(res, 404, 'text/plain', `no model '${name}'`);
  else sendFile(res, model.dir, rest.join('/'));
  return true;
}

/** A server for the built page in `root` and the given models. */
export function createWebServer(root: string, models: ServedModel[]): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET');
    if (serveModels(models, req, res)) return;
    const path = requestPath(req);
    if (path === null) return send(res, 400, 'text/plain', 'malformed URL');
    sendFile(res, root, path === '/' ? 'index.html' : path.slice(1));
  });
}

/** The request's decoded path; null for a malformed percent-encoding (which would throw). */
function requestPath(req: IncomingMessage): string | null {
  try {
    return decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return null;
  }
}

function sendFile(res: ServerResponse, root: string, relative: string): void {
  const base = resolve(root);
  const file = resolve(base, relative);
  // Nothing outside the served directory, however the path is spelled.
  if (file !== base && !file.startsWith(base + sep)) return send(res, 403, 'text/plain', 'forbidden');
  if (!existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'text/plain', `not found: ${relative}`);
  send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file));
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(body);
}
