// The optional native backend: OpenBLAS's cblas_sgemm on the caller's Float32Arrays (no copies),
// plus a sigmoid and Bernoulli sampler in plain C that the compiler vectorises. Built by
// kernels/native/build.mjs when Debian's libopenblas-dev is present; see kernels/nativeBackend.ts.
#define _GNU_SOURCE // dladdr, RTLD_NEXT
#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <node_api.h>
#include <pthread.h>

// OpenBLAS shuts its thread pool down in a fork handler. If another thread (a worker thread) is
// inside a threaded GEMM then, the pool loses the GEMM's work: the GEMM spins forever, or the
// shutdown waits forever for a pool thread that was mid-job, and Node's child_process hangs. So
// every GEMM holds `gate`, and every fork's pool shutdown waits for the GEMM in flight:
// - Our fork handler, registered after OpenBLAS's so that its prepare runs first, takes the gate
//   for the whole fork: no GEMM starts until the parent and the child go on.
// - glibc fixes a fork's list of handlers when the fork starts, and OpenBLAS registers its handler
//   (and starts its pool) inside the addon's dlopen, before our init: a fork that another thread
//   started in between ran OpenBLAS's shutdown without our handler, on top of our first GEMMs. So
//   the shutdown that OpenBLAS's handler calls is blas_thread_shutdown_ below, which takes the gate
//   itself unless this thread's fork holds it already. The dynamic linker binds libopenblas's
//   reference to it (the name is in no global object, and the addon precedes libopenblas in its
//   dlopen group); OpenBLAS's own is found with RTLD_NEXT.
// - The addon is pinned (RTLD_NODELETE; libopenblas with it): when the last worker thread using it
//   exited, the unload raced other threads' forks (OpenBLAS's handler returned into unmapped code).
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;
static pthread_t fork_owner; // the thread whose fork holds the gate (written only under the gate), else 0
static int exiting;          // set by our destructor, which runs before libopenblas's at exit
static int (*openblas_thread_shutdown)(void);
static void gate_lock(void) { pthread_mutex_lock(&gate); }
static void gate_unlock(void) { pthread_mutex_unlock(&gate); }
static void fork_prepare(void) { gate_lock(); __atomic_store_n(&fork_owner, pthread_self(), __ATOMIC_RELAXED); }
static void fork_done(void) { __atomic_store_n(&fork_owner, (pthread_t)0, __ATOMIC_RELAXED); gate_unlock(); }
__attribute__((constructor)) static void find_openblas_shutdown(void) {
  openblas_thread_shutdown = (int (*)(void))dlsym(RTLD_NEXT, "blas_thread_shutdown_");
}
__attribute__((destructor)) static void mark_exiting(void) { exiting = 1; }
int blas_thread_shutdown_(void) {
  // A fork started during our own dlopen comes here before our constructor ran: look it up now.
  if (!openblas_thread_shutdown) find_openblas_shutdown();
  if (!openblas_thread_shutdown) return 0;
  // At exit no GEMM runs, and a fork in flight may hold the gate for good (its handlers are gone).
  int take = !exiting && !pthread_equal(__atomic_load_n(&fork_owner, __ATOMIC_RELAXED), pthread_self());
  if (take) gate_lock();
  int r = openblas_thread_shutdown();
  if (take) gate_unlock();
  return r;
}
static void gate_register(void) {
  Dl_info self;
  if (dladdr((void *)&gate_register, &self) && self.dli_fname) dlopen(self.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
  pthread_atfork(fork_prepare, fork_done, fork_done);
}

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "boltzflow native: bad argument");     \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

// A typed array's data and length, or napi_invalid_arg when it is not of the expected type.
static napi_status typed(napi_env env, napi_value v, napi_typedarray_type expected, void **data, size_t *length) {
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  napi_status s = napi_get_typedarray_info(env, v, &type, length, data, &buffer, &offset);
  return s == napi_ok && type != expected ? napi_invalid_arg : s;
}
static napi_status f32(napi_env env, napi_value v, float **data, size_t *length) { return typed(env, v, napi_float32_array, (void **)data, length); }
static napi_status u32(napi_env env, napi_value v, uint32_t **data, size_t *length) { return typed(env, v, napi_uint32_array, (void **)data, length); }
static napi_status f64(napi_env env, napi_value v, double **data, size_t *length) { return typed(env, v, napi_float64_array, (void **)data, length); }

