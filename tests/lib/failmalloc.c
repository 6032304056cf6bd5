/*
 * failmalloc: an LD_PRELOAD allocator for tests/integration/alloc_fail.t
 * that fails one allocation on demand, as SQLite's test allocator does.
 * SIGUSR1 arms it: the N-th allocation after that (malloc, calloc,
 * realloc, posix_memalign, aligned_alloc; N read from the file named by
 * $FAILMALLOC_FILE) returns NULL with ENOMEM, then it disarms. Every
 * thread's allocations count. For the release build (ASan has its own
 * allocator).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long left; /* allocations to the failing one; 0: disarmed */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);
static void *(*real_aligned)(size_t, size_t);

static int
fail_now(void)
{
	long v = atomic_load(&left);

	while (v > 0)
		if (atomic_compare_exchange_weak(&left, &v, v - 1))
			return v == 1;
	return 0;
}

static void
arm(int sig)
{
	char buf[32] = { 0 };
	const char *f = getenv("FAILMALLOC_FILE");
	int fd;

	(void)sig;
	if (f == NULL || (fd = open(f, O_RDONLY)) == -1)
		return;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		atomic_store(&left, strtol(buf, NULL, 10));
	close(fd);
}

__attribute__((constructor)) static void
failmalloc_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = arm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
}

#define RESOLVE(p, name)                                                   \
	do {                                                               \
		if (p == NULL)                                             \
			*(void **)&p = dlsym(RTLD_NEXT, name);             \
	} while (0)

void *
malloc(size_t n)
{
	RESOLVE(real_malloc, "malloc");
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	static char early[4096]; /* for dlsym's own calloc, if any */
	static int resolving;

	if (real_calloc == NULL) {
		if (resolving)
			return memset(early, 0, sizeof(early));
		resolving = 1;
		RESOLVE(real_calloc, "calloc");
		resolving = 0;
	}
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	RESOLVE(real_realloc, "realloc");
	if (n > 0 && fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

int
posix_memalign(void **p, size_t a, size_t n)
{
	RESOLVE(real_memalign, "posix_memalign");
	if (fail_now())
		return ENOMEM;
	return real_memalign(p, a, n);
}

void *
aligned_alloc(size_t a, size_t n)
{
	RESOLVE(real_aligned, "aligned_alloc");
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_aligned(a, n);
}
