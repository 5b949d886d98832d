#ifndef AFFINE_VAE_GEMM_H
#define AFFINE_VAE_GEMM_H
#include <stddef.h>
#include "variant.h"

#define gemm_packed_b_floats KV(gemm_packed_b_floats)
#define gemm_scratch_floats KV(gemm_scratch_floats)
#define gemm_pack_b KV(gemm_pack_b)
#define gemm_packed KV(gemm_packed)
#define gemm_nn_accumulate KV(gemm_nn_accumulate)

/*
 * Every product of any width runs here (no BLAS). The products return the multiply-adds they
 * executed: M·N·K less the columns skipped because a tile's rows are all zero there. skip = 0
 * keeps every column (the dense product, same kernel and summation order).
 */
/* Floats of a packed K × N right-hand side (N rounded up to 16), and of one thread's scratch. */
size_t gemm_packed_b_floats(int K, int N);
size_t gemm_scratch_floats(void);
/* Packs B = W (K × N, row stride ldw) or, with trans, Wᵀ (W is N × K). Bp: 32-byte aligned. */
void gemm_pack_b(const float *W, int ldw, int trans, int K, int N, float *Bp);
/* C (M × N, row stride ldc) = A (M × K, row stride lda) · B, B packed in Bp by gemm_pack_b. */
double gemm_packed(int M, int N, int K, const float *A, int lda, const float *Bp, float *C, int ldc, float *scratch,
                   int skip);
/*
 * C (M × N) += A (M × K, row-major, packed rows) · B (K × N, row stride ldb): dW2 += h1ᵀ · dpre2.
 * perm (M entries, or NULL): row m of the product is row perm[m] of A and of C; it groups rows
 * into tiles, which only changes speed. Bp: gemm_packed_b_floats(K, N) floats, 32-byte aligned,
 * where B is packed first.
 */
double gemm_nn_accumulate(int M, int N, int K, const float *A, const int *perm, const float *B, int ldb, float *Bp,
                          float *C, int ldc, float *scratch, int skip);

#endif
