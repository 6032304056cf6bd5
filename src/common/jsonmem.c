/*
 * jsonmem: counts jansson's failed allocations per thread (jsonmem.h).
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/jsonmem.h"

static _Thread_local uint64_t failures;
static atomic_uint_fast64_t failures_all;

static void *
jsonmem_malloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL) {
		failures++;
		atomic_fetch_add(&failures_all, 1);
	}
	return p;
}

void
jsonmem_install(void)
{
	json_set_alloc_funcs(jsonmem_malloc, free);
}

uint64_t
jsonmem_failures(void)
{
	return failures;
}

uint64_t
jsonmem_failures_all(void)
{
	return (uint64_t)atomic_load(&failures_all);
}