static napi_status i32(napi_env env, napi_value v, int32_t *out) { return napi_get_value_int32(env, v, out); }
static napi_status num(napi_env env, napi_value v, double *out) { return napi_get_value_double(env, v, out); }

// sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc): row-major C ← α·op(A)·op(B) + β·C.
// Shapes are checked by the TypeScript caller; here only that each array is long enough.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) { napi_throw_error(env, NULL, "sgemm: 13 arguments"); return NULL; }
  int32_t ta, tb, m, n, k, lda, ldb, ldc;
  double alpha, beta;
  float *a, *b, *c;
  size_t la, lb, lc;
  CHECK(i32(env, argv[0], &ta)); CHECK(i32(env, argv[1], &tb));
  CHECK(i32(env, argv[2], &m)); CHECK(i32(env, argv[3], &n)); CHECK(i32(env, argv[4], &k));
  CHECK(num(env, argv[5], &alpha));
  CHECK(f32(env, argv[6], &a, &la)); CHECK(i32(env, argv[7], &lda));
  CHECK(f32(env, argv[8], &b, &lb)); CHECK(i32(env, argv[9], &ldb));
  CHECK(num(env, argv[10], &beta));
  CHECK(f32(env, argv[11], &c, &lc)); CHECK(i32(env, argv[12], &ldc));
  if (m < 0 || n < 0 || k < 0 || (size_t)m * n > lc || (size_t)(ta ? k : m) * lda > la || (size_t)(tb ? n : k) * ldb > lb) {
    napi_throw_range_error(env, NULL, "sgemm: operand shorter than its shape");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  if (k == 0 || alpha == 0) {
    for (size_t i = 0; i < (size_t)m * n; i++) c[i] = beta == 0 ? 0.0f : (float)beta * c[i];
    return NULL;
  }
  gate_lock();
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, (float)alpha,
              a, lda > 0 ? lda : 1, b, ldb > 0 ? ldb : 1, (float)beta, c, ldc > 0 ? ldc : 1);
  gate_unlock();
  return NULL;
}

