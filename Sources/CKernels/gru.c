// Fused GRU row kernels (see include/CKernels.h), beside the LSTM's in lstm.c,
// with the same approximations (approx.h) and the same three levels.
#include "CKernels.h"
#include "approx.h"

#define GRU_KERNELS(SUFFIX, TARGET)                                                                           \
    TARGET static void gru_forward_##SUFFIX(float *restrict row, const float *restrict hh,                   \
                                            const float *restrict h_prev, float *restrict h,                  \
                                            float *restrict n_hidden, float *restrict out, long H) {          \
        for (long j = 0; j < H; j++) {                                                                        \
            float r = sigmoid_approx(row[j] + hh[j]);                                                         \
            float z = sigmoid_approx(row[H + j] + hh[H + j]);                                                 \
            float hn = hh[2 * H + j];                                                                         \
            float n = tanh_approx(row[2 * H + j] + r * hn);                                                   \
            float hv = (1 - z) * n + z * h_prev[j];                                                           \
            row[j] = r; row[H + j] = z; row[2 * H + j] = n;                                                   \
            n_hidden[j] = hn; h[j] = hv; out[j] = hv;                                                         \
        }                                                                                                     \
    }                                                                                                         \
    TARGET static void gru_backward_##SUFFIX(const float *restrict row, const float *restrict n_hidden,      \
                                             const float *restrict h_prev, float *restrict dh,                \
                                             const float *restrict d_out, float *restrict d_input,            \
                                             float *restrict d_hidden, long H) {                              \
        for (long j = 0; j < H; j++) {                                                                        \
            float r = row[j], z = row[H + j], n = row[2 * H + j];                                             \
            float dhj = dh[j] + d_out[j];                                                                     \
            float dn_pre = dhj * (1 - z) * (1 - n * n);                                                       \
            float dr_pre = dn_pre * n_hidden[j] * r * (1 - r);                                                \
            float dz_pre = dhj * (h_prev[j] - n) * z * (1 - z);                                               \
            d_input[j] = dr_pre; d_input[H + j] = dz_pre; d_input[2 * H + j] = dn_pre;                        \
            d_hidden[j] = dr_pre; d_hidden[H + j] = dz_pre; d_hidden[2 * H + j] = dn_pre * r;                 \
            dh[j] = dhj * z;                                                                                  \
        }                                                                                                     \
    }

ASR_AT_EVERY_LEVEL(GRU_KERNELS)

void asr_gru_forward_row(int level, float *row, const float *hh, const float *h_prev, float *h, float *n_hidden,
                         float *out, long hidden) {
    ASR_DISPATCH(gru_forward, row, hh, h_prev, h, n_hidden, out, hidden);
}

void asr_gru_backward_row(int level, const float *row, const float *n_hidden, const float *h_prev, float *dh,
                          const float *d_out, float *d_input, float *d_hidden, long hidden) {
    ASR_DISPATCH(gru_backward, row, n_hidden, h_prev, dh, d_out, d_input, d_hidden, hidden);
}
