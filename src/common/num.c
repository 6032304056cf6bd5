/*
 * num: checked parsing of decimal numbers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"

static void
seterr(char *err, size_t errlen, const char *s, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "'%.40s' %s", s, what);
}

int
num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out, char *err,
    size_t errlen)
{
	char *end;
	long long v;
	char what[96];

	if (s == NULL || *s == '\0' || strlen(s) > 32) {
		seterr(err, errlen, s ? s : "", "is not an integer");
		return -1;
	}
	if (*s == ' ' || *s == '\t' || *s == '+') {
		seterr(err, errlen, s, "is not an integer");
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		seterr(err, errlen, s, "is not an integer");
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		snprintf(what, sizeof(what), "is out of range [%lld, %lld]",
		    (long long)min, (long long)max);
		seterr(err, errlen, s, what);
		return -1;
	}
	*out = v;
	return 0;
}

int
num_parse_double(const char *s, double min, double max, double *out, char *err,
    size_t errlen)
{
	char *end;
	double v;
	char what[96];
	const char *p;

	if (s == NULL || *s == '\0' || strlen(s) > 64) {
		seterr(err, errlen, s ? s : "", "is not a number");
		return -1;
	}
	/* Only digits, sign, point and exponent: no hex, inf or nan. */
	for (p = s; *p != '\0'; p++)
		if (strchr("0123456789+-.eE", *p) == NULL) {
			seterr(err, errlen, s, "is not a number");
			return -1;
		}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0') {
		seterr(err, errlen, s, "is not a number");
		return -1;
	}
	if (errno == ERANGE || !isfinite(v) || v < min || v > max) {
		snprintf(what, sizeof(what), "is out of range [%g, %g]", min,
		    max);
		seterr(err, errlen, s, what);
		return -1;
	}
	*out = v;
	return 0;
}
