/*
 * N-API binding: plain objects of Float32Arrays in, Float32Arrays out. It also picks the
 * decoder's compiled variant (variant.h) from what the CPU supports, best first: avx2, then
 * generic. AFFINE_VAE_NATIVE_KERNEL=NAME picks another one the CPU runs.
 */
#include <node_api.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decoder.h"
#include "parallel.h"

typedef struct {
  const char *name;
  int (*run)(const DecoderShape *, const DecoderWeights *, DecoderIO *, int, int);
  double (*fma_peak)(int, long);
  int (*supported)(void);
} Variant;

/* libgcc's checks include the OS's saving of the wider registers (XGETBV). */
static int cpu_avx2(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

static int cpu_any(void) { return 1; }

/* Best first. */
static const Variant VARIANTS[] = {
    {"avx2", decoder_run_avx2, fma_peak_gflops_avx2, cpu_avx2},
    {"generic", decoder_run_generic, fma_peak_gflops_generic, cpu_any},
};
#define N_VARIANTS (sizeof VARIANTS / sizeof VARIANTS[0])

/* The variant named `name`, if this CPU runs it; NULL otherwise. */
static const Variant *variant_named(const char *name) {
  for (size_t i = 0; i < N_VARIANTS; i++)
    if (strcmp(name, VARIANTS[i].name) == 0) return VARIANTS[i].supported() ? &VARIANTS[i] : NULL;
  return NULL;
}

/* The variant `run` uses unless told otherwise: picked once, when the addon loads. */
static const Variant *chosen;

static const Variant *pick_variant(void) {
  const char *forced = getenv("AFFINE_VAE_NATIVE_KERNEL");
  const Variant *v = forced && *forced ? variant_named(forced) : NULL;
  for (size_t i = 0; !v && i < N_VARIANTS; i++)
    if (VARIANTS[i].supported()) v = &VARIANTS[i];
  return v;
}

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "affine-vae native: N-API failure"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/*
 * The contract of run(): every size and array it takes or returns, in one table. The parser, the
 * output allocation and contract() (which the TypeScript side checks against its own copy,
 * src/native/contract.ts, when the addon loads) all read it. It covers decoders with exactly two
 * hidden layers: W1 (2+Zc)×H1, W2 H1×H2, W3 H2×C; images are B × P·C, each point's C values
 * adjacent.
 */
typedef enum { D_1, D_2, D_6, D_B, D_P, D_PC, D_C, D_ZC, D_ZC2, D_H1, D_H2 } Dim;
static const char *const DIM_NAMES[] = {"1", "2", "6", "B", "P", "P*C", "C", "Zc", "2+Zc", "H1", "H2"};

typedef enum { ROLE_INPUT, ROLE_WEIGHT, ROLE_OUTPUT, ROLE_GRADIENT } Role;
static const char *const ROLE_NAMES[] = {"input", "weight", "output", "gradient"};

typedef struct {
  const char *name;
  Role role;
  Dim rows, cols;
  int optional;  /* inputs only: may be absent or null */
  size_t offset; /* of the float pointer in DecoderIO (inputs, outputs, gradients) or DecoderWeights */
} ArraySpec;

static const ArraySpec ARRAYS[] = {
    {"content", ROLE_INPUT, D_B, D_ZC, 0, offsetof(DecoderIO, content)},
    {"affine", ROLE_INPUT, D_B, D_6, 1, offsetof(DecoderIO, affine)},
    {"grid", ROLE_INPUT, D_P, D_2, 0, offsetof(DecoderIO, grid)},
    {"target", ROLE_INPUT, D_B, D_PC, 1, offsetof(DecoderIO, target)},
    {"dimage", ROLE_INPUT, D_B, D_PC, 1, offsetof(DecoderIO, dimage)},
    {"W1", ROLE_WEIGHT, D_ZC2, D_H1, 0, offsetof(DecoderWeights, W1)},
    {"b1", ROLE_WEIGHT, D_1, D_H1, 0, offsetof(DecoderWeights, b1)},
    {"W2", ROLE_WEIGHT, D_H1, D_H2, 0, offsetof(DecoderWeights, W2)},
    {"b2", ROLE_WEIGHT, D_1, D_H2, 0, offsetof(DecoderWeights, b2)},
    {"W3", ROLE_WEIGHT, D_H2, D_C, 0, offsetof(DecoderWeights, W3)},
    {"b3", ROLE_WEIGHT, D_1, D_C, 0, offsetof(DecoderWeights, b3)},
    {"image", ROLE_OUTPUT, D_B, D_PC, 0, offsetof(DecoderIO, image)},
    {"dcontent", ROLE_GRADIENT, D_B, D_ZC, 0, offsetof(DecoderIO, dcontent)},
    {"daffine", ROLE_GRADIENT, D_B, D_6, 0, offsetof(DecoderIO, daffine)},
    {"dW1", ROLE_GRADIENT, D_ZC2, D_H1, 0, offsetof(DecoderIO, dW1)},
    {"db1", ROLE_GRADIENT, D_1, D_H1, 0, offsetof(DecoderIO, db1)},
    {"dW2", ROLE_GRADIENT, D_H1, D_H2, 0, offsetof(DecoderIO, dW2)},
    {"db2", ROLE_GRADIENT, D_1, D_H2, 0, offsetof(DecoderIO, db2)},
    {"dW3", ROLE_GRADIENT, D_H2, D_C, 0, offsetof(DecoderIO, dW3)},
    {"db3", ROLE_GRADIENT, D_1, D_C, 0, offsetof(DecoderIO, db3)},
};
#define N_ARRAYS (sizeof ARRAYS / sizeof ARRAYS[0])

/* The sizes, in DecoderShape's order. */
static const char *const SIZES[] = {"B", "P", "Zc", "H1", "H2", "C"};
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])

