/*
 * jsonmem: counts jansson's failed allocations per thread (jsonmem.h).
 */
#include <stdlib.h>

#include <jansson.h>

#include "common/jsonmem.h"

static _Thread_local uint64_t failures;

static void *
jsonmem_malloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL)
		failures++;
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
