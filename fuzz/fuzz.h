/*
 * fuzz: what every fuzz target in fuzz/ shares (fuzz/README.md).
 *
 * A target is one file fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput
 * (and, when it needs set-up done once, LLVMFuzzerInitialize). The same
 * file is linked two ways: with libFuzzer (clang -fsanitize=fuzzer, `make
 * fuzz`) and with fuzz/replay.c (gcc, ASan + UBSan, `make test`), which
 * feeds it every file of its committed corpus fuzz/corpus/NAME/.
 *
 * A target never trusts its input: it hands the bytes to the parser as
 * they are, and checks what the parser promises (round trips, two
 * renderers agreeing) with FUZZ_CHECK, which aborts so that both drivers
 * report the input.
 */
#ifndef TRUCE_FUZZ_H
#define TRUCE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with where and what when a promise of the code under test fails. */
#define FUZZ_CHECK(cond)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: fuzz check failed: %s\n",  \
			    __FILE__, __LINE__, #cond);                    \
			abort();                                           \
		}                                                          \
	} while (0)

/*
 * A NUL-terminated copy of data (malloc'd; the caller frees), so that
 * parsers taking C strings see exactly the input; NULL when out of memory.
 * An input holding a NUL is cut there, as a C string caller would cut it.
 */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The data directory (data/geo's parent): $TRUCE_DATA, else the data/ of
 * the source tree the running binary was built in (build/asan/fuzz/
 * replay_NAME or build/fuzz/fuzz_NAME). 0, or -1 when none is found.
 */
static inline int
fuzz_datadir(char *buf, size_t len)
{
	char exe[4096], *slash;
	const char *env = getenv("TRUCE_DATA");
	ssize_t n;
	int up;

	if (env != NULL)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	for (up = 0; up < 4; up++) {
		if ((slash = strrchr(exe, '/')) == NULL)
			return -1;
		*slash = '\0';
		if (snprintf(buf, len, "%s/data/geo", exe) < (int)len &&
		    access(buf, R_OK) == 0)
			return snprintf(buf, len, "%s/data", exe) < (int)len ?
			    0 : -1;
	}
	return -1;
}

#endif
