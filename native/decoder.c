/*
 * The per-pixel decoder of affine-vae as one fused op, forward and backward.
 *
 * Per image: warp the (y, x) grid by its affine map, [y', x'] = [y, x] @ [[a0, a1], [a2, a3]]
 * + [a4, a5] (every warp family reduces to this; see src/model/warp.ts),
 * h1 = relu([u, v] @ W1[:2] + c @ W1[2:] + b1), h2 = relu(h1 @ W2 + b2),
 * out = sigmoid(h2 @ W3 + b3), C outputs per point (the channels, adjacent in the image).
 * Images are independent, so each thread takes a contiguous
 * share of them, one at a time, its three H1 × H2 products single-threaded inside (gemm.c,
 * which skips relu zeros); activations exist for one image per thread, never for the batch.
 * Weight gradients are summed per thread, then reduced in thread order.
 * Compiled twice, as the avx2 and generic variants (variant.h).
 */
#define _DEFAULT_SOURCE /* mmap's MAP_ANONYMOUS under -std=c11 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define HAVE_MMAP 1
#endif
#include "decoder.h"
#include "gemm.h"
#include "parallel.h"

/* Images per task. With W2 packed once per call (gemm.c), 1 runs as fast as 2 (measured,
 * 2 threads, batch 200) and halves the per-thread activations. */
#ifndef GROUP
#define GROUP 1
#endif

/*
 * The per-call buffers (activations, packed operands, a few MiB per thread) are mapped and
 * unmapped directly, so they go back to the system after every call: through malloc they would
 * stay in the threads' arenas and count in the process's resident memory between calls.
 * Zeroed, 64-byte aligned.
 */
static void *big_alloc(size_t bytes) {
#ifdef HAVE_MMAP
  const size_t total = bytes + 64;
  char *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  *(size_t *)p = total;
  return p + 64;
#else
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (p) memset(p, 0, bytes);
  return p;
#endif
}

static void big_free(void *q) {
  if (!q) return;
#ifdef HAVE_MMAP
  char *p = (char *)q - 64;
  munmap(p, *(size_t *)p);
#else
  free(q);
#endif
}

static void warp_map(const float *aff, float A[6]) {
  static const float identity[6] = {1, 0, 0, 1, 0, 0};
  memcpy(A, aff ? aff : identity, sizeof(float) * 6);
}

/* The warped point (u, v) of grid point (gy, gx). */
static inline void warp_point(const float A[6], float gy, float gx, float *u, float *v) {
  *u = gy * A[0] + gx * A[2] + A[4];
  *v = gy * A[1] + gx * A[3] + A[5];
}

/*
 * Orders the first layer's units so that tiles of consecutive units switch on over alike parts
 * of the image, which lets the dW2 product skip the pixels where a whole tile is off (gemm.c).
 * Unit j is on where α·y + β·x + γ > 0 on the (unwarped) grid, a half-plane: units are sorted
 * by the direction of its normal (16 sectors) and, within a sector, by its signed distance
 * from the centre (alternating up and down, so neighbouring sectors meet). Measured on the
 * shipped mnist-seed: tiles of 6 units are on at about half the pixels, against 95% in
 * index order. Any order gives the same dW2 up to rounding; ties go by index, so it is fixed.
 */
#define PI_F 3.14159265358979f

typedef struct {
  int sector;
  float key;
  int j;
} UnitKey;

static int unit_key_cmp(const void *a, const void *b) {
  const UnitKey *x = a, *y = b;
  if (x->sector != y->sector) return x->sector < y->sector ? -1 : 1;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->j < y->j ? -1 : x->j > y->j;
}

