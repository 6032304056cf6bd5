/*
 * vec.h: helpers for the conformance tests that read the JSON vector files
 * under tests/vectors/ (header-only, after tap.h): load a file, decode hex
 * and base64 fields, read integers that may exceed int64_t, and count each
 * file's results for the per-file summary.
 */
#ifndef TRUCE_VEC_H
#define TRUCE_VEC_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

/* Per-file tally printed by vec_summary(). */
struct vec_count {
	const char *file;
	int passed, failed, skipped;
};

/*
 * Loads tests/vectors/<dir>/<name> below $TRUCE_TOP (or the current
 * directory). flags go to json_load_file (JSON_DECODE_INT_AS_REAL for files
 * with integers beyond int64_t). Returns NULL and prints a diagnostic on
 * failure.
 */
static json_t *__attribute__((unused))
vec_load(const char *dir, const char *name, size_t flags)
{
	char path[1024];
	const char *top = getenv("TRUCE_TOP");
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/tests/vectors/%s/%s",
	    top != NULL ? top : ".", dir, name);
	j = json_load_file(path, flags, &e);
	if (j == NULL)
		printf("# cannot load %s: %s (line %d)\n", path, e.text,
		    e.line);
	return j;
}

/* The string member key of o, or "" if absent or not a string. */
static const char *__attribute__((unused))
vec_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Length in bytes of the string member key of o (strings may hold NULs). */
static size_t __attribute__((unused))
vec_strlen(const json_t *o, const char *key)
{
	return json_string_length(json_object_get(o, key));
}

/*
 * Integer member key of o into *out: a JSON integer, or a real that is an
 * exact integer inside int64_t. Returns -1 otherwise (absent, or a value a
 * caller holding int64_t could not pass, such as 2^64 - 1).
 */
static int __attribute__((unused))
vec_i64(const json_t *o, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	double d;

	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (d != floor(d) || d < -9223372036854775808.0 ||
	    d >= 9223372036854775808.0)
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* Decodes hex s into buf (at most max bytes); -1 on bad hex or overflow. */
static int __attribute__((unused))
vec_unhex(const char *s, uint8_t *buf, size_t max, size_t *len)
{
	const char *end = NULL;

	if (strlen(s) / 2 > max)
		return -1;
	if (sodium_hex2bin(buf, max, s, strlen(s), NULL, len, &end) != 0 ||
	    *end != '\0')
		return -1;
	return 0;
}

/* Decodes a 64-digit hex string into a 32-byte hash; -1 if not exactly. */
static int __attribute__((unused))
vec_hash(const char *s, uint8_t out[32])
{
	size_t len = 0;

	if (strlen(s) != 64 || vec_unhex(s, out, 32, &len) == -1 || len != 32)
		return -1;
	return 0;
}

/* Decodes standard padded base64 into buf; -1 on error or overflow. */
static int __attribute__((unused))
vec_unbase64(const char *s, uint8_t *buf, size_t max, size_t *len)
{
	if (sodium_base642bin(buf, max, s, strlen(s), NULL, len, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return 0;
}

/* Lower-case hex of buf[0..len-1] into out (2 * len + 1 bytes). */
static void __attribute__((unused))
vec_hex(const uint8_t *buf, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, buf, len);
}

/* Counts one vector result in c; use through vec_ok(). */
static void __attribute__((unused))
vec_pass(struct vec_count *c, int cond)
{
	if (cond)
		c->passed++;
	else
		c->failed++;
}

/* ok() that also counts the result in the vec_count c. */
#define vec_ok(c, cond, ...) vec_pass((c), ok((cond), __VA_ARGS__))

/* Prints the per-file counts and the total as TAP diagnostics. */
static void __attribute__((unused))
vec_summary(const struct vec_count *c, size_t n)
{
	int p = 0, f = 0, s = 0;
	size_t i;

	diag("%-36s %7s %7s %7s", "vector file", "passed", "failed",
	    "skipped");
	for (i = 0; i < n; i++) {
		diag("%-36s %7d %7d %7d", c[i].file, c[i].passed, c[i].failed,
		    c[i].skipped);
		p += c[i].passed;
		f += c[i].failed;
		s += c[i].skipped;
	}
	diag("%-36s %7d %7d %7d", "total", p, f, s);
}

#endif