/* Scalar options: name, required. */
static const struct { const char *name; int required; } OPTIONS[] = {{"threads", 1}, {"grad", 1}, {"bce", 0}, {"kernel", 0}};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

static size_t dim_value(Dim dim, const DecoderShape *d) {
  switch (dim) {
    case D_1: return 1;
    case D_2: return 2;
    case D_6: return 6;
    case D_B: return (size_t)d->B;
    case D_P: return (size_t)d->P;
    case D_PC: return (size_t)d->P * (size_t)d->C;
    case D_C: return (size_t)d->C;
    case D_ZC: return (size_t)d->Zc;
    case D_ZC2: return 2 + (size_t)d->Zc;
    case D_H1: return (size_t)d->H1;
    case D_H2: return (size_t)d->H2;
  }
  return 0;
}

/* Stores `p` in the struct field the spec names (memcpy: the fields are float * or const float *). */
static void set_slot(const ArraySpec *a, DecoderIO *io, DecoderWeights *w, const float *p) {
  memcpy((char *)(a->role == ROLE_WEIGHT ? (void *)w : (void *)io) + a->offset, &p, sizeof p);
}

/* The Float32Array named `key` of `obj`, with at least `len` elements; NULL if absent and optional. */
static int get_f32(napi_env env, napi_value obj, const char *key, size_t len, int optional, const float **out) {
  napi_value v;
  bool has = false;
  *out = NULL;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok) return 0;
  if (!has) goto absent;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return 0;
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) goto absent;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float32_array) {
    char msg[128];
    snprintf(msg, sizeof msg, "affine-vae native: '%s' must be a Float32Array", key);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  if (length < len) {
    char msg[160];
    snprintf(msg, sizeof msg, "affine-vae native: '%s' has %zu elements, needs %zu", key, length, len);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  *out = data;
  return 1;
absent:
  if (optional) return 1;
  {
    char msg[128];
    snprintf(msg, sizeof msg, "affine-vae native: '%s' is required", key);
    napi_throw_type_error(env, NULL, msg);
  }
  return 0;
}

/* The number named `key`; `*out` is left as it is when the key is absent and not required. */
static int get_num(napi_env env, napi_value obj, const char *key, int required, double *out) {
  bool has = false;
  napi_value v;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok) return 0;
  if (!has && !required) return 1;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok || napi_get_value_double(env, v, out) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "affine-vae native: '%s' must be a number", key);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static napi_value new_f32(napi_env env, size_t n, float **data) {
  napi_value buf, arr;
  if (napi_create_arraybuffer(env, n * sizeof(float), (void **)data, &buf) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_float32_array, n, buf, 0, &arr) != napi_ok) return NULL;
  return arr;
}