static void order_units(const DecoderShape *d, const DecoderWeights *w, const float A[6], const float *r, UnitKey *keys,
                        int *order) {
  const int H1 = d->H1;
  for (int j = 0; j < H1; j++) {
    const float wu = w->W1[j], wv = w->W1[H1 + j];
    const float alpha = A[0] * wu + A[1] * wv, beta = A[2] * wu + A[3] * wv, gamma = A[4] * wu + A[5] * wv + r[j];
    /* Not hypotf: glibc 2.35 gave it a new symbol version, which older systems lack. */
    const float norm = sqrtf(alpha * alpha + beta * beta);
    const float dist = norm > 1e-12f ? gamma / norm : (gamma > 0 ? 1e30f : -1e30f);
    int sector = (int)floorf((atan2f(beta, alpha) + PI_F) * (16 / (2 * PI_F)));
    sector = sector < 0 ? 0 : sector > 15 ? 15 : sector;
    keys[j] = (UnitKey){sector, sector % 2 ? -dist : dist, j};
  }
  qsort(keys, H1, sizeof(UnitKey), unit_key_cmp);
  for (int j = 0; j < H1; j++) order[j] = keys[j].j;
}

/*
 * What one thread's products need beside the activations: W2 and W2ᵀ packed once per call
 * for the two products by W2, shared; the rest per thread.
 */
typedef struct {
  const float *W2;  /* B = W2, H1 × H2 */
  const float *W2t; /* B = W2ᵀ, H2 × H1 (with gradients) */
  const float *W3t; /* W3ᵀ, C × H2: each output's weights contiguous (with C = 1, W3 itself) */
  int skip;         /* skip relu zeros in the products (0: dense) */
  float *scratch;   /* packed tiles of A */
  float *dpre2;     /* packed dpre2 (GROUP·P × H2), for dW2 */
  int *order;       /* the unit order for dW2 (H1) */
  UnitKey *keys;    /* and its sort keys */
  float *uv;        /* the warped grid's u and v (2 × GROUP·P) */
  float *dh2;       /* dL/dh2 of one point (H2), with C > 1 outputs */
  double macs;      /* multiply-adds the products executed */
} ThreadWork;

/* Per-thread gradient sums. */
typedef struct {
  float *dW1, *db1, *dW2, *db2, *dW3, *db3;
} GradSums;

/*
 * The output layer with C > 1 outputs, for `rows` points: the relu of h2 (in place) once, then
 * one reduction per output over its contiguous weights. The output layer is H2·C of the
 * H1·H2 + H2·C multiply-adds per point, so C = 3 costs little more than grey.
 */
static void output_forward_channels(const DecoderShape *d, const DecoderWeights *w, const ThreadWork *pk, int rows, float *h2,
                                    float *out) {
  const int H2 = d->H2, C = d->C;
  const float *restrict b2 = w->b2;
  for (int i = 0; i < rows; i++) {
    float *h = h2 + (size_t)i * H2;
#pragma omp simd
    for (int j = 0; j < H2; j++) {
      const float a = h[j] + b2[j];
      h[j] = a > 0 ? a : 0;
    }
    for (int k = 0; k < C; k++) {
      const float *restrict wk = pk->W3t + (size_t)k * H2;
      float acc = w->b3[k];
#pragma omp simd reduction(+ : acc)
      for (int j = 0; j < H2; j++) acc += h[j] * wk[j];
      out[(size_t)i * C + k] = 1.0f / (1.0f + expf(-acc));
    }
  }
}

/*
 * The output layer's backward with C > 1 outputs, for `rows` points: adds into dW3 (summed
 * transposed, C × H2), db3 and db2, and turns h2 into dpre2 in place. One vectorized pass per
 * output gathers dL/dh2 in the thread's scratch, then the relu's mask applies it.
 */
