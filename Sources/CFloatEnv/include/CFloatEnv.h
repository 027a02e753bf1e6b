#ifndef ASR_CFLOATENV_H
#define ASR_CFLOATENV_H

/// Sets the calling thread's floating-point control register so that denormal
/// (subnormal) results are flushed to zero and denormal inputs read as zero
/// (x86: MXCSR FTZ and DAZ; arm64: FPCR.FZ). On Intel cores every float
/// operation that meets a denormal takes a microcode assist costing ~100
/// cycles; saturated LSTM gates produce such values, and without this a
/// training epoch slows down as the model learns.
void asr_flush_denormals(void);

/// 1 when the calling thread flushes denormals, 0 otherwise.
int asr_denormals_flushed(void);

/// Returns the C heap's free pages to the system (glibc malloc_trim; 0 where
/// there is none). glibc otherwise keeps memory freed by a large transient
/// (a parsed manifest) and it shows as resident for the rest of the run.
/// Returns 1 when memory was released.
int asr_release_free_memory(void);
/* glibc: at most `arenas` malloc arenas and a fixed mmap threshold (bytes); 0 keeps a setting. 1 on success. */
int asr_bound_heap(int arenas, int mmap_threshold);

#endif
