/*
 * failmalloc: an LD_PRELOAD allocator for tests/integration/alloc_fail.t
 * that fails one allocation on demand, as SQLite's test allocator does.
 * SIGUSR1 arms it: the N-th allocation after that (malloc, calloc,
 * realloc, posix_memalign, aligned_alloc; N read from the file named by
 * $FAILMALLOC_FILE) returns NULL with ENOMEM, then it disarms. Every
 * thread's allocations count. For the release build (ASan has its own
 * allocator).
 *
 * $FAILMALLOC_AT=N arms it at start-up instead (a process that cannot be
 * signalled in time: `truce audit`). With $FAILMALLOC_TRACE naming a
 * file, the failing allocation's call stack is appended to it (addr2line
 * reads its offsets): whose allocation it was, truce's or a library's
 * own thread's. $FAILMALLOC_COUNT names a file for the number made.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_long left; /* allocations to the failing one; 0: disarmed */
static atomic_long made;	/* allocations made (FAILMALLOC_COUNT) */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);
static void *(*real_aligned)(size_t, size_t);

static void
trace(void)
{
	static atomic_int tracing;
	const char *path = getenv("FAILMALLOC_TRACE");
	void *pc[32];
	int n, fd;

	/* backtrace() may allocate the first time: not while tracing. */
	if (path == NULL || atomic_exchange(&tracing, 1) != 0)
		return;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		n = backtrace(pc, 32);
		(void)!write(fd, "failmalloc: failed here:\n", 26);
		backtrace_symbols_fd(pc, n, fd);
		close(fd);
	}
	atomic_store(&tracing, 0);
}

static int
fail_now(void)
{
	long v = atomic_load(&left);

	atomic_fetch_add(&made, 1);
	while (v > 0)
		if (atomic_compare_exchange_weak(&left, &v, v - 1)) {
			if (v != 1)
				return 0;
			trace();
			return 1;
		}
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
	const char *at = getenv("FAILMALLOC_AT");

	if (at != NULL)
		atomic_store(&left, strtol(at, NULL, 10));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = arm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
}

/* With $FAILMALLOC_COUNT naming a file, how many allocations the
   process made is written to it at exit: the range of N to sweep. */
__attribute__((destructor)) static void
failmalloc_count(void)
{
	const char *path = getenv("FAILMALLOC_COUNT");
	char buf[32];
	long v = atomic_load(&made), i = (long)sizeof(buf);
	int fd;

	if (path == NULL ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return;
	buf[--i] = '\n';
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && i > 0);
	(void)!write(fd, buf + i, sizeof(buf) - (size_t)i);
	close(fd);
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
