// The CTC forward–backward frame recursions in Double log space (see include/CKernels.h),
// with the exp_d/log_d of approx.h: plain C loops the compiler vectorises over the
// states of a frame at each target's width, no libm call inside.
#include "CKernels.h"
#include "approx.h"

#define CTC_KERNELS(SUFFIX, TARGET)                                                                           \
    TARGET static void alpha_##SUFFIX(const double *restrict prev, const double *restrict e,                 \
                                      const double *restrict skip, double *restrict out, long start,         \
                                      long end) {                                                            \
        for (long s = start; s < end; s++)                                                                    \
            out[s] = e[s] + log_add3_d(prev[s], prev[s - 1], prev[s - 2] + skip[s]);                          \
    }                                                                                                         \
    TARGET static void beta_##SUFFIX(const double *restrict next, const double *restrict e,                  \
                                     const double *restrict skip, double *restrict out, long start,          \
                                     long end) {                                                             \
        for (long s = start; s < end; s++)                                                                    \
            out[s] = log_add3_d(next[s] + e[s], next[s + 1] + e[s + 1], next[s + 2] + e[s + 2] + skip[s + 2]); \
    }                                                                                                         \
    TARGET static void occupancy_##SUFFIX(const double *restrict a, const double *restrict b, double shift,  \
                                          double *restrict out, long n) {                                    \
        for (long s = 0; s < n; s++) out[s] = exp_d(a[s] + b[s] - shift);                                    \
    }

ASR_AT_EVERY_LEVEL(CTC_KERNELS)

void asr_ctc_alpha_frame(int level, const double *prev, const double *e, const double *skip, double *out,
                         long start, long end) {
    ASR_DISPATCH(alpha, prev, e, skip, out, start, end);
}
void asr_ctc_beta_frame(int level, const double *next, const double *e, const double *skip, double *out,
                        long start, long end) {
    ASR_DISPATCH(beta, next, e, skip, out, start, end);
}
void asr_ctc_occupancy(int level, const double *a, const double *b, double shift, double *out, long n) {
    ASR_DISPATCH(occupancy, a, b, shift, out, n);
}
double asr_exp_d(double x) { return exp_d(x); }
double asr_log_d(double x) { return log_d(x); }
