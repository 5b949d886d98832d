/*
 * The decoder's three big products, C (+)= A · B with A the output of a relu (about half
 * zeros), on a micro-kernel of our own rather than a BLAS, for three reasons:
 *
 * - Zeros are skipped. A is cut into tiles of 6 rows; for each tile only the columns k where
 *   one of its rows is nonzero enter the product (the others would add exact zeros). Neighbouring
 *   pixels switch the same units on and off, so a 6-pixel tile keeps about half the columns.
 *   For dW2 += h1ᵀ · dpre2 (A = h1ᵀ) the tile is 6 *units* and the columns are pixels: there,
 *   units are first ordered so that a tile holds units whose on-regions (half-planes of the
 *   image) are alike (decoder.c), and again about half the pixels remain.
 * - A right-hand side used by every image (W2, W2ᵀ) is packed once per call, where OpenBLAS
 *   repacks it for every sgemm.
 * - The addon needs no BLAS library at run time, so a prebuilt binary runs on a bare machine.
 *
 * The blocking is BLIS's (Goto's): a KC-deep slice of packed B is swept by MC-row blocks of A
 * (packed per block), cut into 6 × 16 tiles computed by an AVX2/FMA micro-kernel that keeps the
 * tile in 12 registers. Skipping a zero column changes no sum, so the result is the dense
 * product's, summed in the same order. B is packed in panels of 16 columns, the last one padded
 * with zeros, so any N runs here: an edge tile is computed into a 6 × 16 buffer and its valid
 * columns copied out. Compiled without AVX2 and FMA (the generic variant, variant.h), the
 * micro-kernel is plain C on the same packing and blocking, so both variants sum in the same
 * order; they differ only in rounding (a fused multiply-add rounds once, the generic kernel twice).
 */
#include <stdlib.h>
#include <string.h>
#include "gemm.h"

#define MR 6
#define NR 16
/* K up to 512 in one slice: each C tile is written once (measured ~10% faster than KC 256 here). */
#define KC 512
#define MC 96

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define HAVE_AVX2_FMA 1
#else
#define HAVE_AVX2_FMA 0
#endif

/* N rounded up to whole 16-column panels. */
static inline int padded(int N) { return (N + NR - 1) / NR * NR; }

size_t gemm_packed_b_floats(int K, int N) { return (size_t)K * padded(N); }

/* Packed A (MC × KC floats), then its column offsets (MC × KC ints, one list per tile is
 * at most KC long and there are MC/6 tiles) and the tiles' counts. */
size_t gemm_scratch_floats(void) { return (size_t)MC * KC * 2 + MC / MR + 1; }

/*
 * Bp holds B (K × N; B[k][n] = trans ? W[n·ldw + k] : W[k·ldw + n]) as, for each KC slice
 * starting at pc, Np/16 panels of kc × 16 floats (Np = N padded to 16, zeros past N): panel
 * (pc, jr) starts at pc·Np + jr·kc.
 */
void gemm_pack_b(const float *W, int ldw, int trans, int K, int N, float *Bp) {
  const int Np = padded(N);
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = K - pc < KC ? K - pc : KC;
    for (int jr = 0; jr < Np; jr += NR) {
      float *dst = Bp + (size_t)pc * Np + (size_t)jr * kc;
      for (int k = 0; k < kc; k++)
        for (int j = 0; j < NR; j++)
          *dst++ = jr + j >= N ? 0.0f : trans ? W[(size_t)(jr + j) * ldw + pc + k] : W[(size_t)(pc + k) * ldw + jr + j];
    }
  }
}

/* Appends column k of a tile (its 6 values v) to the packed tile. */
static inline void keep(float *a, int *off, int *n, int k, const float v[MR]) {
  memcpy(a + (size_t)*n * MR, v, sizeof(float) * MR);
  off[(*n)++] = k * NR;
}

/*
 * Packs one tile of A for the kernel: row r of the tile is rows[r] (NULL: a row of zeros past
 * the edge), element k at rows[r][k·step]; only the columns k in [0, kc) where some row is
 * nonzero are kept, their values k-major (6 per k) at a, their offsets into a packed B panel
 * (k·16) at off. Returns how many were kept. skip = 0 keeps every column.
 */
static int pack_tile(const float *const rows[MR], size_t step, int kc, float *a, int *off, int skip) {
  int n = 0, k = 0;
  float v[MR];
#if HAVE_AVX2_FMA
  if (step == 1 && skip) {
    /* Eight columns at a time: which of them have a nonzero, as a bit mask. */
    for (; k + 8 <= kc; k += 8) {
      __m256 nonzero = _mm256_setzero_ps();
      for (int r = 0; r < MR; r++)
        if (rows[r])
          nonzero = _mm256_or_ps(nonzero, _mm256_cmp_ps(_mm256_loadu_ps(rows[r] + k), _mm256_setzero_ps(), _CMP_NEQ_UQ));
      for (unsigned m = (unsigned)_mm256_movemask_ps(nonzero); m; m &= m - 1) {
        const int kk = k + __builtin_ctz(m);
        for (int r = 0; r < MR; r++) v[r] = rows[r] ? rows[r][kk] : 0.0f;
        keep(a, off, &n, kk, v);
      }
    }
  }
#endif
  for (; k < kc; k++) {
    int any = !skip;
    for (int r = 0; r < MR; r++) {
      v[r] = rows[r] ? rows[r][(size_t)k * step] : 0.0f;
      any |= v[r] != 0.0f;
    }
    if (any) keep(a, off, &n, k, v);
  }
  return n;
}

