// The native backend's kernels for Gaussian visible units (see the TypeScript Backend): the bias,
// the e^{c·z} scalings, Gaussian sampling and the learned variance's statistic, in double in the js
// reference's order (libm's exp, so its results may differ from Math.exp's in the last bit). Included
// by boltzflow.c (one translation unit: it uses that file's argument helpers and is registered there).

// addBias(x, bias, out): out[r,j] ← x[r,j] + bias[j] over rows of bias.length floats; out may be x.
CLONES static void add_bias(const float *x, const float *b, float *out, size_t len, size_t n) {
  for (size_t k = 0; k < len; k += n)
    for (size_t j = 0; j < n; j++) out[k + j] = x[k + j] + b[j];
}

static napi_value addBias(napi_env env, napi_callback_info info) {
  size_t argc = 3, lx, lb, lo;
  napi_value argv[3];
  float *x, *b, *out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(f32(env, argv[0], &x, &lx)); CHECK(f32(env, argv[1], &b, &lb)); CHECK(f32(env, argv[2], &out, &lo));
  if (lo != lx || (lb == 0 ? lx != 0 : lx % lb != 0)) {
    napi_throw_range_error(env, NULL, "addBias: lengths do not fit");
    return NULL;
  }
  if (lx) add_bias(x, b, out, lx, lb);
  return NULL;
}

// expScaleColumns(x, z, c, out, s): out[r,j] ← x[r,j]·e^{c·z[j]} in double (s: z.length doubles of scratch).
CLONES static void scale_columns(const float *x, const double *s, float *out, size_t len, size_t n) {
  for (size_t k = 0; k < len; k += n)
    for (size_t j = 0; j < n; j++) out[k + j] = (float)((double)x[k + j] * s[j]);
}

static napi_value expScaleColumns(napi_env env, napi_callback_info info) {
  size_t argc = 5, lx, lz, lo, ls;
  napi_value argv[5];
  float *x, *z, *out;
  double c, *s;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(f32(env, argv[0], &x, &lx)); CHECK(f32(env, argv[1], &z, &lz)); CHECK(num(env, argv[2], &c));
  CHECK(f32(env, argv[3], &out, &lo)); CHECK(f64(env, argv[4], &s, &ls));
  if (lo != lx || ls < lz || (lz == 0 ? lx != 0 : lx % lz != 0)) {
    napi_throw_range_error(env, NULL, "expScaleColumns: lengths do not fit");
    return NULL;
  }
  for (size_t j = 0; j < lz; j++) s[j] = exp(c * (double)z[j]);
  if (lx) scale_columns(x, s, out, lx, lz);
  return NULL;
}

// expScaleRows(a, z, c): a[i,k] ← a[i,k]·e^{c·z[i]} in double, in place, a with z.length rows.
static napi_value expScaleRows(napi_env env, napi_callback_info info) {
  size_t argc = 3, la, lz;
  napi_value argv[3];
  float *a, *z;
  double c;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(f32(env, argv[0], &a, &la)); CHECK(f32(env, argv[1], &z, &lz)); CHECK(num(env, argv[2], &c));
  if (lz == 0 ? la != 0 : la % lz != 0) {
    napi_throw_range_error(env, NULL, "expScaleRows: lengths do not fit");
    return NULL;
  }
  size_t m = lz ? la / lz : 0;
  for (size_t i = 0; i < lz; i++) {
    double s = exp(c * (double)z[i]);
    float *row = a + i * m;
    for (size_t k = 0; k < m; k++) row[k] = (float)((double)row[k] * s);
  }
  return NULL;
}

