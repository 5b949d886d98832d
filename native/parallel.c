#define _GNU_SOURCE /* sched_getaffinity */
#include "parallel.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

/*
 * glibc 2.34 moved pthread_create and pthread_join into libc under a new symbol version; bind
 * to the old one, which every glibc since 2.2.5 exports, so that a binary built on a new
 * system loads on older ones too.
 */
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.2.5");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.2.5");
#endif

typedef struct {
  void (*work)(void *, int);
  void *arg;
  int t;
} Job;

/*
 * Runs one thread's share with subnormal floats flushed to zero (MXCSR FTZ and DAZ), then puts
 * the caller's mode back: Node's own code on the calling thread expects IEEE subnormals. A
 * trained decoder's backward pass is full of values below 1.2e-38 (relu gradients of tiny
 * activations, products of small weights), and on Intel cores every operation on one takes a
 * microcode assist of a hundred cycles or more: with a trained model's weights a training step ran 2.5x
 * slower, and the decoder's full-image backward 11x, than with fresh weights. Flushing them
 * changes no result by more than 1.2e-38 per product.
 */
static void work_flushed(void (*work)(void *, int), void *arg, int t) {
#if defined(__x86_64__) || defined(__i386__)
  const unsigned int mode = _mm_getcsr();
  _mm_setcsr(mode | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
  work(arg, t);
  _mm_setcsr(mode);
#else
  work(arg, t);
#endif
}

static void *start(void *p) {
  Job *j = p;
  work_flushed(j->work, j->arg, j->t);
  return NULL;
}

void parallel_run(int n, void (*work)(void *arg, int t), void *arg) {
  if (n <= 1) {
    work_flushed(work, arg, 0);
    return;
  }
  Job *jobs = calloc((size_t)n, sizeof(Job));
  pthread_t *ids = calloc((size_t)n, sizeof(pthread_t));
  char *started = calloc((size_t)n, 1);
  if (!jobs || !ids || !started) {
    free(jobs); free(ids); free(started);
    for (int t = 0; t < n; t++) work_flushed(work, arg, t);
    return;
  }
  for (int t = 1; t < n; t++) {
    jobs[t] = (Job){work, arg, t};
    started[t] = pthread_create(&ids[t], NULL, start, &jobs[t]) == 0;
  }
  work_flushed(work, arg, 0);
  for (int t = 1; t < n; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else work_flushed(work, arg, t);
  }
  free(jobs); free(ids); free(started);
}

int parallel_processors(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

double parallel_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
