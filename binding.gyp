{
  # A portable build: no -march=native, no BLAS, no OpenMP runtime. The decoder is compiled
  # twice (native/variant.h), with AVX2/FMA and for baseline x86-64, and the addon picks one at
  # run time; so one binary runs on any x86-64 CPU and needs only libc and libm.
  "target_defaults": {
    "cflags": ["-O3", "-std=c11", "-ffp-contract=fast", "-fno-trapping-math", "-fopenmp-simd", "-fvisibility=hidden", "-fPIC"],
  },
  "targets": [
    {
      "target_name": "decoder_avx2",
      "type": "static_library",
      "sources": ["native/decoder.c", "native/gemm.c"],
      "defines": ["KERNEL_VARIANT=avx2"],
      "cflags": ["-mavx2", "-mfma"],
    },
    {
      "target_name": "decoder_generic",
      "type": "static_library",
      "sources": ["native/decoder.c", "native/gemm.c"],
      "defines": ["KERNEL_VARIANT=generic"],
    },
    {
      "target_name": "affine_vae_native",
      "sources": ["native/addon.c", "native/parallel.c"],
      "dependencies": ["decoder_avx2", "decoder_generic"],
      "libraries": ["-lm", "-lpthread"],
    },
  ],
}
