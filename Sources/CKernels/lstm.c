// Fused LSTM row kernels (see include/CKernels.h). Plain C loops that the
// compiler vectorises at each target's width, with the approximations of approx.h.
#include "CKernels.h"
#include "approx.h"

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

ASR_AT_EVERY_LEVEL(LSTM_KERNELS)

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
    ASR_DISPATCH(forward, row, bias, c_prev, c, tanh_c, h, out, hidden);
}

void asr_lstm_backward_row(int level, float *row, const float *tanh_c, const float *c_prev, const float *dh,
                           const float *d_out, float *dc, long hidden) {
    ASR_DISPATCH(backward, row, tanh_c, c_prev, dh, d_out, dc, hidden);
}