static void output_backward_channels(const DecoderShape *d, const ThreadWork *pk, int rows, const float *out, const float *dimg,
                                     float *h2, GradSums *gs) {
  const int H2 = d->H2, C = d->C;
  float *restrict x = pk->dh2, *restrict db2 = gs->db2;
  for (int i = 0; i < rows; i++) {
    float *h = h2 + (size_t)i * H2;
    memset(x, 0, sizeof(float) * H2);
    for (int k = 0; k < C; k++) {
      const float y = out[(size_t)i * C + k], dl = dimg[(size_t)i * C + k] * y * (1 - y);
      const float *restrict wk = pk->W3t + (size_t)k * H2;
      float *restrict dwk = gs->dW3 + (size_t)k * H2;
      gs->db3[k] += dl;
#pragma omp simd
      for (int j = 0; j < H2; j++) {
        dwk[j] += h[j] * dl;
        x[j] += dl * wk[j];
      }
    }
#pragma omp simd
    for (int j = 0; j < H2; j++) {
      const float g = h[j] > 0 ? x[j] : 0;
      h[j] = g;
      db2[j] += g;
    }
  }
}

/*
 * Forward for a group of G consecutive images, the big product one call over G·P rows.
 * Fills h1 (G·P×H1), h2 (G·P×H2, after relu), out (G·P×C) and r1 (G×H1: each image's
 * content term plus b1, which the backward reuses).
 */
static void forward_group(const DecoderShape *d, const DecoderWeights *w, ThreadWork *pk, int G, const float *c,
                          const float *p, const float *grid, float *r1, float *h1, float *h2, float *out) {
  const int P = d->P, H1 = d->H1, H2 = d->H2, Zc = d->Zc;
  const float *wu = w->W1, *wv = w->W1 + H1;
  for (int g = 0; g < G; g++) {
    float A[6], *r = r1 + (size_t)g * H1;
    warp_map(p ? p + 6 * g : NULL, A);
    for (int j = 0; j < H1; j++) r[j] = w->b1[j];
    for (int k = 0; k < Zc; k++) {
      const float ck = c[(size_t)g * Zc + k], *row = w->W1 + (size_t)(2 + k) * H1;
      for (int j = 0; j < H1; j++) r[j] += ck * row[j];
    }
    for (int i = 0; i < P; i++) {
      const float gy = grid[2 * i], gx = grid[2 * i + 1];
      float u, v;
      warp_point(A, gy, gx, &u, &v);
      float *h = h1 + ((size_t)g * P + i) * H1;
      for (int j = 0; j < H1; j++) {
        const float a = u * wu[j] + v * wv[j] + r[j];
        h[j] = a > 0 ? a : 0;
      }
    }
  }
  const int rows = G * P, C = d->C;
  pk->macs += gemm_packed(rows, H2, H1, h1, H1, pk->W2, h2, H2, pk->scratch, pk->skip);
  if (C > 1) {
    output_forward_channels(d, w, pk, rows, h2, out);
    return;
  }
  const float b3 = w->b3[0], *restrict b2 = w->b2, *restrict W3 = pk->W3t;
  for (int i = 0; i < rows; i++) {
    float *h = h2 + (size_t)i * H2, acc = b3;
    /* Vectorized reductions (8 partial sums): the order differs from a serial loop but is
     * fixed for a build, so results stay bit-identical run to run. */
#pragma omp simd reduction(+ : acc)
    for (int j = 0; j < H2; j++) {
      const float a = h[j] + b2[j];
      const float r = a > 0 ? a : 0;
      h[j] = r;
      acc += r * W3[j];
    }
    out[i] = 1.0f / (1.0f + expf(-acc));
  }
}

/* dW3 is summed transposed, C × H2, as W3t is read. */
static int grads_alloc(GradSums *g, const DecoderShape *d) {
  const size_t n1 = (size_t)(2 + d->Zc) * d->H1, n2 = (size_t)d->H1 * d->H2;
  g->dW1 = calloc(n1, sizeof(float));
  g->db1 = calloc(d->H1, sizeof(float));
  g->dW2 = big_alloc(n2 * sizeof(float));
  g->db2 = calloc(d->H2, sizeof(float));
  g->dW3 = calloc((size_t)d->H2 * d->C, sizeof(float));
  g->db3 = calloc(d->C, sizeof(float));
  return g->dW1 && g->db1 && g->dW2 && g->db2 && g->dW3 && g->db3;
}