// gaussianSample(means, z, beta, out, state, s): out[k] ← means[k] + sd[k mod n]·N(0, 1), sd[j] =
// e^{z[j]/2}/√β (s: n doubles of scratch), Box–Muller pairs in double from four interleaved
// xoshiro128+ lanes (state: 16 words, lane-major, written back) exactly as the wasm kernel draws them:
// each step of the lanes gives four uniforms and four normals, √(−2 ln(1 − u₀))·(cos, sin)(2π u₁)
// from lanes 0–1, then from lanes 2–3.
static napi_value gaussianSample(napi_env env, napi_callback_info info) {
  size_t argc = 6, lm, lz, lo, lst, ls;
  napi_value argv[6];
  float *means, *z, *out;
  uint32_t *st;
  double beta, *s;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(f32(env, argv[0], &means, &lm)); CHECK(f32(env, argv[1], &z, &lz)); CHECK(num(env, argv[2], &beta));
  CHECK(f32(env, argv[3], &out, &lo)); CHECK(u32(env, argv[4], &st, &lst)); CHECK(f64(env, argv[5], &s, &ls));
  if (lo != lm || lst < 16 || ls < lz || (lz == 0 ? lm != 0 : lm % lz != 0)) {
    napi_throw_range_error(env, NULL, "gaussianSample: lengths do not fit");
    return NULL;
  }
  const double root = sqrt(beta), U = 2.3283064365386963e-10, TAU = 2 * 3.141592653589793;
  for (size_t j = 0; j < lz; j++) s[j] = exp(0.5 * (double)z[j]) / root;
  uint32_t s0[4], s1[4], s2[4], s3[4];
  for (int l = 0; l < 4; l++) s0[l] = st[l], s1[l] = st[4 + l], s2[l] = st[8 + l], s3[l] = st[12 + l];
  size_t j = 0;
  for (size_t k = 0; k < lm; k += 4) {
    double u[4];
    for (int l = 0; l < 4; l++) {
      uint32_t result = s0[l] + s3[l], t = s1[l] << 9;
      s2[l] ^= s0[l]; s3[l] ^= s1[l]; s1[l] ^= s2[l]; s0[l] ^= s3[l]; s2[l] ^= t;
      s3[l] = (s3[l] << 11) | (s3[l] >> 21);
      u[l] = (double)result * U;
    }
    double r0 = sqrt(-2 * log(1 - u[0])), a0 = TAU * u[1], r1 = sqrt(-2 * log(1 - u[2])), a1 = TAU * u[3];
    double normal[4] = {r0 * cos(a0), r0 * sin(a0), r1 * cos(a1), r1 * sin(a1)};
    for (int l = 0; l < 4 && k + l < lm; l++) {
      out[k + l] = (float)((double)means[k + l] + s[j] * normal[l]);
      if (++j == lz) j = 0;
    }
  }
  for (int l = 0; l < 4; l++) st[l] = s0[l], st[4 + l] = s1[l], st[8 + l] = s2[l], st[12 + l] = s3[l];
  return NULL;
}

// varianceGradient(v, wh, b, alpha, g): for each row r in order, g[i] ← g[i] + α·((v[r,i] − b[i])²/2 −
// v[r,i]·wh[r,i]) in double, rounded to float at each row: the js reference's arithmetic and bits.
static napi_value varianceGradient(napi_env env, napi_callback_info info) {
  size_t argc = 5, lv, lw, lb, lg;
  napi_value argv[5];
  float *v, *wh, *b, *g;
  double alpha;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(f32(env, argv[0], &v, &lv)); CHECK(f32(env, argv[1], &wh, &lw)); CHECK(f32(env, argv[2], &b, &lb));
  CHECK(num(env, argv[3], &alpha)); CHECK(f32(env, argv[4], &g, &lg));
  if (lw != lv || lg != lb || (lb == 0 ? lv != 0 : lv % lb != 0)) {
    napi_throw_range_error(env, NULL, "varianceGradient: lengths do not fit");
    return NULL;
  }
  for (size_t k = 0; k < lv; k += lb)
    for (size_t i = 0; i < lb; i++) {
      double x = v[k + i], d = x - (double)b[i];
      g[i] = (float)((double)g[i] + alpha * (d * d / 2 - x * (double)wh[k + i]));
    }
  return NULL;
}
