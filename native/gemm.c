/*
 * C = A · B for the decoder's two products with a fixed right-hand side (h1 · W2 forward,
 * dpre2 · W2ᵀ backward), with B packed once per call to the decoder instead of once per
 * sgemm: OpenBLAS repacks W2 for every group of images, about 5% of a training step here.
 *
 * The blocking is BLIS's (Goto's): a KC-deep slice of B (packed, in L2) is swept by MC-row
 * blocks of A (packed per block, in L2), each cut into 6 × 16 tiles computed by an AVX2/FMA
 * micro-kernel that keeps the tile in 12 registers. Without AVX2 and FMA, or when N is not a
 * multiple of 16, everything goes to cblas_sgemm instead (gemm_packed_ok says which).
 */
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "gemm.h"

#define MR 6
#define NR 16
/* K up to 512 in one slice: each C tile is written once (measured ~10% faster than KC 256 here). */
#define KC 512
#define MC 96

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_KERNEL 1
#else
#define HAVE_KERNEL 0
#endif

int gemm_packed_ok(int N) { return HAVE_KERNEL && N % NR == 0; }

size_t gemm_packed_b_floats(int K, int N) { return (size_t)K * N; }

/* Packed A (MC × KC floats), then its column offsets (MC × KC ints, one list per tile is
 * at most KC long and there are MC/6 tiles) and the tiles' counts. */
size_t gemm_scratch_floats(void) { return (size_t)MC * KC * 2 + MC / MR + 1; }

/*
 * Bp holds B (K × N; B[k][n] = trans ? W[n·ldw + k] : W[k·ldw + n]) as, for each KC slice
 * starting at pc, N/16 panels of kc × 16 floats: panel (pc, jr) starts at pc·N + jr·kc.
 */
void gemm_pack_b(const float *W, int ldw, int trans, int K, int N, float *Bp) {
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = K - pc < KC ? K - pc : KC;
    for (int jr = 0; jr < N; jr += NR) {
      float *dst = Bp + (size_t)pc * N + (size_t)jr * kc;
      for (int k = 0; k < kc; k++)
        for (int j = 0; j < NR; j++)
          *dst++ = trans ? W[(size_t)(jr + j) * ldw + pc + k] : W[(size_t)(pc + k) * ldw + jr + j];
    }
  }
}

#if HAVE_KERNEL
/*
 * Packs one MC block of A (rows [0, mc), columns [pc, pc + kc)) for the kernel, tile by tile
 * (6 rows each; rows past mc are 0), keeping only the columns where the tile's rows are not
 * all zero: A is the output of a relu, so about half are, and their products would add
 * exact zeros. Tile t gets count[t] columns, their values at Ap + t·6·kc (k-major, 6 per k)
 * and their row offsets into a packed B panel (k·16) at off + t·kc.
 */
static void pack_a(const float *A, int lda, int mc, int pc, int kc, float *Ap, int *off, int *count) {
  for (int ir = 0, t = 0; ir < mc; ir += MR, t++) {
    const int mr = mc - ir < MR ? mc - ir : MR;
    const float *rows[MR];
    for (int r = 0; r < MR; r++) rows[r] = A + (size_t)(ir + (r < mr ? r : 0)) * lda + pc;
    float *a = Ap + (size_t)t * MR * kc;
    int *o = off + (size_t)t * kc, n = 0;
    int k = 0;
    /* Eight columns at a time: which of them have a nonzero in the tile, as a bit mask. */
    for (; k + 8 <= kc; k += 8) {
      __m256 nonzero = _mm256_setzero_ps();
      for (int r = 0; r < mr; r++)
        nonzero = _mm256_or_ps(nonzero, _mm256_cmp_ps(_mm256_loadu_ps(rows[r] + k), _mm256_setzero_ps(), _CMP_NEQ_UQ));
      for (unsigned m = (unsigned)_mm256_movemask_ps(nonzero); m; m &= m - 1) {
        const int kk = k + __builtin_ctz(m);
        for (int r = 0; r < MR; r++) a[(size_t)n * MR + r] = r < mr ? rows[r][kk] : 0.0f;
        o[n++] = kk * NR;
      }
    }
    for (; k < kc; k++) {
      int any = 0;
      for (int r = 0; r < mr; r++) any |= rows[r][k] != 0.0f;
      if (!any) continue;
      for (int r = 0; r < MR; r++) a[(size_t)n * MR + r] = r < mr ? rows[r][k] : 0.0f;
      o[n++] = k * NR;
    }
    count[t] = n;
  }
}