static void grads_free(GradSums *g) {
  free(g->dW1); free(g->db1); big_free(g->dW2); free(g->db2); free(g->dW3); free(g->db3);
}

/*
 * h1ᵀ (H1 × G·P) for the dW2 product, whose tiles are units: recomputed from the warped grid
 * one unit per row (contiguous, vectorized) rather than transposed from h1 (strided, slow).
 * r1 is the forward's G × H1; uv is 2·G·P scratch.
 */
static void first_layer_transposed(const DecoderShape *d, const DecoderWeights *w, int G, const float *p,
                                   const float *grid, const float *r1, float *uv, float *h1t) {
  const int P = d->P, H1 = d->H1, rows = G * P;
  float *u = uv, *v = uv + rows;
  for (int g = 0; g < G; g++) {
    float A[6];
    warp_map(p ? p + 6 * g : NULL, A);
    for (int i = 0; i < P; i++) warp_point(A, grid[2 * i], grid[2 * i + 1], u + g * P + i, v + g * P + i);
  }
  for (int j = 0; j < H1; j++) {
    const float wu = w->W1[j], wv = w->W1[H1 + j];
    for (int g = 0; g < G; g++) {
      const float rj = r1[(size_t)g * H1 + j], *ug = u + g * P, *vg = v + g * P;
      float *out = h1t + (size_t)j * rows + g * P;
      for (int i = 0; i < P; i++) {
        const float a = ug[i] * wu + vg[i] * wv + rj;
        out[i] = a > 0 ? a : 0;
      }
    }
  }
}

/*
 * Backward for a group of G images, after forward_group filled h1, h2, out. dimg (G·P×C) is
 * dL/dout; on return h2 and g1 are scratch. Writes dc (G×Zc) and dp (G×6), adds into the
 * thread's sums. dr1 holds the forward's r1 on entry, then is H1 scratch.
 */
