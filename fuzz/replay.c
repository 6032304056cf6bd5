/*
 * replay: runs a fuzz target over files, without libFuzzer (fuzz/fuzz.h).
 *
 *   replay_NAME FILE|DIR ...
 *
 * Calls LLVMFuzzerInitialize once if the target has one, then
 * LLVMFuzzerTestOneInput once per file (every regular file of a DIR, in
 * name order; REPLAY_VERBOSE=1 names each on standard error). Built with the ordinary compiler under ASan + UBSan by
 * `make test`, so every committed corpus input is replayed on every test
 * run and a regression input fails the run as its crash did. Exit status
 * 0 when every file ran (a sanitizer or FUZZ_CHECK aborts before), 1 when
 * a file could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_FILE (16 << 20) /* bytes of one input */

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int
replay_file(const char *path, size_t *nrun)
{
	FILE *f;
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    len > REPLAY_MAX_FILE || fseek(f, 0, SEEK_SET) == -1) {
		fprintf(stderr, "replay: %s: unreadable or over %d bytes\n",
		    path, REPLAY_MAX_FILE);
		goto done;
	}
	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		goto done;
	}
	if (getenv("REPLAY_VERBOSE") != NULL)
		fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	(*nrun)++;
	rc = 0;
done:
	free(buf);
	fclose(f);
	return rc;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir, size_t *nrun)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	char **names = NULL, **p, path[4096];
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((p = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				rc = -1;
				break;
			}
			names = p;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) < (int)sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && replay_file(path, nrun) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t nrun = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR ...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &nrun) == -1)
				rc = 1;
		} else if (replay_file(argv[i], &nrun) == -1)
			rc = 1;
	}
	printf("replay: %zu inputs\n", nrun);
	return rc;
}
