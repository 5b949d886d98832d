#ifndef AFFINE_VAE_GEMM_H
#define AFFINE_VAE_GEMM_H
#include <stddef.h>

/* Whether the products run on our own kernel for this N (else they call cblas_sgemm).
 * The products return the multiply-adds they executed (M·N·K less the skipped zeros). */
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
double gemm_packed(int M, int N, int K, const float *A, int lda, const float *Bp, float *C, int ldc, float *Ap,
                   const float *W, int ldw, int trans);
/*
 * C (M × N) += A (M × K, row-major, packed rows) · B (K × N, row stride ldb): dW2 += h1ᵀ · dpre2.
 * perm (M entries, or NULL): row m of the product is row perm[m] of A and of C; it groups rows
 * into tiles, which only changes speed. Bp: gemm_packed_b_floats(K, N) floats, 32-byte
 * aligned (NULL: cblas_sgemm).
 */
double gemm_nn_accumulate(int M, int N, int K, const float *A, const int *perm, const float *B, int ldb, float *Bp,
                          float *C, int ldc, float *scratch);

#endif