static void backward_group(const DecoderShape *d, const DecoderWeights *w, ThreadWork *pk, int G, const float *c, const float *p,
                           const float *grid, const float *out, const float *dimg, float *h1, float *h2, float *g1,
                           float *dr1, GradSums *gs, float *dc, float *dp) {
  const int P = d->P, H1 = d->H1, H2 = d->H2, Zc = d->Zc, rows = G * P;
  /* Output layer: dlogit = dimg·y(1−y); h2 becomes dpre2 in place. */
  if (d->C > 1) {
    output_backward_channels(d, pk, rows, out, dimg, h2, gs);
  } else {
    float *restrict dW3 = gs->dW3, *restrict db2 = gs->db2;
    const float *restrict W3 = pk->W3t;
    for (int i = 0; i < rows; i++) {
      const float y = out[i], dl = dimg[i] * y * (1 - y);
      float *h = h2 + (size_t)i * H2;
      gs->db3[0] += dl;
#pragma omp simd
      for (int j = 0; j < H2; j++) {
        const float hv = h[j];
        dW3[j] += hv * dl;
        const float x = dl * W3[j]; /* computed unconditionally so the select vectorizes */
        const float g = hv > 0 ? x : 0;
        h[j] = g;
        db2[j] += g;
      }
    }
  }
  float order_map[6]; /* the (first) image's map, which orders the units */
  warp_map(p, order_map);
  order_units(d, w, order_map, dr1, pk->keys, pk->order); /* dr1 still holds the forward's r1 */
  /* g1 is free until the dX product fills it: it holds h1ᵀ meanwhile. */
  first_layer_transposed(d, w, G, p, grid, dr1, pk->uv, g1);
  pk->macs += gemm_nn_accumulate(H1, H2, rows, g1, pk->order, h2, H2, pk->dpre2, gs->dW2, H2, pk->scratch, pk->skip);
  pk->macs += gemm_packed(rows, H1, H2, h2, H2, pk->W2t, g1, H1, pk->scratch, pk->skip);
  const float *wu = w->W1, *wv = w->W1 + H1;
  float *dWu = gs->dW1, *dWv = gs->dW1 + H1;
  for (int g = 0; g < G; g++) {
    float A[6];
    warp_map(p ? p + 6 * g : NULL, A);
    double dA[6] = {0, 0, 0, 0, 0, 0};
    memset(dr1, 0, sizeof(float) * H1);
    for (int i = 0; i < P; i++) {
      const float gy = grid[2 * i], gx = grid[2 * i + 1];
      float u, v;
      warp_point(A, gy, gx, &u, &v);
      const float *h = h1 + ((size_t)g * P + i) * H1, *gr = g1 + ((size_t)g * P + i) * H1;
      float du = 0, dv = 0;
#pragma omp simd reduction(+ : du, dv)
      for (int j = 0; j < H1; j++) {
        const float gj = gr[j], t = h[j] > 0 ? gj : 0;
        du += t * wu[j];
        dv += t * wv[j];
        dWu[j] += u * t;
        dWv[j] += v * t;
        dr1[j] += t;
      }
      dA[0] += gy * du; dA[1] += gy * dv; dA[2] += gx * du; dA[3] += gx * dv; dA[4] += du; dA[5] += dv;
    }
    for (int j = 0; j < H1; j++) gs->db1[j] += dr1[j];
    for (int k = 0; k < Zc; k++) {
      const float ck = c[(size_t)g * Zc + k], *row = w->W1 + (size_t)(2 + k) * H1;
      float *drow = gs->dW1 + (size_t)(2 + k) * H1, acc = 0;
      for (int j = 0; j < H1; j++) {
        drow[j] += ck * dr1[j];
        acc += row[j] * dr1[j];
      }
      dc[(size_t)g * Zc + k] = acc;
    }
    float *dpg = dp + 6 * g;
    for (int k = 0; k < 6; k++) dpg[k] = p ? (float)dA[k] : 0;
  }
}

/* One call: its inputs, the shared packed weights, and each thread's results. */
typedef struct {
  const DecoderShape *d;
  const DecoderWeights *w;
  DecoderIO *io;
  int threads, want_grad, skip;
  const float *W2p, *W2tp, *W3t;
  GradSums *sums;
  double *sse, *bce, *macs;
  int *failed;
} Call;

