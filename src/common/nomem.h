/*
 * nomem: allocation that counts its failures, process-wide, for the code
 * whose failure a caller must tell apart from a refusal: fusion's book
 * and its engine, which `truce audit` replays with. A replay that fails
 * while memory ran out is no evidence against the log (docs/audit.md);
 * the audit compares nomem_failures_all() before and after, as it does
 * jansson's (common/jsonmem.h) and SQLite's failures.
 */
#ifndef TRUCE_NOMEM_H
#define TRUCE_NOMEM_H

#include <stddef.h>
#include <stdint.h>

/* malloc, calloc, realloc and strdup, each counting a NULL it returns. */
void *nomem_malloc(size_t n);
void *nomem_calloc(size_t n, size_t size);
void *nomem_realloc(void *p, size_t n);
char *nomem_strdup(const char *s);

/* Failures counted so far, by every thread. */
uint64_t nomem_failures_all(void);

#endif
