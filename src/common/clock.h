/*
 * clock: the few readings of time the code takes more than once — a
 * monotonic clock for durations, the process's CPU time for what work
 * cost on a shared machine, and an absolute deadline for
 * pthread_cond_timedwait (which counts in CLOCK_REALTIME).
 */
#ifndef TRUCE_CLOCK_H
#define TRUCE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC: subtract two readings for a duration. */
double clock_now_s(void);

/* CPU seconds this process has used (all threads). */
double clock_cpu_s(void);

/* *ts = now (CLOCK_REALTIME) + ms milliseconds (ms >= 0), normalized. */
void clock_deadline(struct timespec *ts, int64_t ms);

#endif
