/*
 * nomem: allocation that counts its failures (nomem.h).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/nomem.h"

static atomic_uint_fast64_t failures_all;

static void *
noted(void *p)
{
	if (p == NULL)
		atomic_fetch_add(&failures_all, 1);
	return p;
}

void *
nomem_malloc(size_t n)
{
	return noted(malloc(n));
}

void *
nomem_calloc(size_t n, size_t size)
{
	return noted(calloc(n, size));
}

void *
nomem_realloc(void *p, size_t n)
{
	return noted(realloc(p, n));
}

char *
nomem_strdup(const char *s)
{
	return noted(strdup(s));
}

uint64_t
nomem_failures_all(void)
{
	return atomic_load(&failures_all);
}
