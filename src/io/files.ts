import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isGzip } from '../data/idx.ts';

/** A mistake of the user's (a missing file, a bad value): the CLI prints its message alone. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * Writes a file so that readers see the old content or the new, never a mix: a temporary file
 * beside it, flushed to disk, then renamed over the target.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (err) {
    // Name the user's file, not the temporary one beside it.
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot write ${path}: ${code === 'ENOENT' ? `the folder ${dirname(path)} does not exist` : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  faultInjection?.beforeRename(path);
  renameSync(tmp, path);
  fsyncDirectory(dirname(path));
}

/** Flushes a directory's entries (a rename is durable only once its directory is). */
export function fsyncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** The most bytes a `model.json` may have (the shipped ones are 10–22 kB). */
export const MAX_MODEL_JSON_BYTES = 16 * 2 ** 20;

/** A plain file name: no directory part, no `..`, not a dotfile. */
export function isPlainFileName(name: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name);
}

/**
 * The real path (links followed) of `relative` under `dir`, and whether it is inside the real
 * `dir`: a symlink cannot lead a reader out. Throws as `realpathSync` does when it is missing.
 */
export function realPathInside(dir: string, relative: string): { real: string; inside: boolean } {
  const base = realpathSync(dir);
  const real = realpathSync(resolve(base, relative));
  return { real, inside: real.startsWith(base + sep) };
}

/** The names in a directory; none when it cannot be listed. */
export function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Removes `NAME.PID.tmp` files in `dir` left by processes that no longer run (a killed write).
 * Returns the names removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of listDirectory(dir)) {
    const m = /\.(\d+)\.tmp$/.exec(name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The test hook for fault injection: with `AFFINE_VAE_KILL_AT_RENAME=N`, the process kills
 * itself (SIGKILL, as a crash or `kill -9` would) just before its N-th atomic rename, the
 * temporary file written and the target not yet replaced. Read once, when this module loads;
 * tests set it in a child process's environment.
 */
const faultInjection = (() => {
  const at = Number(process.env.AFFINE_VAE_KILL_AT_RENAME);
  if (!(at >= 1)) return null;
  let renames = 0;
  return {
    beforeRename(path: string) {
      if (++renames === at) {
        process.stderr.write(`fault injection: killed before rename ${at} (${path})\n`);
        process.kill(process.pid, 'SIGKILL');
      }
    },
  };
})();

/**
 * The size of a regular file, checked before anything reads it: a FIFO, a device or a directory
 * is refused (reading one could hang or never end), as is one over `maxBytes`. Problems are a
 * {@link UserError} naming the file.
 */
export function regularFileSize(path: string, what = 'file', maxBytes = Infinity): number {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (st.isDirectory()) throw new UserError(`cannot read ${what} ${path}: is a directory`);
  if (!st.isFile()) throw new UserError(`cannot read ${what} ${path}: not a regular file`);
  if (st.size > maxBytes) throw new UserError(`cannot read ${what} ${path}: ${st.size} bytes, more than the ${maxBytes} allowed`);
  return st.size;
}

/** Reads a regular file (see {@link regularFileSize}), as a {@link UserError} naming it when it cannot be read. */
export function readFileOrFail(path: string, what = 'file', maxBytes = Infinity): Uint8Array {
  regularFileSize(path, what, maxBytes);
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength); // a view, not a copy
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new UserError(`cannot read ${what} ${path}: ${reason}`);
  }
}

/** Reads a file and decompresses it when it is gzip (by its magic number, whatever its name). */
export function readMaybeGzip(path: string, what = 'file', maxBytes = 2 ** 30): Uint8Array {
  const bytes = readFileOrFail(path, what);
  if (!isGzip(bytes)) return bytes;
  try {
    const buf = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new UserError(`${path}: decompresses to more than ${maxBytes} bytes`);
    throw new UserError(`${path}: corrupt gzip data: ${(err as Error).message}`);
  }
}
