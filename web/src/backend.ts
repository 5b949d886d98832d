import { type BackendChoice, selectBackend } from '../../src/index.ts';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm?url';

/** The browser's backends, fastest first. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;


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

const bundled = async () => undefined;

/**
 * Starts the first backend that initializes: WebGPU, then WebGL (unless it is emulated on the
 * CPU), then WASM, then plain JS, through the package's own {@link selectBackend}.
 * @param forced only this one (the page's `?backend=` parameter).
 */
export function startBackend(forced?: string | null): Promise<BackendChoice> {
  // The WASM binaries are part of the build, so the page never fetches them from a CDN.
  setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded });
  return selectBackend(BROWSER_BACKENDS, forced ?? undefined, {
    // This bundle holds every backend (imported above): nothing to load.
    loaders: { webgpu: bundled, webgl: bundled, wasm: bundled, cpu: bundled },
    passOver: (name) => {
      const software = name === 'webgl' ? softwareWebGL() : null;
      return software ? `emulated on the CPU (${/swiftshader/i.test(software) ? 'SwiftShader' : software}), slower than wasm` : null;
    },
  });
}
