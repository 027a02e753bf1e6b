// asr_argmax at every level against the scalar loop (first index of the maximum) on
// 200,000 rows with ties, ±0, NaN and −∞ (x[0] never NaN, as the Swift caller
// guarantees), lengths 1…5000. Not part of the build; exits 1 on any difference:
//   clang -O2 -I Sources/CKernels/include scripts/bench/standalone/argmax_fuzz.c \
//         Sources/CKernels/vecmath.c Sources/CKernels/lstm.c -lm -o /tmp/argmax_fuzz && /tmp/argmax_fuzz
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "CKernels.h"

static long scalar(const float *x, long n) {
    long b = 0;
    for (long i = 1; i < n; i++)
        if (x[i] > x[b]) b = i;
    return b;
}

int main(void) {
    static float x[5000];
    int bad = 0, levels = asr_simd_level_supported();
    srand(7);
    for (int it = 0; it < 200000; it++) {
        long n = it % 100 == 0 ? 1 + rand() % 5000 : 1 + rand() % 300;
        int kind = rand() % 4;
        for (long i = 0; i < n; i++) {
            int r = rand() % 8;
            x[i] = kind == 0 ? (float)(rand() % 5)
                 : kind == 1 ? (r == 0 ? -0.0f : r == 1 ? 0.0f : -(float)(rand() % 3))
                 : kind == 2 ? (r == 0 ? NAN : (float)(rand() % 7))
                             : (r < 6 ? -INFINITY : (float)(rand() % 3) - 5);
        }
        if (isnan(x[0])) x[0] = 1;
        long want = scalar(x, n);
        for (int l = 0; l <= levels; l++)
            if (asr_argmax(l, x, n) != want && bad++ < 5) printf("n %ld kind %d level %d differs\n", n, kind, l);
    }
    printf("%d differences\n", bad);
    return bad != 0;
}
