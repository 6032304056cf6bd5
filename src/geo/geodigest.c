/*
 * geodigest: the digest of a geography (see geodigest.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "geo/describe.h"
#include "geo/geodigest.h"
#include "geo/layers.h"

#define LISTING_MAX (64 * 1024)

/* The rules' parameters that change the words, in listing order. */
static const struct {
	const char *name;
	double value;
} params[] = {
	{ "describe_search_m", DESCRIBE_SEARCH_M },
	{ "describe_unknown_population", DESCRIBE_UNKNOWN_POPULATION },
	{ "describe_in_m", DESCRIBE_IN_M },
	{ "layers_chain_snap_m", LAYERS_CHAIN_SNAP_M },
};

static const char *const kind_names[] = { "cities500", "postal",
	"admin1_labels", "zones", "zone_from_lines", "lines" };

/* s, or "-" when absent. */
static const char *
field(const char *s)
{
	return s == NULL || *s == '\0' ? "-" : s;
}

/* Lower-case hex SHA-256 of the file at path into hex. */
static int
hash_file(const char *path, char hex[GEODIGEST_HEX_LEN], char *err,
    size_t errlen)
{
	crypto_hash_sha256_state st;
	uint8_t buf[65536], h[crypto_hash_sha256_BYTES];
	struct stat sb;
	FILE *f;
	size_t n;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto done;
	}
	if (sb.st_size > LAYERS_MAX_FILE) {
		snprintf(err, errlen,
		    "%s: %lld bytes, more than the limit of "
		    "%ld",
		    path, (long long)sb.st_size, LAYERS_MAX_FILE);
		goto done;
	}
	crypto_hash_sha256_init(&st);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_hash_sha256_update(&st, buf, n);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto done;
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, GEODIGEST_HEX_LEN, h, sizeof(h));
	rc = 0;
done:
	fclose(f);
	return rc;
}

/* Adds file name (hashed from path) to g unless it is listed already. */
static int
add_file(struct geodigest *g, const char *name, const char *path, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < g->nfiles; i++)
		if (strcmp(g->path[i], name) == 0)
			return 0;
	if (g->nfiles == GEODIGEST_MAX_FILES) {
		snprintf(err, errlen, "geography: more than %d files",
		    GEODIGEST_MAX_FILES);
		return -1;
	}
	if ((size_t)snprintf(g->path[g->nfiles], GEODIGEST_PATH_LEN, "%s",
		name) >= GEODIGEST_PATH_LEN) {
		snprintf(err, errlen,
		    "geography: %.64s...: name longer than "
		    "%d bytes",
		    name, GEODIGEST_PATH_LEN - 1);
		return -1;
	}
	if (hash_file(path, g->sha256[g->nfiles], err, errlen) == -1)
		return -1;
	g->nfiles++;
	return 0;
}

int
geodigest_compute(const char *datadir, const char *region, const char *aliases,
    struct geodigest *g, char *err, size_t errlen)
{
	const struct layers_file *files;
	char path[LAYERS_MAX_PATH];
	size_t n = 0, i;

	memset(g, 0, sizeof(*g));
	if ((size_t)snprintf(g->region, sizeof(g->region), "%s", region) >=
	    sizeof(g->region)) {
		snprintf(err, errlen, "region: longer than %zu bytes",
		    sizeof(g->region) - 1);
		return -1;
	}
	if (strcmp(region, "none") != 0 &&
	    layers_region_files(region, &files, &n) == -1) {
		snprintf(err, errlen, "region: unknown region '%s'", region);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", datadir,
			files[i].path) >= sizeof(path)) {
			snprintf(err, errlen,
			    "geo_data: %s/%s: path longer "
			    "than %zu bytes",
			    datadir, files[i].path, sizeof(path) - 1);
			return -1;
		}
		if (add_file(g, files[i].path, path, err, errlen) == -1)
			return -1;
	}
	if (aliases != NULL && *aliases != '\0' &&
	    add_file(g, GEODIGEST_ALIASES, aliases, err, errlen) == -1)
		return -1;
	if (geodigest_finish(g) == -1) {
		snprintf(err, errlen,
		    "geography: a file name holds a space or "
		    "a newline");
		return -1;
	}
	return 0;
}

/* Appends to buf at *pos; -1 when it does not fit. */
static int __attribute__((format(printf, 4, 5)))
put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return -1;
	*pos += (size_t)n;
	return 0;
}

/* 1 if s can stand in the listing (no space, no control character). */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20)
			return 0;
	return 1;
}

int
geodigest_finish(struct geodigest *g)
{
	const struct layers_file *files;
	char *buf = NULL, tp[GEODIGEST_PATH_LEN], th[GEODIGEST_HEX_LEN];
	uint8_t h[crypto_hash_sha256_BYTES];
	size_t pos = 0, n = 0, i, j;
	int rc = -1;

	/* Insertion sort: a few dozen files at most. */
	for (i = 1; i < g->nfiles; i++)
		for (j = i; j > 0 && strcmp(g->path[j - 1], g->path[j]) > 0;
		     j--) {
			memcpy(tp, g->path[j], sizeof(tp));
			memcpy(g->path[j], g->path[j - 1], sizeof(tp));
			memcpy(g->path[j - 1], tp, sizeof(tp));
			memcpy(th, g->sha256[j], sizeof(th));
			memcpy(g->sha256[j], g->sha256[j - 1], sizeof(th));
			memcpy(g->sha256[j - 1], th, sizeof(th));
		}
	if (!plain(g->region) || (buf = malloc(LISTING_MAX)) == NULL)
		goto done;
	if (put(buf, LISTING_MAX, &pos, "truce-geography 1\nregion %s\n",
		g->region) == -1)
		goto done;
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (put(buf, LISTING_MAX, &pos, "param %s %.17g\n",
			params[i].name, params[i].value) == -1)
			goto done;
	if (strcmp(g->region, "none") != 0 &&
	    layers_region_files(g->region, &files, &n) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		/* Names in the built-in table may hold spaces: quoted. */
		if (put(buf, LISTING_MAX, &pos,
			"layer %s %s \"%s\" \"%s\" "
			"\"%s\" \"%s\" \"%s\"\n",
			kind_names[files[i].kind], files[i].path,
			field(files[i].layer), field(files[i].name_props),
			field(files[i].filter_prop),
			field(files[i].filter_value),
			field(files[i].zone_name)) == -1)
			goto done;
	}
	for (i = 0; i < g->nfiles; i++) {
		if (!plain(g->path[i]) || !plain(g->sha256[i]))
			goto done;
		if (put(buf, LISTING_MAX, &pos, "file %s %s\n", g->path[i],
			g->sha256[i]) == -1)
			goto done;
	}
	crypto_hash_sha256(h, (const uint8_t *)buf, pos);
	sodium_bin2hex(g->digest, sizeof(g->digest), h, sizeof(h));
	rc = 0;
done:
	free(buf);
	return rc;
}
