#define _GNU_SOURCE /* sched_getaffinity */
#include "parallel.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

static void *start(void *p) {
  Job *j = p;
  j->work(j->arg, j->t);
  return NULL;
}

void parallel_run(int n, void (*work)(void *arg, int t), void *arg) {
  if (n <= 1) {
    work(arg, 0);
    return;
  }
  Job *jobs = calloc((size_t)n, sizeof(Job));
  pthread_t *ids = calloc((size_t)n, sizeof(pthread_t));
  char *started = calloc((size_t)n, 1);
  if (!jobs || !ids || !started) {
    free(jobs); free(ids); free(started);
    for (int t = 0; t < n; t++) work(arg, t);
    return;
  }
  for (int t = 1; t < n; t++) {
    jobs[t] = (Job){work, arg, t};
    started[t] = pthread_create(&ids[t], NULL, start, &jobs[t]) == 0;
  }
  work(arg, 0);
  for (int t = 1; t < n; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else work(arg, t);
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
