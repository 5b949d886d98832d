/*
 * N-API binding: plain objects of Float32Arrays in, Float32Arrays out. It also picks the
 * decoder's compiled variant (variant.h) from what the CPU supports, best first: avx2, then
 * generic. AFFINE_VAE_NATIVE_KERNEL=NAME picks another one the CPU runs.
 */
#include <node_api.h>
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

/* The Float32Array named `key` of `obj`, with at least `len` elements; NULL if absent and optional. */
static int get_f32(napi_env env, napi_value obj, const char *key, size_t len, int optional, float **out) {
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

static int get_num(napi_env env, napi_value obj, const char *key, double *out) {
  napi_value v;
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
 * run({B, P, Zc, H1, H2, threads, grad, content, affine?, grid, target?, dimage?,
 *      bce?, kernel?, W1, b1, W2, b2, W3, b3}) -> {image, sse, bce, dcontent?, daffine?, dW1?, ...}
 * kernel: a variant's name (default: the one picked at load).
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
  double B, P, Zc, H1, H2, threads, grad, bce = 0;
  if (!get_num(env, o, "B", &B) || !get_num(env, o, "P", &P) || !get_num(env, o, "Zc", &Zc) ||
      !get_num(env, o, "H1", &H1) || !get_num(env, o, "H2", &H2) ||
      !get_num(env, o, "threads", &threads) || !get_num(env, o, "grad", &grad))
    return NULL;
  if (B < 1 || P < 1 || Zc < 1 || H1 < 1 || H2 < 1 || threads < 1) {
    napi_throw_range_error(env, NULL, "affine-vae native: sizes and threads must be positive");
    return NULL;
  }
  {
    bool has = false;
    napi_has_named_property(env, o, "bce", &has);
    if (has && !get_num(env, o, "bce", &bce)) return NULL;
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
  DecoderShape d = {(int)B, (int)P, (int)Zc, (int)H1, (int)H2};
  DecoderWeights w;
  DecoderIO io;
  memset(&io, 0, sizeof io);
  io.loss_bce = bce != 0;
  float *tmp;
  const size_t b = d.B, p = d.P;
  if (!get_f32(env, o, "content", b * d.Zc, 0, &tmp)) return NULL;
  io.content = tmp;
  if (!get_f32(env, o, "affine", b * 6, 1, &tmp)) return NULL;
  io.affine = tmp;
  if (!get_f32(env, o, "grid", p * 2, 0, &tmp)) return NULL;
  io.grid = tmp;
  if (!get_f32(env, o, "target", b * p, 1, &tmp)) return NULL;
  io.target = tmp;
  if (!get_f32(env, o, "dimage", b * p, 1, &tmp)) return NULL;
  io.dimage = tmp;
  if (!get_f32(env, o, "W1", (size_t)(2 + d.Zc) * d.H1, 0, &tmp)) return NULL;
  w.W1 = tmp;
  if (!get_f32(env, o, "b1", d.H1, 0, &tmp)) return NULL;
  w.b1 = tmp;
  if (!get_f32(env, o, "W2", (size_t)d.H1 * d.H2, 0, &tmp)) return NULL;
  w.W2 = tmp;
  if (!get_f32(env, o, "b2", d.H2, 0, &tmp)) return NULL;
  w.b2 = tmp;
  if (!get_f32(env, o, "W3", d.H2, 0, &tmp)) return NULL;
  w.W3 = tmp;
  if (!get_f32(env, o, "b3", 1, 0, &tmp)) return NULL;
  w.b3 = tmp;
  if (grad && !io.target && !io.dimage) {
    napi_throw_type_error(env, NULL, "affine-vae native: gradients need 'target' or 'dimage'");
    return NULL;
  }

  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  CHECK((v = new_f32(env, b * p, &io.image)) ? napi_ok : napi_generic_failure);
  CHECK(napi_set_named_property(env, result, "image", v));
  if (grad) {
    struct { const char *name; size_t n; float **slot; } outs[] = {
        {"dcontent", b * d.Zc, &io.dcontent}, {"daffine", b * 6, &io.daffine},
        {"dW1", (size_t)(2 + d.Zc) * d.H1, &io.dW1}, {"db1", d.H1, &io.db1},
        {"dW2", (size_t)d.H1 * d.H2, &io.dW2}, {"db2", d.H2, &io.db2},
        {"dW3", d.H2, &io.dW3}, {"db3", 1, &io.db3},
    };
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
      CHECK((v = new_f32(env, outs[i].n, outs[i].slot)) ? napi_ok : napi_generic_failure);
      CHECK(napi_set_named_property(env, result, outs[i].name, v));
    }
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
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