// e^x in float: Cephes-style range reduction and a degree-6 polynomial (the same as the wasm kernel's),
// written branch-free so that the loop below vectorises.
static inline float exp_f(float x) {
  x = x < -87.33654f ? -87.33654f : x > 88.72283f ? 88.72283f : x;
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f; // round to nearest, vectorisable
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * (r * r) + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float pow2;
  memcpy(&pow2, &bits, 4);
  return y * pow2;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

CLONES static void sigmoid_rows(const float *x, const float *bias, float nb, float *out, int32_t rows, int32_t cols) {
  for (int32_t i = 0; i < rows; i++) {
    const float *xr = x + (size_t)i * cols;
    float *orow = out + (size_t)i * cols;
    for (int32_t j = 0; j < cols; j++) orow[j] = 1.0f / (1.0f + exp_f(nb * (xr[j] + bias[j])));
  }
}

// sigmoid(x, bias, beta, out, rows, cols): out[i,j] ← σ(β·(x[i,j] + bias[j])); out may be x.
static napi_value sigmoid(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *x, *bias, *out;
  size_t lx, lb, lo;
  double beta;
  int32_t rows, cols;
  CHECK(f32(env, argv[0], &x, &lx)); CHECK(f32(env, argv[1], &bias, &lb)); CHECK(num(env, argv[2], &beta));
  CHECK(f32(env, argv[3], &out, &lo)); CHECK(i32(env, argv[4], &rows)); CHECK(i32(env, argv[5], &cols));
  if (rows < 0 || cols < 0 || (size_t)rows * cols > lx || (size_t)rows * cols > lo || (size_t)cols > lb) {
    napi_throw_range_error(env, NULL, "sigmoid: operand shorter than its shape");
    return NULL;
  }
  sigmoid_rows(x, bias, -(float)beta, out, rows, cols);
  return NULL;
}

// bernoulli(p, out, state): out[i] ← 1 if u < p[i] else 0, with u from four interleaved xoshiro128+
// streams (state: 16 words, lane-major as in the wasm kernel, written back), so that the same
// state and p give the same samples as the wasm backend. out may be p.
static napi_value bernoulli(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *p, *out;
  uint32_t *st;
  size_t lp, lo, ls;
  CHECK(f32(env, argv[0], &p, &lp)); CHECK(f32(env, argv[1], &out, &lo)); CHECK(u32(env, argv[2], &st, &ls));
  if (lo < lp || ls < 16) {
    napi_throw_range_error(env, NULL, "bernoulli: output or state too short");
    return NULL;
  }
  uint32_t s0[4], s1[4], s2[4], s3[4];
  for (int l = 0; l < 4; l++) s0[l] = st[l], s1[l] = st[4 + l], s2[l] = st[8 + l], s3[l] = st[12 + l];
  for (size_t i = 0; i < lp; i += 4) {
    float u[4];
    for (int l = 0; l < 4; l++) {
      uint32_t result = s0[l] + s3[l], t = s1[l] << 9;
      s2[l] ^= s0[l]; s3[l] ^= s1[l]; s1[l] ^= s2[l]; s0[l] ^= s3[l]; s2[l] ^= t;
      s3[l] = (s3[l] << 11) | (s3[l] >> 21);
      u[l] = (float)(result >> 8) * 5.9604644775390625e-8f;
    }
    for (int l = 0; l < 4 && i + l < lp; l++) out[i + l] = u[l] < p[i + l] ? 1.0f : 0.0f;
  }
  for (int l = 0; l < 4; l++) st[l] = s0[l], st[4 + l] = s1[l], st[8 + l] = s2[l], st[12 + l] = s3[l];
  return NULL;
}

// momentumStep(g, v, w, learningRate, momentum, decay): v ← momentum·v + lr·(g − decay·w), w ← w + v,
// returning Σ w²: per block of 16384 floats four running sums over i mod 4, added pairwise, and the
// blocks' sums added in order. Done in double exactly as the js reference does, so the results are
// bit-identical.
#define SUM_BLOCK 16384
CLONES static double momentum_step(const float *g, float *v, float *w, size_t n, double lr, double mom, double decay) {
  double total = 0;
  for (size_t b = 0; b < n; b += SUM_BLOCK) {
    double sum[4] = {0, 0, 0, 0};
    size_t end = n - b < SUM_BLOCK ? n : b + SUM_BLOCK;
    for (size_t i = b; i < end; i++) {
      double step = mom * v[i] + lr * (g[i] - decay * w[i]);
      v[i] = (float)step;
      double next = w[i] + step;
      w[i] = (float)next;
      sum[i & 3] += next * next;
    }
    total += (sum[0] + sum[1]) + (sum[2] + sum[3]);
  }
  return total;
}

static napi_value momentumStep(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *g, *v, *w;
  size_t lg, lv, lw;
  double lr, mom, decay;
  CHECK(f32(env, argv[0], &g, &lg)); CHECK(f32(env, argv[1], &v, &lv)); CHECK(f32(env, argv[2], &w, &lw));
  CHECK(num(env, argv[3], &lr)); CHECK(num(env, argv[4], &mom)); CHECK(num(env, argv[5], &decay));
  if (lv != lg || lw != lg) {
    napi_throw_range_error(env, NULL, "momentumStep: lengths differ");
    return NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, momentum_step(g, v, w, lg, lr, mom, decay), &result));
  return result;
}

// columnSums(a, rows, cols, alpha, beta, out, scratch): out[j] ← α·Σᵢ a[i,j] + β·out[j], summed in
// double (scratch: a Float64Array of cols) as the js reference does.
CLONES static void column_sums(const float *a, int32_t rows, int32_t cols, double *acc) {
  for (int32_t j = 0; j < cols; j++) acc[j] = 0;
  for (int32_t i = 0; i < rows; i++) {
    const float *r = a + (size_t)i * cols;
    for (int32_t j = 0; j < cols; j++) acc[j] += r[j];
  }
}

