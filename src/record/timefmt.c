/*
 * timefmt: RFC 3339 <-> epoch milliseconds. Day arithmetic after H. Hinnant's
 * "chrono-compatible low-level date algorithms" (days_from_civil).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "record/timefmt.h"

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
timefmt_parse(const char *s, int64_t *ms, char *err, size_t errlen)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, mo, d, h, mi, sec, frac = 0, nfrac = 0, oh = 0, om = 0, sign = 0;
	const char *p;
	int64_t v;
	size_t n = strlen(s);

	if (n < 20 || n > 35)
		goto bad;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		goto bad;
	p = s + 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nfrac == 3) {
				snprintf(err, errlen,
				    "'%.40s' has more than millisecond "
				    "precision (at most 3 fraction digits)",
				    s);
				return -1;
			}
			frac = frac * 10 + (*p - '0');
			nfrac++;
			p++;
		}
		if (nfrac == 0)
			goto bad;
		while (nfrac < 3) {
			frac *= 10;
			nfrac++;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' ||
		    digits(p + 4, 2, &om) || oh > 23 || om > 59)
			goto bad;
		p += 6;
	} else
		goto bad;
	if (*p != '\0')
		goto bad;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y)) || h > 23 || mi > 59 ||
	    sec > 59) {
		snprintf(err, errlen,
		    "'%.40s' is not a valid date and time (years 1970..9999, "
		    "no leap seconds)",
		    s);
		return -1;
	}
	v = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 +
	    mi * 60 + sec;
	v -= (int64_t)sign * (oh * 3600 + om * 60);
	if (v < 0) {
		snprintf(err, errlen, "'%.40s' is before 1970", s);
		return -1;
	}
	*ms = v * 1000 + frac;
	return 0;
bad:
	snprintf(err, errlen,
	    "'%.40s' is not an RFC 3339 date-time like "
	    "2026-11-28T14:20:00Z",
	    s);
	return -1;
}

/* Writes v as n decimal digits (zero-padded) at p. */
static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
timefmt_format(int64_t ms, char *buf)
{
	int64_t days, secs, y;
	unsigned m, d;
	int frac;

	if (ms < 0)
		ms = 0;
	days = ms / 86400000;
	secs = (ms / 1000) % 86400;
	frac = (int)(ms % 1000);
	civil_from_days(days, &y, &m, &d);
	if (y > 9999) {
		/* Beyond what timefmt_parse reads: printf widens the year. */
		if (frac)
			snprintf(buf, TIMEFMT_LEN,
			    "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
			    (long long)y, m, d, (int)(secs / 3600),
			    (int)(secs / 60 % 60), (int)(secs % 60), frac);
		else
			snprintf(buf, TIMEFMT_LEN,
			    "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m,
			    d, (int)(secs / 3600), (int)(secs / 60 % 60),
			    (int)(secs % 60));
		return;
	}
	/* The same text without printf: this runs for every time the API
	 * answers with (a page of observations formats a hundred). */
	put_digits(buf, (unsigned)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, (unsigned)(secs / 3600), 2);
	buf[13] = ':';
	put_digits(buf + 14, (unsigned)(secs / 60 % 60), 2);
	buf[16] = ':';
	put_digits(buf + 17, (unsigned)(secs % 60), 2);
	if (frac) {
		buf[19] = '.';
		put_digits(buf + 20, (unsigned)frac, 3);
		buf[23] = 'Z';
		buf[24] = '\0';
	} else {
		buf[19] = 'Z';
		buf[20] = '\0';
	}
}

int64_t
timefmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