/*
 * run({sizes, options, input and weight arrays}) -> {image, sse, bce, macs, denseMacs, gradients?}
 * as ARRAYS, SIZES and OPTIONS say. kernel: a variant's name (default: the one picked at load).
 */
static napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "affine-vae native: run() takes one options object");
    return NULL;
  }
  napi_value o = args[0];
  DecoderShape d;
  int *const shape[] = {&d.B, &d.P, &d.Zc, &d.H1, &d.H2, &d.C};
  for (size_t i = 0; i < N_SIZES; i++) {
    double v = 0;
    if (!get_num(env, o, SIZES[i], 1, &v)) return NULL;
    if (!(v >= 1 && v <= 1e9)) {
      napi_throw_range_error(env, NULL, "affine-vae native: sizes must be positive");
      return NULL;
    }
    *shape[i] = (int)v;
  }
  if (d.C > DECODER_MAX_CHANNELS) {
    napi_throw_range_error(env, NULL, "affine-vae native: C (outputs per point) is at most 16");
    return NULL;
  }
  double threads = 0, grad = 0, bce = 0;
  if (!get_num(env, o, "threads", 1, &threads) || !get_num(env, o, "grad", 1, &grad) || !get_num(env, o, "bce", 0, &bce)) return NULL;
  if (threads < 1) {
    napi_throw_range_error(env, NULL, "affine-vae native: threads must be positive");
    return NULL;
  }
  const Variant *variant = chosen;
  {
    bool has = false;
    napi_value v;
    char name[16] = "";
    napi_has_named_property(env, o, "kernel", &has);
    if (has && napi_get_named_property(env, o, "kernel", &v) == napi_ok &&
        napi_get_value_string_utf8(env, v, name, sizeof name, NULL) == napi_ok) {
      if (!(variant = variant_named(name))) {
        napi_throw_range_error(env, NULL, "affine-vae native: 'kernel' must be a variant this CPU runs (see kernels())");
        return NULL;
      }
    }
  }
  DecoderWeights w;
  DecoderIO io;
  memset(&w, 0, sizeof w);
  memset(&io, 0, sizeof io);
  io.loss_bce = bce != 0;
  for (size_t i = 0; i < N_ARRAYS; i++) {
    const ArraySpec *a = &ARRAYS[i];
    if (a->role != ROLE_INPUT && a->role != ROLE_WEIGHT) continue;
    const float *p;
    if (!get_f32(env, o, a->name, dim_value(a->rows, &d) * dim_value(a->cols, &d), a->optional, &p)) return NULL;
    set_slot(a, &io, &w, p);
  }
  if (grad && !io.target && !io.dimage) {
    napi_throw_type_error(env, NULL, "affine-vae native: gradients need 'target' or 'dimage'");
    return NULL;
  }

  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  for (size_t i = 0; i < N_ARRAYS; i++) {
    const ArraySpec *a = &ARRAYS[i];
    if (a->role != ROLE_OUTPUT && !(a->role == ROLE_GRADIENT && grad)) continue;
    float *p;
    CHECK((v = new_f32(env, dim_value(a->rows, &d) * dim_value(a->cols, &d), &p)) ? napi_ok : napi_generic_failure);
    set_slot(a, &io, &w, p);
    CHECK(napi_set_named_property(env, result, a->name, v));
  }
  /* AFFINE_VAE_DENSE_PRODUCTS=1: every product dense, to compare with the skipping ones. */
  const int skip = getenv("AFFINE_VAE_DENSE_PRODUCTS") == NULL;
  if (variant->run(&d, &w, &io, (int)threads, skip) != 0) {
    napi_throw_error(env, NULL, "affine-vae native: out of memory");
    return NULL;
  }
  CHECK(napi_create_double(env, io.sse, &v));
  CHECK(napi_set_named_property(env, result, "sse", v));
  CHECK(napi_create_double(env, io.bce, &v));
  CHECK(napi_set_named_property(env, result, "bce", v));
  CHECK(napi_create_double(env, io.macs, &v));
  CHECK(napi_set_named_property(env, result, "macs", v));
  CHECK(napi_create_double(env, io.dense_macs, &v));
  CHECK(napi_set_named_property(env, result, "denseMacs", v));
  return result;
}