/* One 6 × 16 tile of C: C = Σ over the n packed columns of a (n × 6) · the B rows at off. */
static inline void kernel(int n, const float *a, const int *off, const float *b, float *c, int ldc, int accumulate) {
  __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  if (accumulate) {
    c00 = _mm256_loadu_ps(c); c01 = _mm256_loadu_ps(c + 8);
    c10 = _mm256_loadu_ps(c + ldc); c11 = _mm256_loadu_ps(c + ldc + 8);
    c20 = _mm256_loadu_ps(c + 2 * ldc); c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    c30 = _mm256_loadu_ps(c + 3 * ldc); c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    c40 = _mm256_loadu_ps(c + 4 * ldc); c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
    c50 = _mm256_loadu_ps(c + 5 * ldc); c51 = _mm256_loadu_ps(c + 5 * ldc + 8);
  } else {
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = _mm256_setzero_ps();
  }
  for (int i = 0; i < n; i++) {
    const float *bk = b + off[i];
    const __m256 b0 = _mm256_load_ps(bk), b1 = _mm256_load_ps(bk + 8);
    __m256 a0;
    a0 = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(a0, b0, c00); c01 = _mm256_fmadd_ps(a0, b1, c01);
    a0 = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(a0, b0, c10); c11 = _mm256_fmadd_ps(a0, b1, c11);
    a0 = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(a0, b0, c20); c21 = _mm256_fmadd_ps(a0, b1, c21);
    a0 = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(a0, b0, c30); c31 = _mm256_fmadd_ps(a0, b1, c31);
    a0 = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(a0, b0, c40); c41 = _mm256_fmadd_ps(a0, b1, c41);
    a0 = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(a0, b0, c50); c51 = _mm256_fmadd_ps(a0, b1, c51);
    a += MR;
  }
  _mm256_storeu_ps(c, c00); _mm256_storeu_ps(c + 8, c01);
  _mm256_storeu_ps(c + ldc, c10); _mm256_storeu_ps(c + ldc + 8, c11);
  _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
  _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
  _mm256_storeu_ps(c + 4 * ldc, c40); _mm256_storeu_ps(c + 4 * ldc + 8, c41);
  _mm256_storeu_ps(c + 5 * ldc, c50); _mm256_storeu_ps(c + 5 * ldc + 8, c51);
}

/* A tile of mr < 6 rows at the bottom edge: through a full 6 × 16 scratch tile. */
static void edge_tile(int n, int mr, const float *a, const int *off, const float *b, float *c, int ldc, int accumulate) {
  float tile[MR * NR];
  memset(tile, 0, sizeof tile);
  if (accumulate)
    for (int r = 0; r < mr; r++) memcpy(tile + r * NR, c + (size_t)r * ldc, sizeof(float) * NR);
  kernel(n, a, off, b, tile, NR, accumulate);
  for (int r = 0; r < mr; r++) memcpy(c + (size_t)r * ldc, tile + r * NR, sizeof(float) * NR);
}
#endif

void gemm_packed(int M, int N, int K, const float *A, int lda, const float *Bp, float *C, int ldc, float *Ap,
                 const float *W, int ldw, int trans) {
#if HAVE_KERNEL
  if (Bp && N % NR == 0) {
    int *off = (int *)(Ap + (size_t)MC * KC), *count = off + (size_t)MC * KC;
    for (int ic = 0; ic < M; ic += MC) {
      const int mc = M - ic < MC ? M - ic : MC;
      for (int pc = 0; pc < K; pc += KC) {
        const int kc = K - pc < KC ? K - pc : KC;
        pack_a(A + (size_t)ic * lda, lda, mc, pc, kc, Ap, off, count);
        for (int jr = 0; jr < N; jr += NR) {
          const float *b = Bp + (size_t)pc * N + (size_t)jr * kc;
          for (int ir = 0, t = 0; ir < mc; ir += MR, t++) {
            float *c = C + (size_t)(ic + ir) * ldc + jr;
            const float *a = Ap + (size_t)t * MR * kc;
            const int *o = off + (size_t)t * kc;
            if (mc - ir < MR) edge_tile(count[t], mc - ir, a, o, b, c, ldc, pc > 0);
            else kernel(count[t], a, o, b, c, ldc, pc > 0);
          }
        }
      }
    }
    return;
  }
#endif
  (void)Bp; (void)Ap;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, trans ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A, lda, W, ldw, 0.0f, C, ldc);
}