static napi_value columnSums(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *a, *out;
  double *acc;
  size_t la, lo, lacc;
  int32_t rows, cols;
  double alpha, beta;
  CHECK(f32(env, argv[0], &a, &la)); CHECK(i32(env, argv[1], &rows)); CHECK(i32(env, argv[2], &cols));
  CHECK(num(env, argv[3], &alpha)); CHECK(num(env, argv[4], &beta)); CHECK(f32(env, argv[5], &out, &lo));
  CHECK(f64(env, argv[6], &acc, &lacc));
  if (rows < 0 || cols < 0 || (size_t)rows * cols > la || lo < (size_t)cols || lacc < (size_t)cols) {
    napi_throw_range_error(env, NULL, "columnSums: operand shorter than its shape");
    return NULL;
  }
  column_sums(a, rows, cols, acc);
  for (int32_t j = 0; j < cols; j++) out[j] = (float)(alpha * acc[j] + (beta == 0 ? 0 : beta * out[j]));
  return NULL;
}

// Sequential (Glauber) sweeps of a general Boltzmann machine on `rows` chains (see the TypeScript
// Backend.glauberSweeps): the js reference's arithmetic in the same order (fields summed in double
// in index order, a changed unit's row of W added to every field), with libm's exp.
CLONES static int32_t glauber_sweeps(const float *w, const float *bias, float *states, int32_t rows, int32_t n, int32_t sweeps, int spin,
                                     double temperature, const uint32_t *draws, const uint8_t *clamped, float *samples, double *fields, uint32_t *order) {
  const float off = spin ? -1.0f : 0.0f;
  const double gain = spin ? 2.0 : 1.0, U = 2.3283064365386963e-10;
  int32_t changed = 0;
  for (int32_t r = 0; r < rows; r++) {
    float *s = states + (size_t)r * n;
    for (int32_t i = 0; i < n; i++) {
      double f = bias[i];
      const float *row = w + (size_t)i * n;
      for (int32_t j = 0; j < n; j++) f += (double)row[j] * (double)s[j];
      fields[i] = f;
    }
    for (int32_t sweep = 0; sweep < sweeps; sweep++) {
      for (int32_t i = 0; i < n; i++) order[i] = (uint32_t)i;
      for (int32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)floor((double)*draws++ * U * (double)(i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int32_t k = 0; k < n; k++) {
        uint32_t i = order[k];
        if (clamped && clamped[i]) continue;
        double gap = gain * fields[i], u = (double)*draws++ * U;
        float current = s[i], next;
        if (temperature == 0) next = gap > 0 ? 1.0f : gap < 0 ? off : current;
        else next = u < 1.0 / (1.0 + exp(-gap / temperature)) ? 1.0f : off;
        if (next != current) {
          s[i] = next;
          changed++;
          double delta = (double)next - (double)current;
          const float *row = w + (size_t)i * n;
          for (int32_t j = 0; j < n; j++) fields[j] += (double)row[j] * delta;
        }
      }
      if (samples) memcpy(samples + ((size_t)r * sweeps + sweep) * n, s, (size_t)n * sizeof(float));
    }
  }
  return changed;
}

// A Uint8Array's data, or NULL where the value is null or undefined.
static napi_status optional_u8(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_valuetype t;
  napi_status s = napi_typeof(env, v, &t);
  if (s != napi_ok) return s;
  if (t == napi_null || t == napi_undefined) { *data = NULL; *length = 0; return napi_ok; }
  return typed(env, v, napi_uint8_array, (void **)data, length);
}
static napi_status optional_f32(napi_env env, napi_value v, float **data, size_t *length) {
  napi_valuetype t;
  napi_status s = napi_typeof(env, v, &t);
  if (s != napi_ok) return s;
  if (t == napi_null || t == napi_undefined) { *data = NULL; *length = 0; return napi_ok; }
  return f32(env, v, data, length);
}

// glauber(w, bias, states, rows, n, sweeps, spin, temperature, draws, clamped | null, samples | null, fields, order):
// the number of unit changes. The caller (nativeBackend.ts) has checked every length; here again.
static napi_value glauber(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) { napi_throw_error(env, NULL, "glauber: 13 arguments"); return NULL; }
  float *w, *bias, *states, *samples;
  uint32_t *draws, *order;
  uint8_t *clamped;
  double *fields, temperature;
  size_t lw, lb, ls, ld, lc, lo, lf, lr;
  int32_t rows, n, sweeps, spin;
  CHECK(f32(env, argv[0], &w, &lw)); CHECK(f32(env, argv[1], &bias, &lb)); CHECK(f32(env, argv[2], &states, &ls));
  CHECK(i32(env, argv[3], &rows)); CHECK(i32(env, argv[4], &n)); CHECK(i32(env, argv[5], &sweeps)); CHECK(i32(env, argv[6], &spin));
  CHECK(num(env, argv[7], &temperature)); CHECK(u32(env, argv[8], &draws, &ld)); CHECK(optional_u8(env, argv[9], &clamped, &lc));
  CHECK(optional_f32(env, argv[10], &samples, &lo)); CHECK(f64(env, argv[11], &fields, &lf)); CHECK(u32(env, argv[12], &order, &lr));
  size_t free_units = (size_t)(n < 0 ? 0 : n);
  if (clamped) for (int32_t i = 0; i < n && (size_t)i < lc; i++) free_units -= clamped[i] != 0;
  if (rows < 0 || n < 1 || sweeps < 0 || lw < (size_t)n * n || lb < (size_t)n || ls < (size_t)rows * n || (clamped && lc < (size_t)n) ||
      ld < (size_t)rows * sweeps * (n - 1 + free_units) || (samples && lo < (size_t)rows * sweeps * n) || lf < (size_t)n || lr < (size_t)n) {
    napi_throw_range_error(env, NULL, "glauber: operand shorter than its shape");
    return NULL;
  }
  napi_value result;
  CHECK(napi_create_int32(env, glauber_sweeps(w, bias, states, rows, n, sweeps, spin, temperature, draws, clamped, samples, fields, order), &result));
  return result;
}

