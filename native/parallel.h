#ifndef AFFINE_VAE_PARALLEL_H
#define AFFINE_VAE_PARALLEL_H
/*
 * Runs work(arg, t) for t = 0 … n − 1 on n threads, t = 0 on the caller's, and waits for all.
 * Plain pthreads rather than OpenMP, so the addon needs no libgomp at run time. A thread that
 * cannot be started has its t run on the caller's thread afterwards: each t writes only its own
 * slots, so the results are the same either way.
 */
void parallel_run(int n, void (*work)(void *arg, int t), void *arg);
/* The processors this process may run on (at least 1). */
int parallel_processors(void);
/* Seconds on a monotonic clock. */
double parallel_seconds(void);
#endif
