// Elementwise exp, sigmoid and tanh over arrays, Σ exp(x − shift) and argmax, at the
// three levels, with the approximations of approx.h (ASRCore's VectorMath and
// LogSpace call these; there is no second copy of the polynomials in Swift).
#include "CKernels.h"
#include <math.h>
#include "approx.h"

#define VEC_KERNELS(SUFFIX, TARGET)                                                                           \
    /* Two forms: with x and y possibly overlapping, the compiler's run-time alias                       */ \
    /* check sends y == x to its scalar loop (2x slower), so in place has its own.                       */ \
    TARGET static void vexp_##SUFFIX(const float *restrict x, float *restrict y, long n) {                    \
        for (long i = 0; i < n; i++) y[i] = exp_approx(x[i]);                                                 \
    }                                                                                                         \
    TARGET static void vexp_inplace_##SUFFIX(float *x, long n) {                                              \
        for (long i = 0; i < n; i++) x[i] = exp_approx(x[i]);                                                 \
    }                                                                                                         \
    TARGET static void vsigmoid_##SUFFIX(float *x, long n) {                                                  \
        for (long i = 0; i < n; i++) x[i] = sigmoid_approx(x[i]);                                             \
    }                                                                                                         \
    TARGET static void vtanh_##SUFFIX(float *x, long n) {                                                     \
        for (long i = 0; i < n; i++) x[i] = tanh_approx(x[i]);                                                \
    }                                                                                                         \
    /* 16 partial sums, lane k taking elements i ≡ k (mod 16): a vector accumulator                      */ \
    /* without reassociating float additions, so every level sums in the same order.                     */ \
    TARGET static float sum_exp_##SUFFIX(const float *restrict x, long n, float shift) {                     \
        float acc[16] = {0};                                                                                  \
        long i = 0;                                                                                           \
        for (; i + 16 <= n; i += 16)                                                                          \
            for (int k = 0; k < 16; k++) acc[k] += exp_approx(x[i + k] - shift);                              \
        for (int k = 0; i + k < n; k++) acc[k] += exp_approx(x[i + k] - shift);                               \
        float s = 0;                                                                                          \
        for (int k = 0; k < 16; k++) s += acc[k];                                                             \
        return s;                                                                                             \
    }                                                                                                         \
    /* The maximum in 64 lanes (x > m ? x : m is maxps: a NaN is never taken; eight AVX2 or          */ \
    /* four AVX-512 registers hide the compare latency): one streaming read.                            */ \
    TARGET static float vmax_##SUFFIX(const float *restrict x, long n) {                                     \
        float m[64];                                                                                          \
        for (int k = 0; k < 64; k++) m[k] = -INFINITY;                                                        \
        long i = 0;                                                                                           \
        for (; i + 64 <= n; i += 64)                                                                          \
            for (int k = 0; k < 64; k++) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];                            \
        for (; i + 8 <= n; i += 8)                                                                            \
            for (int k = 0; k < 8; k++) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];                             \
        float best = -INFINITY;                                                                               \
        for (; i < n; i++) best = x[i] > best ? x[i] : best;                                                  \
        for (int k = 0; k < 64; k++) best = m[k] > best ? m[k] : best;                                        \
        return best;                                                                                          \
    }                                                                                                         \
    /* Argmax in one streaming read: 32 lanes each keep their largest value (strict >: the first   */ \
    /* of equals, never a NaN) and the block of 32 where it was first seen; then the lane values'   */ \
    /* maximum and, among the lanes holding it, the smallest index (±0 are equal there too). A       */ \
    /* second pass looking for the maximum's first index cost 1.3× the read (docs/PROFILE.md).       */ \
    TARGET static long argmax_##SUFFIX(const float *restrict x, long n) {                                     \
        float m[32];                                                                                          \
        int block[32];                                                                                        \
        for (int k = 0; k < 32; k++) { m[k] = -INFINITY; block[k] = 0; }                                      \
        long i = 0;                                                                                           \
        for (int b = 0; i + 32 <= n; i += 32, b++)                                                            \
            for (int k = 0; k < 32; k++) {                                                                    \
                int above = x[i + k] > m[k];                                                                  \
                m[k] = above ? x[i + k] : m[k];                                                               \
                block[k] = above ? b : block[k];                                                              \
            }                                                                                                 \
        float best = -INFINITY;                                                                               \
        long at = 0;                                                                                          \
        for (int k = 0; k < 32; k++) {                                                                        \
            long index = (long)block[k] * 32 + k;                                                             \
            if (m[k] > best || (m[k] == best && m[k] > -INFINITY && index < at)) { best = m[k]; at = index; } \
        }                                                                                                     \
        for (; i < n; i++)                                                                                    \
            if (x[i] > best) { best = x[i]; at = i; }                                                         \
        return at;                                                                                            \
    }

ASR_AT_EVERY_LEVEL(VEC_KERNELS)

void asr_vexp(int level, const float *x, float *y, long n) {
    if (x == y) ASR_DISPATCH(vexp_inplace, y, n);
    ASR_DISPATCH(vexp, x, y, n);
}
void asr_vsigmoid(int level, float *x, long n) { ASR_DISPATCH(vsigmoid, x, n); }
void asr_vtanh(int level, float *x, long n) { ASR_DISPATCH(vtanh, x, n); }
float asr_sum_exp_shifted(int level, const float *x, long n, float shift) { ASR_DISPATCH(sum_exp, x, n, shift); }
long asr_argmax(int level, const float *x, long n) { ASR_DISPATCH(argmax, x, n); }
float asr_vmax(int level, const float *x, long n) { ASR_DISPATCH(vmax, x, n); }
