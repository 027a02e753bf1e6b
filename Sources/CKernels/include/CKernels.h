#ifndef ASR_CKERNELS_H
#define ASR_CKERNELS_H

/// Fused LSTM gate arithmetic for one batch row of one time step, compiled
/// three times: for the x86-64 baseline (SSE2), for AVX2 + FMA (x86-64-v3) and
/// for AVX-512 (x86-64-v4). Swift cannot compile one function for a wider
/// instruction set than the whole binary, and SSE2 code ran these at a quarter
/// of the AVX-512 speed (docs/PROFILE.md). The caller picks the level once
/// (`asr_simd_level_supported`); every level computes the same formulas with the
/// same polynomial approximations (FMA contraction may change the last bit).

/// Highest level this CPU runs: 0 baseline, 1 AVX2 + FMA, 2 AVX-512 (F, VL, BW, DQ).
/// Always 0 off x86-64.
int asr_simd_level_supported(void);

/// Forward step. `row` holds the 4H pre-activations (i, f, g, o) without
/// biases; on return the activated gates. Writes c = f·c_prev + i·g,
/// tanh_c = tanh c, h = o·tanh c and a copy of h to `out`. Buffers must not overlap.
void asr_lstm_forward_row(int level, float *row, const float *bias, const float *c_prev, float *c,
                          float *tanh_c, float *h, float *out, long hidden);

/// Backward step, in place: `row` holds the activated gates and on return their
/// pre-activation gradients. dh (from the later step) plus d_out is ∂loss/∂h_t;
/// `dc` holds ∂loss/∂c_t on entry and ∂loss/∂c_{t−1} on return.
void asr_lstm_backward_row(int level, float *row, const float *tanh_c, const float *c_prev, const float *dh,
                           const float *d_out, float *dc, long hidden);

#endif