// e^x in double for x ≤ 0 (clamped at −700): x = n·ln 2 + r, |r| ≤ ln 2 / 2, e^r by its Taylor
// polynomial to degree 13 (relative error < 1e-16), 2^n from the bits of the rounding constant.
// Branch-free, so that the loop that calls it vectorises (libm's exp does not).
static inline double exp_neg(double x) {
  x = x < -700.0 ? -700.0 : x;
  double t = x * 1.4426950408889634 + 6755399441055744.0; // 1.5·2⁵², rounds x·log₂e to an integer in t's low bits
  double n = t - 6755399441055744.0;
  double r = (x - n * 0.6931471805598903) - n * 5.497923018708371e-14; // ln 2 in two parts
  double y = 1.0 / 6227020800.0;
  y = y * r + 1.0 / 479001600.0;
  y = y * r + 1.0 / 39916800.0;
  y = y * r + 1.0 / 3628800.0;
  y = y * r + 1.0 / 362880.0;
  y = y * r + 1.0 / 40320.0;
  y = y * r + 1.0 / 5040.0;
  y = y * r + 1.0 / 720.0;
  y = y * r + 1.0 / 120.0;
  y = y * r + 1.0 / 24.0;
  y = y * r + 1.0 / 6.0;
  y = y * r + 0.5;
  y = y * r + 1.0;
  y = y * r + 1.0;
  int64_t bits;
  memcpy(&bits, &t, 8);
  bits = (int64_t)((uint64_t)((bits & 0xfffffffffffffLL) - 0x8000000000000LL + 1023) << 52);
  double pow2;
  memcpy(&pow2, &bits, 8);
  return y * pow2;
}

