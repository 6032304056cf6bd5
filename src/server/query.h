/*
 * query: the one parser of a request's query string, for every route
 * (docs/api.md "Query parameters"). Each route lists the names it takes
 * (the route table in server.c); the parser refuses, with a message that
 * names the parameter:
 *   - a name the route does not take (listing the names it does);
 *   - a name given twice: neither the first nor the last silently wins;
 *   - a NUL byte in a name or a value, raw or percent-encoded (%00): C
 *     strings would cut the value there and read "5%00abc" as "5";
 *   - an empty name ("?=5", "?a=1&&b=2" is two names and an empty one);
 *   - a value longer than QUERY_VALUE_MAX bytes.
 * A name without "=" has the empty value. Percent-decoding is done before
 * (libmicrohttpd's, which reports each decoded length, so a decoded NUL
 * shows as a length longer than the C string).
 *
 * Pure: no I/O, no allocation; the values are borrowed from the caller,
 * who keeps them alive as long as the struct query.
 */
#ifndef TRUCE_QUERY_H
#define TRUCE_QUERY_H

#include <stddef.h>

#define QUERY_MAX_PARAMS 12  /* names one route may take */
#define QUERY_VALUE_MAX 1024 /* bytes of one value */

/* A request's parameters, by the route's names. */
struct query {
	const char *const *names;	     /* the route's, NULL-ended */
	const char *value[QUERY_MAX_PARAMS]; /* by name; NULL: absent */
};

/*
 * Starts q for a route taking names (a NULL-terminated list of at most
 * QUERY_MAX_PARAMS, not copied; NULL: the route takes none).
 */
void query_init(struct query *q, const char *const *names);

/*
 * Adds one decoded parameter: name (name_len bytes) and value (value_len
 * bytes, or NULL when the parameter had no "="). value is borrowed. 0, or
 * -1 with a message naming the parameter and the rule in err (q is then
 * unchanged).
 */
int query_add(struct query *q, const char *name, size_t name_len,
    const char *value, size_t value_len, char *err, size_t errlen);

/* The value of parameter name, or NULL when it was not given. */
const char *query_get(const struct query *q, const char *name);

/*
 * Writes the names q's route takes as "a, b, c" ("none" when it takes
 * none) into buf of len bytes (truncated to fit).
 */
void query_names(const struct query *q, char *buf, size_t len);

#endif
