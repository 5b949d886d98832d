#ifndef AFFINE_VAE_DECODER_H
#define AFFINE_VAE_DECODER_H

/*
 * The decoder's sizes, weights and buffers. addon.c fills them from one table (ARRAYS, SIZES),
 * which src/native/contract.ts mirrors and checks when the addon loads; a new field here needs a
 * row there. Two hidden layers: W1 (2+Zc)×H1, W2 H1×H2, W3 H2×C (C outputs per point: the
 * image's channels, all drawn at the same warped point).
 */

/* The most outputs per point the engine runs. */
#define DECODER_MAX_CHANNELS 16

typedef struct {
  int B, P, Zc, H1, H2, C;
} DecoderShape;

typedef struct {
  const float *W1, *b1, *W2, *b2, *W3, *b3; /* W1: (2+Zc)×H1, W2: H1×H2, W3: H2×C, b3: C, row-major */
} DecoderWeights;

typedef struct {
  const float *content; /* B×Zc */
  const float *affine;  /* B×6 maps [a0..a5]: [y', x'] = [y, x] @ [[a0, a1], [a2, a3]] + [a4, a5]; NULL: identity */
  const float *grid;    /* P×2, (y, x) */
  const float *target;  /* B×P·C (each point's C values adjacent): if set, sse and bce are returned and L is one of them */
  int loss_bce;         /* with a target: 0: L = Σ (image − target)², 1: L = Σ BCE(target, image) */
  const float *dimage;  /* B×P·C: else, if set, the incoming gradient */
  float *image;         /* out: B×P·C */
  /* out, gradients (NULL for forward only): */
  float *dcontent, *daffine, *dW1, *db1, *dW2, *db2, *dW3, *db3;
  double sse, bce;
  /* out: multiply-adds of the H1 × H2 products executed, and what dense products would take */
  double macs, dense_macs;
} DecoderIO;

/*
 * Each is compiled in two variants (variant.h): decoder_run_avx2 and decoder_run_generic, and
 * fma_peak_gflops_avx2 and fma_peak_gflops_generic. skip = 0 runs the products dense.
 * decoder_run returns 0, or −1 when out of memory.
 */
int decoder_run_avx2(const DecoderShape *d, const DecoderWeights *w, DecoderIO *io, int threads, int skip);
int decoder_run_generic(const DecoderShape *d, const DecoderWeights *w, DecoderIO *io, int threads, int skip);
double fma_peak_gflops_avx2(int threads, long iterations);
double fma_peak_gflops_generic(int threads, long iterations);

#endif