static napi_value string_array(napi_env env, const char *const *names, size_t n) {
  napi_value out, v;
  if (napi_create_array_with_length(env, n, &out) != napi_ok) return NULL;
  for (size_t i = 0; i < n; i++) {
    if (napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &v) != napi_ok || napi_set_element(env, out, (uint32_t)i, v) != napi_ok) return NULL;
  }
  return out;
}

/* contract() -> {sizes, options: [{name, required}], arrays: [{name, role, shape: [rows, cols], optional}]} */
static napi_value Contract(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, arrays, options, v, item;
  CHECK(napi_create_object(env, &out));
  CHECK((v = string_array(env, SIZES, N_SIZES)) ? napi_ok : napi_generic_failure);
  CHECK(napi_set_named_property(env, out, "sizes", v));
  CHECK(napi_create_array_with_length(env, N_OPTIONS, &options));
  for (size_t i = 0; i < N_OPTIONS; i++) {
    CHECK(napi_create_object(env, &item));
    CHECK(napi_create_string_utf8(env, OPTIONS[i].name, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, item, "name", v));
    CHECK(napi_get_boolean(env, OPTIONS[i].required, &v));
    CHECK(napi_set_named_property(env, item, "required", v));
    CHECK(napi_set_element(env, options, (uint32_t)i, item));
  }
  CHECK(napi_set_named_property(env, out, "options", options));
  CHECK(napi_create_array_with_length(env, N_ARRAYS, &arrays));
  for (size_t i = 0; i < N_ARRAYS; i++) {
    const ArraySpec *a = &ARRAYS[i];
    const char *shape[] = {DIM_NAMES[a->rows], DIM_NAMES[a->cols]};
    CHECK(napi_create_object(env, &item));
    CHECK(napi_create_string_utf8(env, a->name, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, item, "name", v));
    CHECK(napi_create_string_utf8(env, ROLE_NAMES[a->role], NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, item, "role", v));
    CHECK((v = string_array(env, shape, 2)) ? napi_ok : napi_generic_failure);
    CHECK(napi_set_named_property(env, item, "shape", v));
    CHECK(napi_get_boolean(env, a->optional, &v));
    CHECK(napi_set_named_property(env, item, "optional", v));
    CHECK(napi_set_element(env, arrays, (uint32_t)i, item));
  }
  CHECK(napi_set_named_property(env, out, "arrays", arrays));
  return out;
}

static napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], out;
  double threads = 1, iterations = 1e7;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc > 0) napi_get_value_double(env, args[0], &threads);
  if (argc > 1) napi_get_value_double(env, args[1], &iterations);
  CHECK(napi_create_double(env, chosen->fma_peak((int)threads, (long)iterations), &out));
  return out;
}

static napi_value MaxThreads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, parallel_processors(), &out));
  return out;
}

/* kernels() -> the variants this CPU runs, the one in use first. */
static napi_value Kernels(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  const Variant *first = chosen;
  uint32_t n = 0;
  CHECK(napi_create_array(env, &out));
  CHECK(napi_create_string_utf8(env, first->name, NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_element(env, out, n++, v));
  for (size_t i = 0; i < N_VARIANTS; i++) {
    if (&VARIANTS[i] == first || !VARIANTS[i].supported()) continue;
    CHECK(napi_create_string_utf8(env, VARIANTS[i].name, NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_element(env, out, n++, v));
  }
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  chosen = pick_variant();
  napi_property_descriptor props[] = {
      {"run", NULL, Run, NULL, NULL, NULL, napi_default, NULL},
      {"fmaPeak", NULL, FmaPeak, NULL, NULL, NULL, napi_default, NULL},
      {"maxThreads", NULL, MaxThreads, NULL, NULL, NULL, napi_default, NULL},
      {"kernels", NULL, Kernels, NULL, NULL, NULL, napi_default, NULL},
      {"contract", NULL, Contract, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
