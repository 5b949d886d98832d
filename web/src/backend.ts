import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';

/** The browser's backends, fastest first. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

// The WASM binaries are part of the build, so the page never fetches them from a CDN.
setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });

/** The backend in use and why the faster ones were passed over. */
export interface BrowserBackend {
  name: string;
  skipped: { name: string; reason: string }[];
}

/**
 * The WebGL renderer's name when it is a CPU emulation (SwiftShader, llvmpipe: what a browser
 * without a usable GPU gets). The decoder runs several times faster on WASM there.
 */
export function softwareWebGL(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer) ? renderer : null;
}

/**
 * Starts the first backend that initializes: WebGPU, then WebGL (unless it is emulated on the
 * CPU), then WASM, then plain JS.
 * @param forced only this one (the page's `?backend=` parameter).
 */
export async function startBackend(forced?: string | null): Promise<BrowserBackend> {
  const order: readonly string[] = forced ? [forced] : BROWSER_BACKENDS;
  const skipped: BrowserBackend['skipped'] = [];
  for (const name of order) {
    const software = name === 'webgl' && !forced ? softwareWebGL() : null;
    if (software) {
      const short = /swiftshader/i.test(software) ? 'SwiftShader' : software;
      skipped.push({ name, reason: `emulated on the CPU (${short}), slower than wasm` });
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, skipped };
      }
    } catch {
      // setBackend rejects for an unknown name; it returns false for one that fails to start.
    }
    skipped.push({ name, reason: 'not available' });
  }
  throw new Error(`no TF.js backend could start (tried ${order.join(', ')})`);
}
