// The one source of the polynomial approximations every vectorised kernel uses
// (LSTM and GRU gates in lstm.c/gru.c, exp/sigmoid/tanh/log-sum-exp over arrays
// in vecmath.c, which ASRCore's VectorMath and LogSpace call). exp is Cephes'
// expf: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial, 2^n built in the
// exponent bits, relative error < 2e-7 on [−87, 88] (clamped outside); tanh is
// 1 − 2/(e^{2|x|} + 1) with Cephes' odd polynomial below |x| = 0.625, absolute
// error < 3e-7. Plain C that the compiler vectorises at each target's width.
#ifndef ASR_APPROX_H
#define ASR_APPROX_H
#include <stdint.h>
#include <string.h>

static inline float from_bits(int32_t i) { float f; memcpy(&f, &i, sizeof f); return f; }
static inline int32_t to_bits(float f) { int32_t i; memcpy(&i, &f, sizeof i); return i; }

static inline float exp_approx(float x) {
    x = x > 88.3762626647949f ? 88.3762626647949f : x;
    x = x < -87.3365447504f ? -87.3365447504f : x;
    const float magic = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
    float t = x * 1.44269504088896341f + magic;
    float n = t - magic;
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1;
    int32_t e = (to_bits(t) - to_bits(magic)) + 127;
    return p * from_bits(e << 23);
}

static inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

static inline float tanh_approx(float x) {
    float ax = x < 0 ? -x : x;
    float e = exp_approx(2 * (ax > 9 ? 9 : ax));
    float big = 1 - 2 / (e + 1);
    big = x < 0 ? -big : big;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = x + x * z * p;
    return ax >= 0.625f ? big : small;
}

/// The per-level function attributes: baseline (SSE2 on x86-64), AVX2 + FMA, AVX-512.
#define ASR_TARGET_BASE
#define ASR_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define ASR_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

#endif
