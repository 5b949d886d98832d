#ifndef AFFINE_VAE_VARIANT_H
#define AFFINE_VAE_VARIANT_H
/*
 * decoder.c and gemm.c are compiled twice (binding.gyp): once with -mavx2 -mfma as the avx2
 * variant, once for baseline x86-64 (or whatever the compiler targets) as the generic one.
 * KV(name) gives each copy's external names the variant's suffix, so both link into one
 * addon, and addon.c picks one at run time from what the CPU supports.
 */
#ifndef KERNEL_VARIANT
#define KERNEL_VARIANT generic
#endif
#define KV_CAT2(a, b) a##_##b
#define KV_CAT(a, b) KV_CAT2(a, b)
#define KV(name) KV_CAT(name, KERNEL_VARIANT)
#endif
