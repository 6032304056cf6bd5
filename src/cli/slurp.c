/*
 * slurp: bounded whole-input reads for the CLI (see slurp.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/slurp.h"

int
slurp_stream(FILE *f, const char *what, size_t max, char **out, size_t *len,
    char *err, size_t errlen)
{
	char *buf = NULL, *grown;
	size_t used = 0, cap = 0, n;
	int r = -1;

	for (;;) {
		if (cap - used < 4096 + 1) {
			cap = cap == 0 ? 8192 : 2 * cap;
			if ((grown = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "%s: out of memory",
				    what);
				goto out;
			}
			buf = grown;
		}
		n = fread(buf + used, 1, cap - used - 1, f);
		used += n;
		if (used > max) {
			snprintf(err, errlen, "%s exceeds the %zu-byte limit",
			    what, max);
			goto out;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", what,
		    strerror(errno));
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = 0;
out:
	free(buf);
	return r;
}

int
slurp_file(const char *path, size_t max, char **out, size_t *len, char *err,
    size_t errlen)
{
	FILE *f;
	int r;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = slurp_stream(f, path, max, out, len, err, errlen);
	fclose(f);
	return r;
}
