import { createReadStream, readFileSync, statSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { extname, join } from 'node:path';
import { MAX_MODEL_JSON_BYTES, isPlainFileName, listDirectory, readFileOrFail, realPathInside } from '../io/files.ts';
import { MODEL_FORMAT, configOf } from '../model/serialize.ts';

/**
 * The web app's server: the built page, and model directories under `/models/NAME/`, listed at
 * `/models/index.json`. The Vite dev server mounts the same model handler, so the page finds its
 * models the same way in development and from `affine-vae serve`.
 *
 * What it serves, and nothing else: regular files of the page's directory, and of each model
 * only those the page or a reader needs ({@link modelFileAllowed}); every path is resolved with
 * `realpath` and must stay inside its directory (no symlink escapes), and dotfiles are never
 * served. Files are streamed, and a file that cannot be read is a 500 for that request only.
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

/** Where the server reports what it skipped (a bad model directory); default: nowhere. */
export interface ServerLog {
  warn?: (message: string) => void;
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

/**
 * The page's Content-Security-Policy: everything from this origin, WebAssembly compiled (the
 * wasm backend), canvases read back as data:/blob: images; no inline scripts, no frames.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The model directories (those holding a `model.json`) directly under `root`, by name. */
export function modelsUnder(root: string): ServedModel[] {
  return listDirectory(root)
    .filter((name) => !name.startsWith('.') && isRegularFile(join(root, name, 'model.json')))
    .sort()
    .map((name) => ({ name, dir: join(root, name) }));
}

/** The entry of one model directory for the index; throws when it is not a usable model. */
function modelEntry({ name, dir }: ServedModel): ModelEntry {
  const json = readModelJson(dir);
  const config = configOf({ format: json.format ?? MODEL_FORMAT, modelTopology: json.modelTopology as {} }, join(dir, 'model.json'));
  const logPath = join(dir, 'training-log.json');
  let epochs: number | null = null;
  if (isRegularFile(logPath)) {
    const log = JSON.parse(readFileSync(logPath, 'utf8')) as unknown;
    epochs = Array.isArray(log) ? log.length : null;
  }
  return { name, url: `models/${encodeURIComponent(name)}/model.json`, preset: config.preset, warp: config.warp, epochs };
}

/**
 * What the page needs to list the models without loading their weights. A directory that is
 * not a usable model is left out, and `log.warn` says why.
 */
export function modelIndex(models: ServedModel[], log: ServerLog = {}): ModelEntry[] {
  const entries: ModelEntry[] = [];
  for (const model of models) {
    try {
      entries.push(modelEntry(model));
    } catch (err) {
      log.warn?.(`skipped model '${model.name}' (${model.dir}): ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return entries;
}

/** `model.json` of a model directory, parsed (a regular file, at most 16 MiB). */
function readModelJson(dir: string): { format?: string; modelTopology?: unknown; weightsManifest?: unknown } {
  return JSON.parse(new TextDecoder().decode(readFileOrFail(join(dir, 'model.json'), 'model file', MAX_MODEL_JSON_BYTES)));
}

/**
 * Whether `relative` is a file of a model directory that is served: `model.json`, the weight
 * files its manifest names, `README.md`, `training-log.json`, and the evaluation report's
 * `report/*.{md,json,svg,png}`. Nothing else (checkpoints, temporary files, dotfiles).
 */
export function modelFileAllowed(dir: string, relative: string): boolean {
  if (['model.json', 'README.md', 'training-log.json'].includes(relative)) return true;
  const parts = relative.split('/');
  if (parts.length === 2 && parts[0] === 'report') return isPlainFileName(parts[1]) && ['.md', '.json', '.svg', '.png'].includes(extname(parts[1]));
  if (parts.length !== 1 || !isPlainFileName(relative)) return false;
  try {
    const manifest = readModelJson(dir).weightsManifest;
    return Array.isArray(manifest) && manifest.some((g: { paths?: unknown }) => Array.isArray(g?.paths) && g.paths.includes(relative));
  } catch {
    return false;
  }
}

/**
 * Answers `/models/index.json` and `/models/NAME/FILE`; returns false for any other path, so it
 * can sit in front of another handler (Connect-style, as Vite's middlewares are).
 */
export function serveModels(models: ServedModel[], req: IncomingMessage, res: ServerResponse, log: ServerLog = {}): boolean {
  const path = requestPath(req);
  if (path === null || !path.startsWith('/models/')) return false;
  if (path === '/models/index.json') {
    send(res, 200, TYPES['.json'], JSON.stringify(modelIndex(models, log)));
    return true;
  }
  const [name, ...rest] = path.slice('/models/'.length).split('/');
  const model = models.find((m) => m.name === name);
  const relative = rest.join('/');
  if (!model || !modelFileAllowed(model.dir, relative)) send(res, 404, 'text/plain', 'not found');
  else sendFile(req, res, model.dir, relative);
  return true;
}

/** Options of {@link createWebServer}. */
export interface WebServerOptions extends ServerLog {
  /**
   * The address the server is bound to. Requests must name it, `localhost` or a loopback
   * address in their `Host` header (a guard against DNS rebinding); bound to every interface
   * (`0.0.0.0`, `::`), the machine's own names and addresses are accepted too.
   */
  host?: string;
}

/** A server for the built page in `root` and the given models. */
export function createWebServer(root: string, models: ServedModel[], options: WebServerOptions = {}): Server {
  const allowed = allowedHosts(options.host ?? '127.0.0.1');
  const warned = new Set<string>();
  // Each skipped model is reported once, not on every index request.
  const log: ServerLog = { warn: (m) => !warned.has(m) && (warned.add(m), options.warn?.(m)) };
  return createServer((req, res) => {
    if (!allowed.has(hostOf(req.headers.host))) return send(res, 421, 'text/plain', 'unexpected Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET');
    if (serveModels(models, req, res, log)) return;
    const path = requestPath(req);
    if (path === null) return send(res, 400, 'text/plain', 'malformed URL');
    const relative = path === '/' ? 'index.html' : path.slice(1);
    if (relative.split('/').some((part) => part.startsWith('.'))) return send(res, 404, 'text/plain', 'not found');
    sendFile(req, res, root, relative);
  });
}

/** The host names a request may carry for a server bound to `host`. */
function allowedHosts(host: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', host.toLowerCase()]);
  if (host === '0.0.0.0' || host === '::') {
    names.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(a.address.toLowerCase());
  }
  return names;
}

/** The host name of a `Host` header, without its port or IPv6 brackets. */
function hostOf(header: string | undefined): string {
  if (!header) return '';
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  return h.replace(/:\d*$/, '');
}

/** The request's decoded path; null for a malformed percent-encoding (which would throw). */
function requestPath(req: IncomingMessage): string | null {
  try {
    return decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return null;
  }
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Streams `relative` under `root` when its real path is a regular file inside the real `root`. */
function sendFile(req: IncomingMessage, res: ServerResponse, root: string, relative: string): void {
  let file: string;
  let size: number;
  try {
    // Nothing outside the served directory, however the path is spelled or linked.
    const { real, inside } = realPathInside(root, relative);
    if (!inside) return send(res, 404, 'text/plain', 'not found');
    file = real;
    const st = statSync(file);
    if (!st.isFile()) return send(res, 404, 'text/plain', 'not found');
    size = st.size;
  } catch {
    return send(res, 404, 'text/plain', 'not found');
  }
  const stream = createReadStream(file);
  stream.once('open', () => {
    res.writeHead(200, { ...HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size });
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
    } else stream.pipe(res);
  });
  stream.once('error', () => {
    if (!res.headersSent) send(res, 500, 'text/plain', 'cannot read the file');
    else res.destroy();
  });
  res.once('close', () => stream.destroy());
}

const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...HEADERS, 'content-type': type });
  res.end(body);
}