/* One 6 × 16 tile of C, row r at c[r]: (+)= Σ over the n packed columns of a · the B rows at off. */
#if HAVE_AVX2_FMA
static inline void kernel(int n, const float *a, const int *off, const float *b, float *const c[MR], int accumulate) {
  __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
  if (accumulate) {
    c00 = _mm256_loadu_ps(c[0]); c01 = _mm256_loadu_ps(c[0] + 8);
    c10 = _mm256_loadu_ps(c[1]); c11 = _mm256_loadu_ps(c[1] + 8);
    c20 = _mm256_loadu_ps(c[2]); c21 = _mm256_loadu_ps(c[2] + 8);
    c30 = _mm256_loadu_ps(c[3]); c31 = _mm256_loadu_ps(c[3] + 8);
    c40 = _mm256_loadu_ps(c[4]); c41 = _mm256_loadu_ps(c[4] + 8);
    c50 = _mm256_loadu_ps(c[5]); c51 = _mm256_loadu_ps(c[5] + 8);
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
  _mm256_storeu_ps(c[0], c00); _mm256_storeu_ps(c[0] + 8, c01);
  _mm256_storeu_ps(c[1], c10); _mm256_storeu_ps(c[1] + 8, c11);
  _mm256_storeu_ps(c[2], c20); _mm256_storeu_ps(c[2] + 8, c21);
  _mm256_storeu_ps(c[3], c30); _mm256_storeu_ps(c[3] + 8, c31);
  _mm256_storeu_ps(c[4], c40); _mm256_storeu_ps(c[4] + 8, c41);
  _mm256_storeu_ps(c[5], c50); _mm256_storeu_ps(c[5] + 8, c51);
}
#else
static inline void kernel(int n, const float *a, const int *off, const float *b, float *const c[MR], int accumulate) {
  float acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NR; j++) acc[r][j] = accumulate ? c[r][j] : 0.0f;
  for (int i = 0; i < n; i++) {
    const float *bk = b + off[i];
    for (int r = 0; r < MR; r++) {
      const float ar = a[r];
      for (int j = 0; j < NR; j++) acc[r][j] += ar * bk[j];
    }
    a += MR;
  }
  for (int r = 0; r < MR; r++) memcpy(c[r], acc[r], sizeof acc[r]);
}
#endif

/*
 * The blocked product. Row m of A is A + rowsel(m)·rstep, its element k at k·kstep; row m of C
 * is C + rowsel(m)·ldc, where rowsel(m) = perm ? perm[m] : m. accumulate: C += A·B, else C = A·B.
 */
static double blocked(int M, int N, int K, const float *A, size_t rstep, size_t kstep, const int *perm, const float *Bp,
                      float *C, int ldc, int accumulate, float *scratch, int skip) {
  double macs = 0;
  const int Np = padded(N);
  float *Ap = scratch;
  int *off = (int *)(scratch + (size_t)MC * KC), *count = off + (size_t)MC * KC;
  /* Where a tile's rows past M, or its columns past N, are computed. */
  float edge[MR][NR];
  memset(edge, 0, sizeof edge);
  for (int ic = 0; ic < M; ic += MC) {
    const int mc = M - ic < MC ? M - ic : MC;
    for (int pc = 0; pc < K; pc += KC) {
      const int kc = K - pc < KC ? K - pc : KC;
      const int add = accumulate || pc > 0;
      for (int ir = 0, t = 0; ir < mc; ir += MR, t++) {
        const float *rows[MR];
        for (int r = 0; r < MR; r++) {
          const int m = ic + ir + r;
          rows[r] = ir + r < mc ? A + (size_t)(perm ? perm[m] : m) * rstep + (size_t)pc * kstep : NULL;
        }
        count[t] = pack_tile(rows, kstep, kc, Ap + (size_t)t * MR * kc, off + (size_t)t * kc, skip);
        macs += (double)count[t] * (mc - ir < MR ? mc - ir : MR) * N;
      }
      for (int jr = 0; jr < Np; jr += NR) {
        const float *b = Bp + (size_t)pc * Np + (size_t)jr * kc;
        const int nr = N - jr < NR ? N - jr : NR;
        for (int ir = 0, t = 0; ir < mc; ir += MR, t++) {
          const int valid = mc - ir < MR ? mc - ir : MR;
          float *row[MR], *c[MR];
          for (int r = 0; r < MR; r++) {
            const int m = ic + ir + r;
            row[r] = r < valid ? C + (size_t)(perm ? perm[m] : m) * ldc + jr : NULL;
            c[r] = row[r] && nr == NR ? row[r] : edge[r];
          }
          if (nr < NR) {
            memset(edge, 0, sizeof edge);
            if (add)
              for (int r = 0; r < valid; r++) memcpy(edge[r], row[r], sizeof(float) * nr);
          }
          kernel(count[t], Ap + (size_t)t * MR * kc, off + (size_t)t * kc, b, c, add);
          if (nr < NR)
            for (int r = 0; r < valid; r++) memcpy(row[r], edge[r], sizeof(float) * nr);
        }
      }
    }
  }
  return macs;
}

double gemm_packed(int M, int N, int K, const float *A, int lda, const float *Bp, float *C, int ldc, float *scratch,
                   int skip) {
  return blocked(M, N, K, A, lda, 1, NULL, Bp, C, ldc, 0, scratch, skip);
}

double gemm_nn_accumulate(int M, int N, int K, const float *A, const int *perm, const float *B, int ldb, float *Bp,
                          float *C, int ldc, float *scratch, int skip) {
  gemm_pack_b(B, ldb, 0, K, N, Bp);
  return blocked(M, N, K, A, K, 1, perm, Bp, C, ldc, 1, scratch, skip);
}
