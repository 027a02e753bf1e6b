// Fused LSTM row kernels (see include/CKernels.h). Plain C loops that the
// compiler vectorises at each target's width; exp is Cephes' expf (degree-6
// polynomial after x = n·ln2 + r, 2^n built in the exponent bits, relative
// error < 2e-7), tanh switches to Cephes' odd polynomial below |x| = 0.625,
// as ASRCore's exp8/tanh8 do.
#include "CKernels.h"
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

#define LSTM_KERNELS(SUFFIX, TARGET)                                                                          \
    TARGET static void forward_##SUFFIX(float *restrict row, const float *restrict bias,                     \
                                        const float *restrict c_prev, float *restrict c,                      \
                                        float *restrict tanh_c, float *restrict h, float *restrict out,       \
                                        long H) {                                                             \
        for (long j = 0; j < H; j++) {                                                                        \
            float i = sigmoid_approx(row[j] + bias[j]);                                                       \
            float f = sigmoid_approx(row[H + j] + bias[H + j]);                                               \
            float g = tanh_approx(row[2 * H + j] + bias[2 * H + j]);                                          \
            float o = sigmoid_approx(row[3 * H + j] + bias[3 * H + j]);                                       \
            float cv = f * c_prev[j] + i * g;                                                                 \
            float tc = tanh_approx(cv);                                                                       \
            row[j] = i; row[H + j] = f; row[2 * H + j] = g; row[3 * H + j] = o;                               \
            c[j] = cv; tanh_c[j] = tc; h[j] = o * tc; out[j] = o * tc;                                        \
        }                                                                                                     \
    }                                                                                                         \
    TARGET static void backward_##SUFFIX(float *restrict row, const float *restrict tanh_c,                  \
                                         const float *restrict c_prev, const float *restrict dh,              \
                                         const float *restrict d_out, float *restrict dc, long H) {           \
        for (long j = 0; j < H; j++) {                                                                        \
            float i = row[j], f = row[H + j], g = row[2 * H + j], o = row[3 * H + j];                        \
            float tc = tanh_c[j];                                                                             \
            float dhj = dh[j] + d_out[j];                                                                     \
            float dcj = dc[j] + dhj * o * (1 - tc * tc);                                                      \
            row[j] = dcj * g * i * (1 - i);                                                                   \
            row[H + j] = dcj * c_prev[j] * f * (1 - f);                                                       \
            row[2 * H + j] = dcj * i * (1 - g * g);                                                           \
            row[3 * H + j] = dhj * tc * o * (1 - o);                                                          \
            dc[j] = dcj * f;                                                                                  \
        }                                                                                                     \
    }

LSTM_KERNELS(base, )
#if defined(__x86_64__)
LSTM_KERNELS(avx2, __attribute__((target("avx2,fma"))))
LSTM_KERNELS(avx512, __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))))
#endif

int asr_simd_level_supported(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
    return 0;
}

void asr_lstm_forward_row(int level, float *row, const float *bias, const float *c_prev, float *c,
                          float *tanh_c, float *h, float *out, long hidden) {
#if defined(__x86_64__)
    if (level >= 2) { forward_avx512(row, bias, c_prev, c, tanh_c, h, out, hidden); return; }
    if (level == 1) { forward_avx2(row, bias, c_prev, c, tanh_c, h, out, hidden); return; }
#endif
    forward_base(row, bias, c_prev, c, tanh_c, h, out, hidden);
}

void asr_lstm_backward_row(int level, float *row, const float *tanh_c, const float *c_prev, const float *dh,
                           const float *d_out, float *dc, long hidden) {
#if defined(__x86_64__)
    if (level >= 2) { backward_avx512(row, tanh_c, c_prev, dh, d_out, dc, hidden); return; }
    if (level == 1) { backward_avx2(row, tanh_c, c_prev, dh, d_out, dc, hidden); return; }
#endif
    backward_base(row, tanh_c, c_prev, dh, d_out, dc, hidden);
}
