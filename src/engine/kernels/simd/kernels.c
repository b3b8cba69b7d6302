/*
 * wasm SIMD kernels for the training step's memory-bound passes, compiled to a tiny module
 * that imports the tfjs wasm backend's own linear memory, so it reads and writes tensors in
 * place by address (no copies between modules). Rules that keep that sharing safe:
 *   - no static data and no shadow-stack use (the module owns no memory at all): every
 *     temporary lives in caller-provided scratch; tools/simd/build.mjs rejects a module with
 *     a data section or a __stack_pointer access;
 *   - channel counts are multiples of 4 (the JS wrappers fall back to JS kernels otherwise).
 * Build: node tools/simd/build.mjs (needs clang + lld); the output is committed as base64.
 */
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))
typedef v128_t f4;

static inline f4 ld(const float* p) { return wasm_v128_load(p); }
static inline void st(float* p, f4 v) { wasm_v128_store(p, v); }

/* Rows v0..v3 (4 pixels x 4 channels) stored as 4 channel rows of 4 pixels, `stride` floats apart. */
static inline void store_transposed(f4 v0, f4 v1, f4 v2, f4 v3, float* dst, long stride) {
  f4 t0 = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5);
  f4 t2 = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
  st(dst, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
  st(dst + stride, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
  st(dst + 2 * stride, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
  st(dst + 3 * stride, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
}

static void zero(float* p, int count) { __builtin_memset(p, 0, (unsigned long)count * sizeof(float)); }

/* z [m, c] -> out [2, c]: mean and biased variance. Rows are summed in float over blocks of
 * 64 and the block sums folded into doubles, so the error does not grow with m.
 * scratch: 2c floats, then 2c doubles (8-byte aligned). */
EXPORT void moments(const float* z, int m, int c, float* out, float* scratch) {
  float* bs = scratch;
  float* bq = scratch + c;
  double* ts = (double*)(scratch + 2 * c + ((2 * c) & 1));
  double* tq = ts + c;
  for (int k = 0; k < c; k++) { ts[k] = 0; tq[k] = 0; }
  for (int r0 = 0; r0 < m; r0 += 64) {
    int r1 = r0 + 64 < m ? r0 + 64 : m;
    zero(bs, 2 * c);
    for (int r = r0; r < r1; r++) {
      const float* row = z + (long)r * c;
      for (int k = 0; k < c; k += 4) {
        f4 v = ld(row + k);
        st(bs + k, wasm_f32x4_add(ld(bs + k), v));
        st(bq + k, wasm_f32x4_add(ld(bq + k), wasm_f32x4_mul(v, v)));
      }
    }
    for (int k = 0; k < c; k++) { ts[k] += bs[k]; tq[k] += bq[k]; }
  }
  for (int k = 0; k < c; k++) {
    double mean = ts[k] / m;
    double var = tq[k] / m - mean * mean;
    out[k] = (float)mean;
    out[c + k] = (float)(var > 0 ? var : 0);
  }
}

/* relu = max(0, z * scale + shift) over [n,h,w,c]; pooled = 2x2/stride-2 max of relu ('valid'). */
EXPORT void bn_relu_pool(const float* z, const float* scale, const float* shift, int n, int h, int w, int c,
                         float* relu, float* pooled) {
  long m = (long)n * h * w;
  f4 zero4 = wasm_f32x4_splat(0.0f);
  for (long r = 0; r < m; r++) {
    const float* zr = z + r * c;
    float* yr = relu + r * c;
    for (int k = 0; k < c; k += 4) st(yr + k, wasm_f32x4_max(zero4, wasm_f32x4_add(wasm_f32x4_mul(ld(zr + k), ld(scale + k)), ld(shift + k))));
  }
  int ho = h / 2, wo = w / 2;
  long rs = (long)w * c;
  float* o = pooled;
  for (int b = 0; b < n; b++)
    for (int i = 0; i < ho; i++)
      for (int j = 0; j < wo; j++, o += c) {
        const float* p = relu + (((long)b * h + 2 * i) * w + 2 * j) * c;
        for (int k = 0; k < c; k += 4)
          st(o + k, wasm_f32x4_max(wasm_f32x4_max(ld(p + k), ld(p + c + k)), wasm_f32x4_max(ld(p + rs + k), ld(p + rs + c + k))));
      }
}

/* MaxPool + ReLU backward fused with BatchNorm's gradient sums. dy [n,ho,wo,c] -> dpre [n,h,w,c]
 * (the gradient reaches the first max of each window in row-major order, nothing where ReLU
 * clipped the window), sums [2, c] = (sum dpre, sum dpre * (z - mean)).
 * scratch: 2c floats, then 2c doubles (8-byte aligned). */
EXPORT void pool_bn_grad(const float* dy, const float* relu, const float* pooled, const float* z, const float* mean,
                         int n, int h, int w, int c, float* dpre, float* sums, float* scratch) {
  int ho = h / 2, wo = w / 2;
  if ((h & 1) || (w & 1)) zero(dpre, n * h * w * c); /* rows / columns outside every window */
  float* s0 = scratch;
  float* s1 = scratch + c;
  double* t0 = (double*)(scratch + 2 * c + ((2 * c) & 1));
  double* t1 = t0 + c;
  for (int k = 0; k < c; k++) { t0[k] = 0; t1[k] = 0; }
  long rs = (long)w * c;
  const f4 zero4 = wasm_f32x4_splat(0.0f);
  long o = 0;
  for (int b = 0; b < n; b++) {
    zero(s0, 2 * c);
    for (int i = 0; i < ho; i++)
      for (int j = 0; j < wo; j++, o += c) {
        long p = (((long)b * h + 2 * i) * w + 2 * j) * c;
        for (int k = 0; k < c; k += 4) {
          f4 y = ld(pooled + o + k);
          f4 g = ld(dy + o + k);
          f4 pos = wasm_f32x4_gt(y, zero4);
          f4 m0 = wasm_v128_and(wasm_f32x4_eq(ld(relu + p + k), y), pos);
          f4 taken = m0;
          f4 m1 = wasm_v128_andnot(wasm_v128_and(wasm_f32x4_eq(ld(relu + p + c + k), y), pos), taken);
          taken = wasm_v128_or(taken, m1);
          f4 m2 = wasm_v128_andnot(wasm_v128_and(wasm_f32x4_eq(ld(relu + p + rs + k), y), pos), taken);
          taken = wasm_v128_or(taken, m2);
          f4 m3 = wasm_v128_andnot(pos, taken);
          st(dpre + p + k, wasm_v128_and(g, m0));
          st(dpre + p + c + k, wasm_v128_and(g, m1));
          st(dpre + p + rs + k, wasm_v128_and(g, m2));
          st(dpre + p + rs + c + k, wasm_v128_and(g, m3));
          f4 zs = wasm_v128_or(wasm_v128_or(wasm_v128_and(ld(z + p + k), m0), wasm_v128_and(ld(z + p + c + k), m1)),
                               wasm_v128_or(wasm_v128_and(ld(z + p + rs + k), m2), wasm_v128_and(ld(z + p + rs + c + k), m3)));
          f4 gp = wasm_v128_and(g, pos);
          st(s0 + k, wasm_f32x4_add(ld(s0 + k), gp));
          st(s1 + k, wasm_f32x4_add(ld(s1 + k), wasm_f32x4_mul(gp, wasm_f32x4_sub(zs, ld(mean + k)))));
        }
      }
    for (int k = 0; k < c; k++) { t0[k] += s0[k]; t1[k] += s1[k]; }
  }
  for (int k = 0; k < c; k++) { sums[k] = (float)t0[k]; sums[c + k] = (float)t1[k]; }
}

/* BatchNorm backward, elementwise: dz = dpre * scale + z * k3 + k0 over [m, c]. */
EXPORT void bn_backward(const float* dpre, const float* z, const float* scale, const float* k3, const float* k0, int m, int c, float* dz) {
  for (long r = 0; r < m; r++) {
    long o = r * c;
    for (int k = 0; k < c; k += 4)
      st(dz + o + k, wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(ld(dpre + o + k), ld(scale + k)), wasm_f32x4_mul(ld(z + o + k), ld(k3 + k))), ld(k0 + k)));
  }
}

/* The same, written transposed: dzT [c, m] (layer 1's filter gradient wants dZ^T). m % 4 == 0. */
EXPORT void bn_backward_t(const float* dpre, const float* z, const float* scale, const float* k3, const float* k0, int m, int c, float* dzt) {
  for (long r = 0; r < m; r += 4) {
    for (int k = 0; k < c; k += 4) {
      f4 sc = ld(scale + k), a = ld(k3 + k), b = ld(k0 + k);
      f4 v0 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(ld(dpre + r * c + k), sc), wasm_f32x4_mul(ld(z + r * c + k), a)), b);
      f4 v1 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(ld(dpre + (r + 1) * c + k), sc), wasm_f32x4_mul(ld(z + (r + 1) * c + k), a)), b);
      f4 v2 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(ld(dpre + (r + 2) * c + k), sc), wasm_f32x4_mul(ld(z + (r + 2) * c + k), a)), b);
      f4 v3 = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(ld(dpre + (r + 3) * c + k), sc), wasm_f32x4_mul(ld(z + (r + 3) * c + k), a)), b);
      store_transposed(v0, v1, v2, v3, dzt + (long)k * m + r, m);
    }
  }
}

