#include "CFloatEnv.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

#define ASR_MXCSR_FTZ 0x8000u  /* flush-to-zero */
#define ASR_MXCSR_DAZ 0x0040u  /* denormals-are-zero */

void asr_flush_denormals(void) { _mm_setcsr(_mm_getcsr() | ASR_MXCSR_FTZ | ASR_MXCSR_DAZ); }

int asr_denormals_flushed(void) {
    unsigned int m = _mm_getcsr();
    return (m & (ASR_MXCSR_FTZ | ASR_MXCSR_DAZ)) == (ASR_MXCSR_FTZ | ASR_MXCSR_DAZ);
}

#elif defined(__aarch64__)
#include <stdint.h>

#define ASR_FPCR_FZ (UINT64_C(1) << 24)

void asr_flush_denormals(void) {
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    fpcr |= ASR_FPCR_FZ;
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
}

int asr_denormals_flushed(void) {
    uint64_t fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return (fpcr & ASR_FPCR_FZ) != 0;
}

#else
void asr_flush_denormals(void) {}
int asr_denormals_flushed(void) { return 0; }
#endif

#if defined(__GLIBC__)
#include <malloc.h>
int asr_release_free_memory(void) { return malloc_trim(0); }
int asr_bound_heap(int arenas, int mmap_threshold) {
    int ok = 1;
    if (arenas > 0) ok &= mallopt(M_ARENA_MAX, arenas);
    if (mmap_threshold > 0) ok &= mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    return ok;
}
#else
int asr_release_free_memory(void) { return 0; }
int asr_bound_heap(int arenas, int mmap_threshold) { return 0; }
#endif
