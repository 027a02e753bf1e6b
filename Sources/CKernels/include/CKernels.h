#ifndef ASR_CKERNELS_H
#define ASR_CKERNELS_H

/// The vectorised kernels: fused LSTM and GRU gate arithmetic for one batch row
/// of one time step, elementwise exp/sigmoid/tanh and Σ exp over arrays, and the
/// Double log-space frames of the CTC forward–backward,
/// each compiled three times: for the x86-64 baseline (SSE2), for AVX2 + FMA (x86-64-v3) and
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

/// GRU forward step (PyTorch's `nn.GRU`). `row` holds the 3H input-side
/// pre-activations (r, z, n) with b_ih; `hh` the hidden side, W_hh h_prev + b_hh.
/// On return `row` holds the activated gates; writes n_hidden = hh's n part
/// (W_hn h + b_hn, kept for backward), h = (1 − z)·n + z·h_prev and a copy of h to `out`.
void asr_gru_forward_row(int level, float *row, const float *hh, const float *h_prev, float *h, float *n_hidden,
                         float *out, long hidden);

/// GRU backward step. `row` holds the activated gates, dh (from the later step)
/// plus d_out is ∂loss/∂h_t. Writes the 3H pre-activation gradients of the
/// input side (`d_input`) and of the hidden side (`d_hidden`: they differ in n,
/// scaled by r) and sets dh to the direct part of ∂loss/∂h_{t−1}, dh·z (the caller
/// adds d_hidden · W_hh).
void asr_gru_backward_row(int level, const float *row, const float *n_hidden, const float *h_prev, float *dh,
                          const float *d_out, float *d_input, float *d_hidden, long hidden);

/// y[i] = e^x[i]; y is x (in place) or does not overlap it.
void asr_vexp(int level, const float *x, float *y, long n);
/// x[i] = 1 / (1 + e^−x[i]), in place.
void asr_vsigmoid(int level, float *x, long n);
/// x[i] = tanh x[i], in place.
void asr_vtanh(int level, float *x, long n);
/// Σ e^(x[i] − shift), summed in 16 interleaved partial sums (the same order at every level).
float asr_sum_exp_shifted(int level, const float *x, long n, float shift);
/// Index of the largest of n ≥ 1 values, the first on ties, NaNs never chosen; 0 when
/// no value is above −∞ (x[0] must not be NaN: the caller's scalar loop handles that).
long asr_argmax(int level, const float *x, long n);
/// The largest of n values (−∞ for none, NaNs skipped): one streaming read, the
/// memory-read bound `asr-bench beam --read-only 1` measures greedy decoding against.
float asr_vmax(int level, const float *x, long n);

/// One frame of the CTC forward recursion in log space, for s in [start, end):
/// out[s] = e[s] + log(e^prev[s] + e^prev[s−1] + e^(prev[s−2] + skip[s])), −∞ when all three are −∞.
/// prev is readable from index −2 (the row's two −∞ pads); skip[s] is 0 where state s may
/// be entered from s − 2 and −∞ where not. No value may be +∞ or NaN.
void asr_ctc_alpha_frame(int level, const double *prev, const double *e, const double *skip, double *out,
                         long start, long end);
/// One frame of the backward recursion (β excluding the frame's own emission), for s in [start, end):
/// out[s] = log Σ_{k=0,1,2} e^(next[s+k] + e[s+k]) with skip[s+2] added to the k = 2 term;
/// next, e and skip readable to index end + 1 (pads: next −∞, e and skip finite or −∞).
void asr_ctc_beta_frame(int level, const double *next, const double *e, const double *skip, double *out,
                        long start, long end);
/// out[s] = e^(a[s] + b[s] − shift) for s < n (≈ 0 below e^−700; a, b may be −∞).
void asr_ctc_occupancy(int level, const double *a, const double *b, double shift, double *out, long n);
/// The scalar exp_d and log_d the kernels use, for the tests.
double asr_exp_d(double x);
double asr_log_d(double x);

#endif