// softplusRowSumPair(x, bias, betaA, betaB, outA, outB, rows, cols): the js reference's sums in
// double (Σ max(z, 0), and ln of the product of 1 + e^{−|z|} per 512 values). The factors of a
// block are computed first (a loop that vectorises), then multiplied in four running products.
#define SP_BLOCK 512
CLONES static void softplus_factors(const float *x, const float *bias, double ba, double bb, double *fa, double *fb, double *pos, int32_t n) {
  for (int32_t j = 0; j < n; j++) {
    double y = (double)x[j] + (double)bias[j], a = ba * y, b = bb * y;
    pos[2 * j] = a > 0 ? a : 0;
    pos[2 * j + 1] = b > 0 ? b : 0;
    fa[j] = 1.0 + exp_neg(-fabs(a));
    fb[j] = 1.0 + exp_neg(-fabs(b));
  }
}

static void softplus_pair(const float *x, const float *bias, double ba, double bb, double *oa, double *ob, int32_t rows, int32_t cols) {
  double fa[SP_BLOCK], fb[SP_BLOCK], pos[2 * SP_BLOCK];
  for (int32_t i = 0; i < rows; i++) {
    const float *xr = x + (size_t)i * cols;
    double sa = 0, sb = 0;
    for (int32_t start = 0; start < cols; start += SP_BLOCK) {
      int32_t n = cols - start < SP_BLOCK ? cols - start : SP_BLOCK;
      softplus_factors(xr + start, bias + start, ba, bb, fa, fb, pos, n);
      double pa[4] = {1, 1, 1, 1}, pb[4] = {1, 1, 1, 1};
      for (int32_t j = 0; j < n; j++) {
        pa[j & 3] *= fa[j];
        pb[j & 3] *= fb[j];
        sa += pos[2 * j];
        sb += pos[2 * j + 1];
      }
      sa += log((pa[0] * pa[1]) * (pa[2] * pa[3]));
      sb += log((pb[0] * pb[1]) * (pb[2] * pb[3]));
    }
    oa[i] = sa;
    ob[i] = sb;
  }
}

static napi_value softplusRowSumPair(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  float *x, *bias;
  double *oa, *ob, ba, bb;
  size_t lx, lbias, la, lb;
  int32_t rows, cols;
  CHECK(f32(env, argv[0], &x, &lx)); CHECK(f32(env, argv[1], &bias, &lbias)); CHECK(num(env, argv[2], &ba)); CHECK(num(env, argv[3], &bb));
  CHECK(f64(env, argv[4], &oa, &la)); CHECK(f64(env, argv[5], &ob, &lb)); CHECK(i32(env, argv[6], &rows)); CHECK(i32(env, argv[7], &cols));
  if (rows < 0 || cols < 0 || (size_t)rows * cols > lx || lbias < (size_t)cols || la < (size_t)rows || lb < (size_t)rows) {
    napi_throw_range_error(env, NULL, "softplusRowSumPair: operand shorter than its shape");
    return NULL;
  }
  softplus_pair(x, bias, ba, bb, oa, ob, rows, cols);
  return NULL;
}

// threads(): the number of threads OpenBLAS runs its GEMM on.
static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &v));
  return v;
}

#include "gaussian.c"

static napi_value init(napi_env env, napi_value exports) {
  pthread_once(&gate_once, gate_register);
  napi_property_descriptor props[] = {
    {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
    {"sigmoid", NULL, sigmoid, NULL, NULL, NULL, napi_default, NULL},
    {"bernoulli", NULL, bernoulli, NULL, NULL, NULL, napi_default, NULL},
    {"momentumStep", NULL, momentumStep, NULL, NULL, NULL, napi_default, NULL},
    {"columnSums", NULL, columnSums, NULL, NULL, NULL, napi_default, NULL},
    {"glauber", NULL, glauber, NULL, NULL, NULL, napi_default, NULL},
    {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
    {"addBias", NULL, addBias, NULL, NULL, NULL, napi_default, NULL},
    {"expScaleColumns", NULL, expScaleColumns, NULL, NULL, NULL, napi_default, NULL},
    {"expScaleRows", NULL, expScaleRows, NULL, NULL, NULL, napi_default, NULL},
    {"gaussianSample", NULL, gaussianSample, NULL, NULL, NULL, napi_default, NULL},
    {"varianceGradient", NULL, varianceGradient, NULL, NULL, NULL, napi_default, NULL},
    {"softplusRowSumPair", NULL, softplusRowSumPair, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
