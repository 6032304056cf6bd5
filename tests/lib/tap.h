/*
 * tap.h: a tiny Test Anything Protocol emitter for the unit tests, read by
 * prove(1). Header-only; each test program includes it once.
 *
 *   ok(cond, "name %d", i);  is_int(got, want, "name");
 *   is_str(got, want, "name"); is_mem(got, want, len, "name");
 *   return done_testing();
 */
#ifndef TRUCE_TAP_H
#define TRUCE_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static int __attribute__((format(printf, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static void __attribute__((format(printf, 1, 2), unused))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define is_int(got, want, ...)                                               \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (!ok(g_ == w_, __VA_ARGS__))                              \
			diag("  got %lld, want %lld", g_, w_);               \
	} while (0)

#define is_str(got, want, ...)                                               \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		int c_ = (g_ != NULL && w_ != NULL) ? strcmp(g_, w_) == 0    \
						    : g_ == w_;              \
		if (!ok(c_, __VA_ARGS__))                                    \
			diag("  got '%s'\n#  want '%s'", g_ ? g_ : "(null)", \
			    w_ ? w_ : "(null)");                             \
	} while (0)

#define is_mem(got, want, len, ...)                                          \
	ok(memcmp((got), (want), (len)) == 0, __VA_ARGS__)

static int __attribute__((unused))
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#endif
