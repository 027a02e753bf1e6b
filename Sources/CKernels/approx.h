// The one source of the polynomial approximations every vectorised kernel uses
// (LSTM and GRU gates in lstm.c/gru.c, exp/sigmoid/tanh/log-sum-exp over arrays
// in vecmath.c, which ASRCore's VectorMath and LogSpace call; in Double, the CTC
// recursions of ctc.c, described further down). exp is Cephes'
// expf: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial, 2^n built in the
// exponent bits, relative error < 2e-7 on [−87, 88] (clamped outside); tanh is
// 1 − 2/(e^{2|x|} + 1) with Cephes' odd polynomial below |x| = 0.625, absolute
// error < 3e-7. Plain C that the compiler vectorises at each target's width.
#ifndef ASR_APPROX_H
#define ASR_APPROX_H
#include <stdint.h>
#include <string.h>
#include <math.h>

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

// Double precision, for the CTC recursions (ctc.c), which run in Double because
// Float log-space sums drift by ~1e-5 over hundreds of frames. exp_d: x = n·ln2 + r
// (Cody–Waite ln2 split, |r| ≤ ln2/2), Taylor to degree 12 (truncation < 2e-16),
// 2^n built in the exponent bits; x clamped to [−700, 700]: e^−700 ≈ 1e-304 stands
// for 0 in the sums below, where it is below one ulp of the 1 they always hold.
// log_d: x = 2^k·f with f in [√½, √2), log f = 2·atanh u with u = (f − 1)/(f + 1),
// |u| ≤ 0.172, the odd series to u^19 (truncation < 1e-17); positive normal x only.
// Both within a few ulp of libm (Tests/CTCTests check them against Foundation).
static inline double from_bits_d(int64_t i) { double f; memcpy(&f, &i, sizeof f); return f; }
static inline int64_t to_bits_d(double f) { int64_t i; memcpy(&i, &f, sizeof i); return i; }

static inline __attribute__((always_inline)) double exp_d(double x) {
    x = x < -700.0 ? -700.0 : x;
    x = x > 700.0 ? 700.0 : x;
    const double magic = 6755399441055744.0;  // 1.5·2^52: adding it rounds to an integer
    double t = x * 1.4426950408889634 + magic;
    double n = t - magic;
    double r = x - n * 6.93147180369123816490e-01;
    r = r - n * 1.90821492927058770002e-10;
    double p = 2.08767569878680989792e-09;
    p = p * r + 2.50521083854417187751e-08;
    p = p * r + 2.75573192239858906526e-07;
    p = p * r + 2.75573192239858906526e-06;
    p = p * r + 2.48015873015873015873e-05;
    p = p * r + 1.98412698412698412698e-04;
    p = p * r + 1.38888888888888888889e-03;
    p = p * r + 8.33333333333333333333e-03;
    p = p * r + 4.16666666666666666667e-02;
    p = p * r + 1.66666666666666666667e-01;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t e = (to_bits_d(t) - to_bits_d(magic)) + 1023;
    return p * from_bits_d(e << 52);
}

static inline __attribute__((always_inline)) double log_d(double x) {
    int64_t bits = to_bits_d(x);
    // The biased exponent as a double without an int64 → double conversion (none in AVX2).
    double k = from_bits_d((bits >> 52) | 0x4330000000000000LL) - 4503599627370496.0 - 1023.0;
    double f = from_bits_d((bits & 0x000fffffffffffffLL) | 0x3ff0000000000000LL);  // [1, 2)
    int big = f > 1.4142135623730951;
    f = big ? f * 0.5 : f;
    k = big ? k + 1.0 : k;
    double u = (f - 1.0) / (f + 1.0);
    double z = u * u;
    double p = 1.0 / 19;
    p = p * z + 1.0 / 17;
    p = p * z + 1.0 / 15;
    p = p * z + 1.0 / 13;
    p = p * z + 1.0 / 11;
    p = p * z + 1.0 / 9;
    p = p * z + 1.0 / 7;
    p = p * z + 1.0 / 5;
    p = p * z + 1.0 / 3;
    p = p * z + 1.0;
    return k * 6.93147180369123816490e-01 + (k * 1.90821492927058770002e-10 + 2.0 * u * p);
}

/// log(e^a + e^b + e^c), −∞ when all three are −∞ (none may be +∞ or NaN).
static inline __attribute__((always_inline)) double log_add3_d(double a, double b, double c) {
    double m = a > b ? a : b;
    m = m > c ? m : c;
    double shift = m == -INFINITY ? 0.0 : m;
    double r = shift + log_d(exp_d(a - shift) + exp_d(b - shift) + exp_d(c - shift));
    return m == -INFINITY ? -INFINITY : r;
}

/// The per-level function attributes: baseline (SSE2 on x86-64), AVX2 + FMA, AVX-512.
#define ASR_TARGET_BASE
#define ASR_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define ASR_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))

/// KERNELS(SUFFIX, TARGET) instantiated at every level (the baseline only off x86-64), and
/// ASR_DISPATCH(NAME, args…): return NAME_<suffix>(args…) for the caller's `level`.
#if defined(__x86_64__)
#define ASR_AT_EVERY_LEVEL(KERNELS) \
    KERNELS(base, ASR_TARGET_BASE)  \
    KERNELS(avx2, ASR_TARGET_AVX2)  \
    KERNELS(avx512, ASR_TARGET_AVX512)
#define ASR_DISPATCH(NAME, ...)                                    \
    do {                                                           \
        if (level >= 2) return NAME##_avx512(__VA_ARGS__);         \
        if (level == 1) return NAME##_avx2(__VA_ARGS__);           \
        return NAME##_base(__VA_ARGS__);                           \
    } while (0)
#else
#define ASR_AT_EVERY_LEVEL(KERNELS) KERNELS(base, ASR_TARGET_BASE)
#define ASR_DISPATCH(NAME, ...) return NAME##_base(__VA_ARGS__)
#endif

#endif
