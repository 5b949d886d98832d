// The package's install script, which npm runs in the checkout (`npm ci`) and, for a user, only
// when they allow it (npm 11 skips a dependency's install scripts by default).
//
// A prebuilt binary (prebuilds/<platform>-<arch>/, shipped in the npm package) is kept when it
// loads here; otherwise, or with --from-source or AFFINE_VAE_BUILD_FROM_SOURCE=1, the addon is
// built from native/ with node-gyp (a C compiler and Node's headers; no BLAS, no OpenMP).
// Installation always succeeds: without the addon everything runs on the (slower) TF.js path.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const failureFile = join(root, 'generated', 'native-unavailable.txt');
const fromSource = process.argv.includes('--from-source') || !!process.env.AFFINE_VAE_BUILD_FROM_SOURCE;
mkdirSync(dirname(failureFile), { recursive: true });
rmSync(failureFile, { force: true });

function unavailable(reason) {
  rmSync(join(root, 'build', 'Release', 'affine_vae_native.node'), { force: true });
  writeFileSync(failureFile, reason + '\n');
  console.warn(`affine-vae: native engine not built: ${reason}`);
  console.warn('affine-vae: everything still works, on the (slower) TF.js path');
  process.exit(0);
}

if (process.env.AFFINE_VAE_NO_NATIVE) unavailable('AFFINE_VAE_NO_NATIVE is set');

// Loaded in a child process, so that a binary that crashes on load cannot fail the install.
function prebuiltLoads() {
  const probe = `const a = require('node-gyp-build')(${JSON.stringify(root)}); if (!a.kernels().length) process.exit(1);`;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: root, env: { ...process.env, PREBUILDS_ONLY: '1' }, encoding: 'utf8' });
  return r.status === 0;
}

if (!fromSource && prebuiltLoads()) {
  console.log(`affine-vae: using the prebuilt native engine for ${process.platform}-${process.arch}`);
  process.exit(0);
}

// npm names its bundled node-gyp in npm_config_node_gyp and points it at Node's own headers.
const gypJs = process.env.npm_config_node_gyp;
const gyp = gypJs
  ? spawnSync(process.execPath, [gypJs, 'rebuild'], { cwd: root, encoding: 'utf8' })
  : spawnSync('node-gyp', ['rebuild'], { cwd: root, encoding: 'utf8', shell: true });
if (gyp.status !== 0) {
  const lines = `${gyp.stdout ?? ''}\n${gyp.stderr ?? ''}`.split('\n').filter((l) => /error/i.test(l));
  unavailable(`the build from source failed: ${lines.slice(0, 3).join(' | ') || `node-gyp exited with ${gyp.status}`}`);
}
console.log('affine-vae: native engine built from source');