/* x [n,h,w,c] -> out [n*h*w, 9c], zero padding 1, columns (kh, kw, ci). Any c. */
EXPORT void im2col3x3(const float* x, int n, int h, int w, int c, float* out) {
  float* o = out;
  for (int b = 0; b < n; b++)
    for (int y = 0; y < h; y++)
      for (int xx = 0; xx < w; xx++)
        for (int kh = 0; kh < 3; kh++) {
          int yy = y + kh - 1;
          for (int kw = 0; kw < 3; kw++, o += c) {
            int xs = xx + kw - 1;
            if (yy < 0 || yy >= h || xs < 0 || xs >= w) {
              for (int k = 0; k < c; k++) o[k] = 0;
            } else {
              const float* p = x + (((long)b * h + yy) * w + xs) * c;
              for (int k = 0; k < c; k++) o[k] = p[k];
            }
          }
        }
}

/* x [n,h,w,c] -> out [9c, n*h*w], zero padding 1, rows (kh, kw, ci): x goes channel-major into
 * scratch (m*c floats) with 4x4 register transposes, then every output row is shifted
 * contiguous runs of one plane. c % 4 == 0 and m % 4 == 0. */
EXPORT void im2col3x3_t(const float* x, int n, int h, int w, int c, float* out, float* planes) {
  long m = (long)n * h * w, hw = (long)h * w;
  for (long r = 0; r < m; r += 4)
    for (int k = 0; k < c; k += 4) {
      f4 v0 = ld(x + r * c + k), v1 = ld(x + (r + 1) * c + k), v2 = ld(x + (r + 2) * c + k), v3 = ld(x + (r + 3) * c + k);
      store_transposed(v0, v1, v2, v3, planes + (long)k * m + r, m);
    }
  for (int kh = 0; kh < 3; kh++) {
    int dy = kh - 1;
    int y0 = dy < 0 ? 1 : 0, y1 = dy > 0 ? h - 1 : h;
    for (int kw = 0; kw < 3; kw++) {
      int dx = kw - 1;
      long len = (long)(y1 - y0) * w;
      for (int ci = 0; ci < c; ci++) {
        float* row = out + ((long)(kh * 3 + kw) * c + ci) * m;
        const float* plane = planes + (long)ci * m;
        for (int b = 0; b < n; b++) {
          float* d0 = row + b * hw;
          float* run = d0 + (long)y0 * w;
          const float* src = plane + b * hw + (long)(y0 + dy) * w + dx;
          /* one shifted run per image; entries that wrap across a row end are the padding column */
          if (dx < 0) { run[0] = 0; __builtin_memcpy(run + 1, src + 1, (unsigned long)(len - 1) * sizeof(float)); }
          else if (dx > 0) { __builtin_memcpy(run, src, (unsigned long)(len - 1) * sizeof(float)); run[len - 1] = 0; }
          else __builtin_memcpy(run, src, (unsigned long)len * sizeof(float));
          if (y0 > 0) zero(d0, w);
          if (y1 < h) zero(d0 + (long)y1 * w, w);
          if (dx < 0) for (int y = y0; y < y1; y++) d0[(long)y * w] = 0;
          else if (dx > 0) for (int y = y0; y < y1; y++) d0[(long)y * w + w - 1] = 0;
        }
      }
    }
  }
}

