#ifndef AFFINE_VAE_GEMM_H
#define AFFINE_VAE_GEMM_H
#include <stddef.h>

/* Whether gemm_packed runs its own kernel for this N (else it calls cblas_sgemm on W). */
int gemm_packed_ok(int N);
/* Floats of a packed K × N right-hand side, and of one thread's scratch for packing A. */
size_t gemm_packed_b_floats(int K, int N);
size_t gemm_scratch_floats(void);
/* Packs B = W (K × N, row stride ldw) or, with trans, Wᵀ (W is N × K). Bp: 32-byte aligned. */
void gemm_pack_b(const float *W, int ldw, int trans, int K, int N, float *Bp);
/*
 * C (M × N, row stride ldc) = A (M × K, row stride lda) · B, B packed in Bp by gemm_pack_b
 * from (W, ldw, trans), which the fallback to cblas_sgemm uses (also when Bp is NULL).
 * Ap: gemm_scratch_floats().
 */
void gemm_packed(int M, int N, int K, const float *A, int lda, const float *Bp, float *C, int ldc, float *Ap,
                 const float *W, int ldw, int trans);

#endif
