#ifndef ASR_MPISHIM_H
#define ASR_MPISHIM_H

/* Open MPI, loaded at run time (dlopen) only when a process is started by
 * mpirun: asr needs no MPI library to build or to run on its own. Open MPI's
 * MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM and MPI_IN_PLACE are macros over global
 * objects (&ompi_mpi_comm_world, …) and ((void *)1), which Swift cannot import;
 * these functions take their place. Each returns 0 on success, else an MPI
 * error code (or -1 when MPI is not loaded). */

/* Loads libmpi (ASR_MPI_LIBRARY, else libmpi.so.40, else libmpi.so) and its
 * symbols. On failure writes a message to err. */
int asr_mpi_load(char *err, int errlen);
int asr_mpi_init(void);
int asr_mpi_rank(int *rank);
int asr_mpi_size(int *size);
/* Sums count values across ranks, in place. */
int asr_mpi_allreduce_float(float *buffer, long count);
int asr_mpi_allreduce_double(double *buffer, long count);
/* Rank root's bytes to every rank. */
int asr_mpi_bcast_bytes(void *buffer, long count, int root);
int asr_mpi_barrier(void);
int asr_mpi_finalize(void);
/* Ends every rank of the job (after an error on one). */
void asr_mpi_abort(int code);

#endif
