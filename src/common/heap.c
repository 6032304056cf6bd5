/*
 * heap: returning freed memory to the system (see heap.h).
 */
#include <malloc.h>
#include <stddef.h>

#include "common/heap.h"

/*
 * jemalloc's control interface, present only when jemalloc is linked (the
 * release build); weak, so the other builds link without it and fall back
 * to glibc's malloc_trim.
 */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
    size_t newlen) __attribute__((weak));

/* jemalloc 5's MALLCTL_ARENAS_ALL: "arena.<all>.purge" */
#define HEAP_PURGE_ALL "arena.4096.purge"

void
heap_release(void)
{
	if (mallctl != NULL) {
		(void)mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
		(void)mallctl(HEAP_PURGE_ALL, NULL, NULL, NULL, 0);
		return;
	}
	(void)malloc_trim(0);
}
