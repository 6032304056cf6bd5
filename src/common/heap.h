/*
 * heap: gives memory the process has freed back to the system, whichever
 * allocator serves malloc. The release build links jemalloc (Makefile),
 * which keeps freed pages dirty and purges them only as later allocations
 * come along: after one large request body (a parsed JSON tree is many
 * times its text) an idle server would hold gigabytes it no longer uses.
 * glibc's malloc keeps the top of its heaps the same way.
 */
#ifndef TRUCE_HEAP_H
#define TRUCE_HEAP_H

/*
 * Returns freed memory to the system now: jemalloc purges the dirty pages
 * of all its arenas; glibc trims its heaps (malloc_trim). Cost: a few
 * madvise calls per arena, milliseconds for gigabytes; call it after
 * freeing something large, not per request. Thread-safe.
 */
void heap_release(void);

#endif
