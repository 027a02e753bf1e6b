#include "mpishim.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

/* Open MPI's handles are pointers to its predefined objects. */
typedef void *handle;

static int (*p_init)(int *, char ***);
static int (*p_comm_rank)(handle, int *);
static int (*p_comm_size)(handle, int *);
static int (*p_allreduce)(const void *, void *, int, handle, handle, handle);
static int (*p_bcast)(void *, int, handle, int, handle);
static int (*p_barrier)(handle);
static int (*p_finalize)(void);
static int (*p_abort)(handle, int);
static handle comm_world, type_float, type_double, type_byte, op_sum;
static int loaded;

#define IN_PLACE ((void *)1) /* Open MPI's MPI_IN_PLACE */

int asr_mpi_load(char *err, int errlen) {
    if (loaded) return 0;
    const char *names[] = {getenv("ASR_MPI_LIBRARY"), "libmpi.so.40", "libmpi.so"};
    void *lib = NULL;
    for (int i = 0; i < 3 && !lib; i++) {
        /* RTLD_GLOBAL: Open MPI's plugins resolve their symbols against libmpi. */
        if (names[i]) lib = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    }
    if (!lib) {
        snprintf(err, errlen, "cannot load Open MPI (libmpi.so.40; apt install openmpi-bin, or set ASR_MPI_LIBRARY): %s", dlerror());
        return -1;
    }
#define SYM(var, name)                                                       \
    do {                                                                     \
        *(void **)(&var) = dlsym(lib, name);                                 \
        if (!var) {                                                          \
            snprintf(err, errlen, "libmpi has no symbol %s (not Open MPI?)", name); \
            return -1;                                                       \
        }                                                                    \
    } while (0)
    SYM(p_init, "MPI_Init");
    SYM(p_comm_rank, "MPI_Comm_rank");
    SYM(p_comm_size, "MPI_Comm_size");
    SYM(p_allreduce, "MPI_Allreduce");
    SYM(p_bcast, "MPI_Bcast");
    SYM(p_barrier, "MPI_Barrier");
    SYM(p_finalize, "MPI_Finalize");
    SYM(p_abort, "MPI_Abort");
    SYM(comm_world, "ompi_mpi_comm_world");
    SYM(type_float, "ompi_mpi_float");
    SYM(type_double, "ompi_mpi_double");
    SYM(type_byte, "ompi_mpi_byte");
    SYM(op_sum, "ompi_mpi_op_sum");
#undef SYM
    loaded = 1;
    return 0;
}

int asr_mpi_init(void) { return loaded ? p_init(NULL, NULL) : -1; }
int asr_mpi_rank(int *rank) { return loaded ? p_comm_rank(comm_world, rank) : -1; }
int asr_mpi_size(int *size) { return loaded ? p_comm_size(comm_world, size) : -1; }

/* MPI counts are int: long buffers go in chunks. */
#define CHUNK (INT_MAX / 2)

/* Sum of count elements of `size` bytes across ranks, in place. */
static int allreduce(void *buffer, long count, long size, handle type) {
    if (!loaded) return -1;
    for (long i = 0; i < count; i += CHUNK) {
        int n = (int)(count - i < CHUNK ? count - i : CHUNK);
        int rc = p_allreduce(IN_PLACE, (char *)buffer + i * size, n, type, op_sum, comm_world);
        if (rc) return rc;
    }
    return 0;
}

int asr_mpi_allreduce_float(float *buffer, long count) { return allreduce(buffer, count, sizeof(float), type_float); }
int asr_mpi_allreduce_double(double *buffer, long count) { return allreduce(buffer, count, sizeof(double), type_double); }

int asr_mpi_bcast_bytes(void *buffer, long count, int root) {
    if (!loaded) return -1;
    for (long i = 0; i < count; i += CHUNK) {
        int n = (int)(count - i < CHUNK ? count - i : CHUNK);
        int rc = p_bcast((char *)buffer + i, n, type_byte, root, comm_world);
        if (rc) return rc;
    }
    return 0;
}

int asr_mpi_barrier(void) { return loaded ? p_barrier(comm_world) : -1; }
int asr_mpi_finalize(void) { return loaded ? p_finalize() : -1; }
void asr_mpi_abort(int code) {
    if (loaded) p_abort(comm_world, code);
    exit(code);
}