/* Thread t's share: images [t·B/threads, (t + 1)·B/threads) in groups of GROUP. */
static void run_share(void *arg, int t) {
  const Call *call = arg;
  const DecoderShape *d = call->d;
  const DecoderWeights *w = call->w;
  DecoderIO *io = call->io;
  const int B = d->B, P = d->P, H1 = d->H1, H2 = d->H2, Zc = d->Zc, C = d->C, want_grad = call->want_grad;
  const int first = (int)((long)B * t / call->threads), last = (int)((long)B * (t + 1) / call->threads);
  if (first >= last) return;
  const size_t rows = (size_t)GROUP * P;
  float *h1 = big_alloc(sizeof(float) * rows * H1);
  float *h2 = big_alloc(sizeof(float) * rows * H2);
  float *g1 = want_grad ? big_alloc(sizeof(float) * rows * H1) : NULL;
  float *r1 = malloc(sizeof(float) * (size_t)GROUP * H1);
  float *dimg = malloc(sizeof(float) * rows * C);
  ThreadWork pk = {call->W2p, call->W2tp, call->W3t, call->skip, big_alloc(sizeof(float) * gemm_scratch_floats()), NULL, NULL, NULL, NULL, NULL, 0};
  if (want_grad) {
    pk.dpre2 = big_alloc(sizeof(float) * gemm_packed_b_floats((int)rows, H2));
    pk.order = malloc(sizeof(int) * H1);
    pk.keys = malloc(sizeof(UnitKey) * H1);
    pk.uv = malloc(sizeof(float) * 2 * rows);
    pk.dh2 = malloc(sizeof(float) * H2);
  }
  const int ok = h1 && h2 && r1 && dimg && pk.scratch &&
                 (!want_grad || (g1 && pk.dpre2 && pk.order && pk.keys && pk.uv && pk.dh2 && grads_alloc(&call->sums[t], d)));
  for (int b = first; ok && b < last; b += GROUP) {
    const int G = last - b < GROUP ? last - b : GROUP;
    const float *c = io->content + (size_t)b * Zc;
    const float *p = io->affine ? io->affine + (size_t)b * 6 : NULL;
    float *out = io->image + (size_t)b * P * C;
    forward_group(d, w, &pk, G, c, p, io->grid, r1, h1, h2, out);
    if (io->target) {
      /* Both sums are returned; the gradient is that of the one asked for. */
      const float *tg = io->target + (size_t)b * P * C;
      double e = 0, x = 0;
      for (int i = 0; i < G * P * C; i++) {
        const float diff = out[i] - tg[i];
        const float y = out[i] < 1e-7f ? 1e-7f : out[i] > 1 - 1e-7f ? 1 - 1e-7f : out[i];
        e += (double)diff * diff;
        x -= tg[i] * logf(y) + (1 - tg[i]) * logf(1 - y);
        /* BCE: dL/dy = (y − t)/(y(1 − y)); the output layer multiplies by y(1 − y) again. */
        dimg[i] = io->loss_bce ? diff / (y * (1 - y)) : 2 * diff;
      }
      call->sse[t] += e;
      call->bce[t] += x;
    } else if (io->dimage) {
      memcpy(dimg, io->dimage + (size_t)b * P * C, sizeof(float) * G * P * C);
    }
    if (want_grad) {
      backward_group(d, w, &pk, G, c, p, io->grid, out, dimg, h1, h2, g1, r1, &call->sums[t],
                     io->dcontent + (size_t)b * Zc, io->daffine + (size_t)b * 6);
    }
  }
  if (!ok) call->failed[t] = 1;
  call->macs[t] = pk.macs;
  big_free(h1); big_free(h2); big_free(g1); free(r1); free(dimg); big_free(pk.scratch); big_free(pk.dpre2); free(pk.order); free(pk.keys); free(pk.uv); free(pk.dh2);
}

