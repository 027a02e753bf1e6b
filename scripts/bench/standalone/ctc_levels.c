// One CTC α pass (S = 201 states, T = 1000 frames, 10 repetitions) through
// asr_ctc_alpha_frame at one SIMD level, against a scalar loop of libm log-adds,
// with the largest relative difference of the two lattices. Not part of the build:
//   clang -O2 -I Sources/CKernels/include scripts/bench/standalone/ctc_levels.c \
//         Sources/CKernels/ctc.c -lm -o /tmp/ctc_levels && for l in 0 1 2; do /tmp/ctc_levels $l; done
// (a level the CPU lacks dies with SIGILL; docs/PROFILE.md quotes its output).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "CKernels.h"

static double log_add(double a, double b) {
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return (a > b ? a : b) + log1p(exp(-fabs(a - b)));
}
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    const int S = 201, T = 1000, W = S + 2, level = argc > 1 ? atoi(argv[1]) : 0;
    double *al = malloc(sizeof(double) * T * W), *ref = malloc(sizeof(double) * T * W);
    double *e = malloc(sizeof(double) * T * W), *skip = malloc(sizeof(double) * W);
    srand(2);
    for (int i = 0; i < T * W; i++) { e[i] = -3.4 + 2.0 * rand() / RAND_MAX - 1; al[i] = ref[i] = -INFINITY; }
    for (int s = 0; s < W; s++) skip[s] = s >= 2 && s % 2 == 1 ? 0 : -INFINITY;
    al[2] = ref[2] = e[0];
    al[3] = ref[3] = e[1];
    double t0 = now();
    for (int rep = 0; rep < 10; rep++)
        for (int t = 1; t < T; t++) {
            int start = S - 2 * (T - t) > 0 ? S - 2 * (T - t) : 0, end = 2 * (t + 1) < S ? 2 * (t + 1) : S;
            asr_ctc_alpha_frame(level, al + (t - 1) * W + 2, e + t * W, skip, al + t * W + 2, start, end);
        }
    double t1 = now();
    for (int rep = 0; rep < 10; rep++)
        for (int t = 1; t < T; t++) {
            int start = S - 2 * (T - t) > 0 ? S - 2 * (T - t) : 0, end = 2 * (t + 1) < S ? 2 * (t + 1) : S;
            double *p = ref + (t - 1) * W + 2, *o = ref + t * W + 2;
            for (int s = start; s < end; s++) {
                double v = log_add(p[s], p[s - 1]);
                if (skip[s] == 0) v = log_add(v, p[s - 2]);
                o[s] = v == -INFINITY ? v : v + e[t * W + s];
            }
        }
    double t2 = now(), worst = 0;
    for (int i = 0; i < T * W; i++)
        if (isfinite(ref[i]) && fabs(al[i] - ref[i]) / fabs(ref[i]) > worst) worst = fabs(al[i] - ref[i]) / fabs(ref[i]);
    printf("level %d: kernel %.2f ms, scalar libm %.2f ms per pass; max relative difference %.3g\n", level,
           (t1 - t0) * 100, (t2 - t1) * 100, worst);
    return worst < 1e-12 ? 0 : 1;
}
