// `npm ci` runs this (the install script): build the native decoder, or record why not.
// Installation always succeeds; without the addon everything runs on the TF.js path.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const failureFile = 'generated/native-unavailable.txt';
mkdirSync('generated', { recursive: true });
rmSync(failureFile, { force: true });

function unavailable(reason) {
  rmSync('build/Release/affine_vae_native.node', { force: true });
  writeFileSync(failureFile, reason + '\n');
  console.warn(`affine-vae: native engine not built: ${reason}`);
  console.warn('affine-vae: everything still works, on the (slower) TF.js path');
  process.exit(0);
}

if (process.env.AFFINE_VAE_NO_NATIVE) unavailable('AFFINE_VAE_NO_NATIVE is set');
const blas = spawnSync('pkg-config', ['--exists', 'openblas']);
if (blas.error || blas.status !== 0) {
  unavailable('OpenBLAS was not found by pkg-config (install libopenblas-dev and pkg-config, then npm ci)');
}
// npm names its bundled node-gyp in npm_config_node_gyp and points it at Node's own headers.
const gypJs = process.env.npm_config_node_gyp;
const gyp = gypJs
  ? spawnSync(process.execPath, [gypJs, 'rebuild'], { encoding: 'utf8' })
  : spawnSync('node-gyp', ['rebuild'], { encoding: 'utf8', shell: true });
if (gyp.status !== 0) {
  const lines = `${gyp.stdout ?? ''}\n${gyp.stderr ?? ''}`.split('\n').filter((l) => /error/i.test(l));
  unavailable(`the build failed: ${lines.slice(0, 3).join(' | ') || `node-gyp exited with ${gyp.status}`}`);
}
console.log('affine-vae: native engine built');
