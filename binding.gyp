{
  "targets": [
    {
      "target_name": "affine_vae_native",
      "sources": ["native/addon.c", "native/decoder.c", "native/gemm.c"],
      "cflags": ["-O3", "-march=native", "-ffp-contract=fast", "-fno-trapping-math", "-fopenmp", "-std=c11", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["-fopenmp", "<!@(pkg-config --libs openblas)"],
      "ldflags": ["-fopenmp"]
    }
  ]
}