int KV(decoder_run)(const DecoderShape *d, const DecoderWeights *w, DecoderIO *io, int threads, int skip) {
  const int H1 = d->H1, H2 = d->H2, Zc = d->Zc, C = d->C;
  const int want_grad = io->dW1 != NULL;
  if (threads < 1) threads = 1;
  Call call = {d, w, io, threads, want_grad, skip, NULL, NULL, NULL,
               calloc(threads, sizeof(GradSums)), calloc(threads, sizeof(double)), calloc(threads, sizeof(double)),
               calloc(threads, sizeof(double)), calloc(threads, sizeof(int))};
  /* Packed copies of W2 (1 MiB each at H = 512). */
  float *W2p = big_alloc(sizeof(float) * gemm_packed_b_floats(H1, H2));
  float *W2tp = want_grad ? big_alloc(sizeof(float) * gemm_packed_b_floats(H2, H1)) : NULL;
  float *W3t = malloc(sizeof(float) * (size_t)H2 * C);
  int failed = !call.sums || !call.sse || !call.bce || !call.macs || !call.failed || !W2p || (want_grad && !W2tp) || !W3t;
  if (!failed) {
    for (int j = 0; j < H2; j++)
      for (int k = 0; k < C; k++) W3t[(size_t)k * H2 + j] = w->W3[(size_t)j * C + k];
    call.W3t = W3t;
    gemm_pack_b(w->W2, H2, 0, H1, H2, W2p);
    if (W2tp) gemm_pack_b(w->W2, H2, 1, H2, H1, W2tp);
    call.W2p = W2p;
    call.W2tp = W2tp;
    /*
     * Fixed shares and per-thread sums combined in thread order: the same inputs and thread
     * count give bit-identical results, so a resumed run matches an uninterrupted one exactly.
     */
    parallel_run(threads, run_share, &call);
    for (int t = 0; t < threads; t++) failed |= call.failed[t];
  }
  big_free(W2p);
  big_free(W2tp);
  free(W3t);
  if (want_grad && !failed) {
    const size_t n1 = (size_t)(2 + Zc) * H1, n2 = (size_t)H1 * H2;
    memset(io->dW1, 0, n1 * sizeof(float)); memset(io->db1, 0, H1 * sizeof(float));
    memset(io->dW2, 0, n2 * sizeof(float)); memset(io->db2, 0, H2 * sizeof(float));
    memset(io->dW3, 0, (size_t)H2 * C * sizeof(float)); memset(io->db3, 0, C * sizeof(float));
    for (int t = 0; t < threads; t++) {
      GradSums *g = &call.sums[t];
      if (!g->dW1) continue;
      for (size_t i = 0; i < n1; i++) io->dW1[i] += g->dW1[i];
      for (int i = 0; i < H1; i++) io->db1[i] += g->db1[i];
      for (size_t i = 0; i < n2; i++) io->dW2[i] += g->dW2[i];
      for (int i = 0; i < H2; i++) io->db2[i] += g->db2[i];
      for (int j = 0; j < H2; j++)
        for (int k = 0; k < C; k++) io->dW3[(size_t)j * C + k] += g->dW3[(size_t)k * H2 + j];
      for (int k = 0; k < C; k++) io->db3[k] += g->db3[k];
    }
  }
  double sse = 0, bce = 0, macs = 0;
  for (int t = 0; !failed && t < threads; t++) sse += call.sse[t], bce += call.bce[t], macs += call.macs[t];
  io->macs = macs;
  io->dense_macs = (want_grad ? 3.0 : 1.0) * d->B * d->P * H1 * H2;
  io->sse = sse;
  io->bce = bce;
  if (call.sums)
    for (int t = 0; t < threads; t++) grads_free(&call.sums[t]);
  free(call.sums); free(call.sse); free(call.bce); free(call.macs); free(call.failed);
  return failed ? -1 : 0;
}

/* A peak probe: independent FMA chains per thread, 8-wide (AVX2) by the compiler. */
typedef struct {
  long iterations;
  double *flops;
} Probe;

static void probe_share(void *arg, int t) {
  const Probe *p = arg;
  float acc[12][8];
  for (int a = 0; a < 12; a++) for (int l = 0; l < 8; l++) acc[a][l] = 1.0f + 1e-3f * (a + l);
  const float m = 0.999999f, k = 1e-7f;
  for (long it = 0; it < p->iterations; it++) {
    for (int a = 0; a < 12; a++)
      for (int l = 0; l < 8; l++) acc[a][l] = acc[a][l] * m + k;
  }
  float s = 0;
  for (int a = 0; a < 12; a++) for (int l = 0; l < 8; l++) s += acc[a][l];
  p->flops[t] = (double)p->iterations * 96 * 2 + (s == 12345.0f); /* s keeps the loop alive */
}

double KV(fma_peak_gflops)(int threads, long iterations) {
  if (threads < 1) threads = 1;
  Probe p = {iterations, calloc(threads, sizeof(double))};
  if (!p.flops) return 0;
  const double t0 = parallel_seconds();
  parallel_run(threads, probe_share, &p);
  const double seconds = parallel_seconds() - t0;
  double total = 0;
  for (int t = 0; t < threads; t++) total += p.flops[t];
  free(p.flops);
  return seconds > 0 ? total / seconds / 1e9 : 0;
}