/* ---- Winograd F(2x2, 3x3) for 3x3 / stride 1 / pad 1 convolutions (Lavin & Gray 2016) ----
 * A conv becomes 16 independent [T, C] x [C, K] matmuls (T = 2x2 output tiles), 2.25x fewer
 * multiplications than direct; the transforms below are the memory passes around them.
 * Tile t = (b, ty, tx) covers output rows 2ty..2ty+1 and input rows 2ty-1..2ty+2; pixels
 * outside the image are zero. `table` points at 16 tensor addresses, index xi*4 + nu. */

static inline f4 px(const float* x, int b, int y, int xx, int h, int w, int c, int k) {
  if (y < 0 || y >= h || xx < 0 || xx >= w) return wasm_f32x4_splat(0.0f);
  return ld(x + (((long)b * h + y) * w + xx) * c + k);
}

/* x [n,h,w,c] -> V[xi*4+nu] [T, c] = (B^T d B) of every 4x4 input tile d. */
EXPORT void wino_in(const float* x, int n, int h, int w, int c, float* const* table) {
  int th = (h + 1) / 2, tw = (w + 1) / 2;
  long t = 0;
  for (int b = 0; b < n; b++)
    for (int ty = 0; ty < th; ty++)
      for (int tx = 0; tx < tw; tx++, t++) {
        int y = 2 * ty - 1, xx = 2 * tx - 1;
        for (int k = 0; k < c; k += 4) {
#define ROW(i) f4 d##i##0 = px(x, b, y + i, xx, h, w, c, k), d##i##1 = px(x, b, y + i, xx + 1, h, w, c, k), \
                  d##i##2 = px(x, b, y + i, xx + 2, h, w, c, k), d##i##3 = px(x, b, y + i, xx + 3, h, w, c, k);
          ROW(0) ROW(1) ROW(2) ROW(3)
#undef ROW
#define COLT(j) f4 r0##j = wasm_f32x4_sub(d0##j, d2##j), r1##j = wasm_f32x4_add(d1##j, d2##j), \
                   r2##j = wasm_f32x4_sub(d2##j, d1##j), r3##j = wasm_f32x4_sub(d1##j, d3##j);
          COLT(0) COLT(1) COLT(2) COLT(3)
#undef COLT
          long o = t * c + k;
#define ROWT(i) st(table[i * 4 + 0] + o, wasm_f32x4_sub(r##i##0, r##i##2)); \
                st(table[i * 4 + 1] + o, wasm_f32x4_add(r##i##1, r##i##2)); \
                st(table[i * 4 + 2] + o, wasm_f32x4_sub(r##i##2, r##i##1)); \
                st(table[i * 4 + 3] + o, wasm_f32x4_sub(r##i##1, r##i##3));
          ROWT(0) ROWT(1) ROWT(2) ROWT(3)
#undef ROWT
        }
      }
}

/* M[xi*4+nu] [T, k] -> y [n,h,w,k] = A^T m A per tile, cropped at the image border. */
EXPORT void wino_out(float* const* table, int n, int h, int w, int kc, float* y) {
  int th = (h + 1) / 2, tw = (w + 1) / 2;
  long t = 0;
  for (int b = 0; b < n; b++)
    for (int ty = 0; ty < th; ty++)
      for (int tx = 0; tx < tw; tx++, t++) {
        int y0 = 2 * ty, x0 = 2 * tx;
        int ry = y0 + 1 < h, rx = x0 + 1 < w;
        float* o00 = y + (((long)b * h + y0) * w + x0) * kc;
        for (int k = 0; k < kc; k += 4) {
          long o = t * kc + k;
#define LROW(i) f4 m##i##0 = ld(table[i * 4 + 0] + o), m##i##1 = ld(table[i * 4 + 1] + o), \
                   m##i##2 = ld(table[i * 4 + 2] + o), m##i##3 = ld(table[i * 4 + 3] + o);
          LROW(0) LROW(1) LROW(2) LROW(3)
#undef LROW
#define S(j) f4 s0##j = wasm_f32x4_add(wasm_f32x4_add(m0##j, m1##j), m2##j), s1##j = wasm_f32x4_sub(wasm_f32x4_sub(m1##j, m2##j), m3##j);
          S(0) S(1) S(2) S(3)
#undef S
          st(o00 + k, wasm_f32x4_add(wasm_f32x4_add(s00, s01), s02));
          if (rx) st(o00 + kc + k, wasm_f32x4_sub(wasm_f32x4_sub(s01, s02), s03));
          if (ry) {
            float* o10 = o00 + (long)w * kc;
            st(o10 + k, wasm_f32x4_add(wasm_f32x4_add(s10, s11), s12));
            if (rx) st(o10 + kc + k, wasm_f32x4_sub(wasm_f32x4_sub(s11, s12), s13));
          }
        }
      }
}

/* dy [n,h,w,k] -> dM[xi*4+nu] [T, k] = (A dy A^T) per tile (the filter gradient's tiles). */
EXPORT void wino_grad_out(const float* dy, int n, int h, int w, int kc, float* const* table) {
  int th = (h + 1) / 2, tw = (w + 1) / 2;
  long t = 0;
  for (int b = 0; b < n; b++)
    for (int ty = 0; ty < th; ty++)
      for (int tx = 0; tx < tw; tx++, t++) {
        int y0 = 2 * ty, x0 = 2 * tx;
        for (int k = 0; k < kc; k += 4) {
          f4 g00 = px(dy, b, y0, x0, h, w, kc, k), g01 = px(dy, b, y0, x0 + 1, h, w, kc, k);
          f4 g10 = px(dy, b, y0 + 1, x0, h, w, kc, k), g11 = px(dy, b, y0 + 1, x0 + 1, h, w, kc, k);
          /* rows: q0 = g0, q1 = g0 + g1, q2 = g0 - g1, q3 = -g1; then the same along columns */
          f4 q00 = g00, q01 = g01;
          f4 q10 = wasm_f32x4_add(g00, g10), q11 = wasm_f32x4_add(g01, g11);
          f4 q20 = wasm_f32x4_sub(g00, g10), q21 = wasm_f32x4_sub(g01, g11);
          f4 q30 = wasm_f32x4_neg(g10), q31 = wasm_f32x4_neg(g11);
          long o = t * kc + k;
#define QROW(i) st(table[i * 4 + 0] + o, q##i##0); st(table[i * 4 + 1] + o, wasm_f32x4_add(q##i##0, q##i##1)); \
                st(table[i * 4 + 2] + o, wasm_f32x4_sub(q##i##0, q##i##1)); st(table[i * 4 + 3] + o, wasm_f32x4_neg(q##i##1));
          QROW(0) QROW(1) QROW(2) QROW(3)
#undef QROW
        }
      }
}

/* g [3,3,c,k] -> U[xi*4+nu] [c, k] = G g G^T. */
EXPORT void wino_filter(const float* g, int c, int kc, float* const* table) {
  const f4 half = wasm_f32x4_splat(0.5f);
  long ck = (long)c * kc;
  for (long e = 0; e < ck; e += 4) {
#define G(u, v) ld(g + (u * 3 + v) * ck + e)
#define AROW(v) f4 a0##v = G(0, v), a3##v = G(2, v); \
                f4 a1##v = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(G(0, v), G(1, v)), G(2, v))); \
                f4 a2##v = wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_sub(G(0, v), G(1, v)), G(2, v)));
    AROW(0) AROW(1) AROW(2)
#undef AROW
#undef G
#define UROW(i) st(table[i * 4 + 0] + e, a##i##0); \
                st(table[i * 4 + 1] + e, wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_add(a##i##0, a##i##1), a##i##2))); \
                st(table[i * 4 + 2] + e, wasm_f32x4_mul(half, wasm_f32x4_add(wasm_f32x4_sub(a##i##0, a##i##1), a##i##2))); \
                st(table[i * 4 + 3] + e, a##i##2);
    UROW(0) UROW(1) UROW(2) UROW(3)
#undef UROW
  }
}

/* dU[xi*4+nu] [c, k] -> dg [3,3,c,k] = G^T dU G. */
EXPORT void wino_filter_grad(float* const* table, int c, int kc, float* dg) {
  long ck = (long)c * kc;
  for (int ci = 0; ci < c; ci++)
    for (int k = 0; k < kc; k++) {
      long i = (long)ci * kc + k;
#define E(xi, nu) table[xi * 4 + nu][i]
#define BROW(nu) float b0##nu = E(0, nu) + 0.5f * (E(1, nu) + E(2, nu)), b1##nu = 0.5f * (E(1, nu) - E(2, nu)), \
                       b2##nu = 0.5f * (E(1, nu) + E(2, nu)) + E(3, nu);
      BROW(0) BROW(1) BROW(2) BROW(3)
#undef BROW
#undef E
      long o = (long)ci * kc + k;
#define DROW(u) dg[(u * 3 + 0) * ck + o] = b##u##0 + 0.5f * (b##u##1 + b##u##2); \
                dg[(u * 3 + 1) * ck + o] = 0.5f * (b##u##1 - b##u##2); \
                dg[(u * 3 + 2) * ck + o] = 0.5f * (b##u##1 + b##u##2) + b##u##3;
      DROW(0) DROW(1) DROW(2)
#undef DROW
    }
}

/* out [c, k] = A^T B for A [t, c], B [t, k] (k % 16 == 0): a filter gradient's reduction over
 * pixels or tiles, with neither operand transposed or repacked (XNNPACK repacks its large
 * second operand on every call). Rows go in L2-sized chunks; within one, 4 x 16 output blocks
 * accumulate in registers and are added to out, which also bounds the float32 sum's error. */
EXPORT void gemm_tn(const float* A, const float* B, int T, int C, int K, float* out) {
  zero(out, C * K);
  for (int t0 = 0; t0 < T; t0 += 256) {
    int t1 = t0 + 256 < T ? t0 + 256 : T;
    for (int c0 = 0; c0 < C; c0 += 4) {
      if (C - c0 >= 4) {
        for (int k0 = 0; k0 < K; k0 += 16) {
          f4 z4 = wasm_f32x4_splat(0.0f);
          f4 a00 = z4, a01 = z4, a02 = z4, a03 = z4, a10 = z4, a11 = z4, a12 = z4, a13 = z4;
          f4 a20 = z4, a21 = z4, a22 = z4, a23 = z4, a30 = z4, a31 = z4, a32 = z4, a33 = z4;
          const float* ap = A + (long)t0 * C + c0;
          const float* bp = B + (long)t0 * K + k0;
          for (int t = t0; t < t1; t++, ap += C, bp += K) {
            f4 a = wasm_v128_load(ap);
            f4 b0 = ld(bp), b1 = ld(bp + 4), b2 = ld(bp + 8), b3 = ld(bp + 12);
            f4 s0 = wasm_i32x4_shuffle(a, a, 0, 0, 0, 0), s1 = wasm_i32x4_shuffle(a, a, 1, 1, 1, 1);
            f4 s2 = wasm_i32x4_shuffle(a, a, 2, 2, 2, 2), s3 = wasm_i32x4_shuffle(a, a, 3, 3, 3, 3);
#define ACC(i) a##i##0 = wasm_f32x4_add(a##i##0, wasm_f32x4_mul(s##i, b0)); a##i##1 = wasm_f32x4_add(a##i##1, wasm_f32x4_mul(s##i, b1)); \
               a##i##2 = wasm_f32x4_add(a##i##2, wasm_f32x4_mul(s##i, b2)); a##i##3 = wasm_f32x4_add(a##i##3, wasm_f32x4_mul(s##i, b3));
            ACC(0) ACC(1) ACC(2) ACC(3)
#undef ACC
          }
#define OUT(i) { float* o = out + (long)(c0 + i) * K + k0; st(o, wasm_f32x4_add(ld(o), a##i##0)); st(o + 4, wasm_f32x4_add(ld(o + 4), a##i##1)); \
                 st(o + 8, wasm_f32x4_add(ld(o + 8), a##i##2)); st(o + 12, wasm_f32x4_add(ld(o + 12), a##i##3)); }
          OUT(0) OUT(1) OUT(2) OUT(3)
#undef OUT
        }
      } else {
        for (int c = c0; c < C; c++)
          for (int k0 = 0; k0 < K; k0 += 16) {
            f4 z4 = wasm_f32x4_splat(0.0f);
            f4 a0 = z4, a1 = z4, a2 = z4, a3 = z4;
            for (int t = t0; t < t1; t++) {
              f4 s = wasm_f32x4_splat(A[(long)t * C + c]);
              const float* bp = B + (long)t * K + k0;
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(s, ld(bp)));
              a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(s, ld(bp + 4)));
              a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(s, ld(bp + 8)));
              a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(s, ld(bp + 12)));
            }
            float* o = out + (long)c * K + k0;
            st(o, wasm_f32x4_add(ld(o), a0)); st(o + 4, wasm_f32x4_add(ld(o + 4), a1));
            st(o + 8, wasm_f32x4_add(ld(o + 8), a2)); st(o + 12, wasm_f32x4_add(ld(o + 12), a3));
          }
      }
    }
  }
}

/* The 16 Winograd filter-gradient products: dU[i] [c, k] = V[i]^T dM[i], V[i] [t, c], dM[i] [t, k]. */
EXPORT void wino_grad_products(float* const* vt, float* const* dmt, int T, int C, int K, float* const* dut) {
  for (int i = 0; i < 16; i++) gemm_tn(vt[i], dmt[i], T, C, K, dut[i]);
}
