/* Unit test of record/timefmt: RFC 3339 <-> epoch milliseconds. */
#include <time.h>

#include "record/timefmt.h"
#include "tap.h"

/* timefmt_format against the C library's calendar, over 1970..12000. */
static void
formats_like_libc(void)
{
	char buf[TIMEFMT_LEN], want[TIMEFMT_LEN];
	uint64_t x = 88172645463325252ULL;
	int64_t ms;
	time_t t;
	struct tm tm;
	int i, bad = 0;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ms = (int64_t)(x % 316539475200000ULL); /* to 12000-01-01 */
		if (i % 4 == 0)
			ms -= ms % 1000;
		if (i < 3)
			ms = i == 0 ? 0 : i == 1 ? 253402300799999LL
					      : 253402300800000LL;
		t = (time_t)(ms / 1000);
		gmtime_r(&t, &tm);
		if (ms % 1000)
			snprintf(want, sizeof(want),
			    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
		else
			snprintf(want, sizeof(want),
			    "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec);
		timefmt_format(ms, buf);
		if (strcmp(buf, want) != 0 && bad++ < 5)
			diag("  %lld: got %s, want %s", (long long)ms, buf,
			    want);
	}
	ok(bad == 0, "formats 200,000 times as the C library does (%d "
	    "differ)", bad);
}

static void
parses(const char *s, int64_t want)
{
	int64_t ms = -1;
	char err[160];

	ok(timefmt_parse(s, &ms, err, sizeof(err)) == 0 && ms == want,
	    "%s -> %lld (got %lld)", s, (long long)want, (long long)ms);
}

static void
refuses(const char *s, const char *why)
{
	int64_t ms = 42;
	char err[160] = "";

	ok(timefmt_parse(s, &ms, err, sizeof(err)) == -1 && ms == 42,
	    "refuses %s (%s): %s", s, why, err);
}

int
main(void)
{
	char buf[TIMEFMT_LEN];

	parses("1970-01-01T00:00:00Z", 0);
	parses("2026-11-28T14:20:00Z", 1795875600000LL);
	parses("2026-11-28T14:20:00.5Z", 1795875600500LL);
	parses("2026-11-28T14:20:00.123Z", 1795875600123LL);
	parses("2026-11-28T17:20:00+03:00", 1795875600000LL);
	parses("2026-11-28T10:20:00-04:00", 1795875600000LL);
	parses("2024-02-29T00:00:00Z", 1709164800000LL);
	parses("2026-11-28t14:20:00z", 1795875600000LL);
	refuses("2026-11-28T14:20:00.1234Z", "sub-millisecond");
	refuses("2026-11-28 14:20:00Z", "space separator");
	refuses("2026-11-28T14:20:00", "no offset");
	refuses("2025-02-29T00:00:00Z", "not a leap year");
	refuses("2026-13-01T00:00:00Z", "month 13");
	refuses("2026-11-28T24:00:00Z", "hour 24");
	refuses("2026-11-28T14:20:60Z", "leap second");
	refuses("1969-12-31T23:59:59Z", "before 1970");
	refuses("2026-11-28T14:20:00Zjunk", "trailing junk");
	refuses("", "empty");
	timefmt_format(1795875600000LL, buf);
	is_str(buf, "2026-11-28T14:20:00Z", "formats whole seconds");
	timefmt_format(1795875600007LL, buf);
	is_str(buf, "2026-11-28T14:20:00.007Z", "formats milliseconds");
	timefmt_format(1709164800000LL, buf);
	is_str(buf, "2024-02-29T00:00:00Z", "formats a leap day");
	timefmt_format(-5, buf);
	is_str(buf, "1970-01-01T00:00:00Z", "formats a negative time as 0");
	formats_like_libc();
	ok(timefmt_now_ms() > 1795875600000LL, "clock is after 2026-11-28");
	return done_testing();
}
