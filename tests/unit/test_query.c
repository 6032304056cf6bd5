/*
 * server/query: the one query parser: names a route takes, repeats, NUL
 * bytes (a decoded %00 shows as a length longer than the string), empty
 * names and values, the value limit, and the messages naming each.
 */
#include <string.h>

#include "server/query.h"
#include "tap.h"

static const char *const names[] = { "bbox", "limit", "cursor", NULL };

int
main(void)
{
	struct query q;
	char err[320], big[QUERY_VALUE_MAX + 2];

	query_init(&q, names);
	is_int(query_add(&q, "limit", 5, "5", 1, err, sizeof(err)), 0,
	    "a name the route takes");
	is_str(query_get(&q, "limit"), "5", "its value");
	ok(query_get(&q, "bbox") == NULL, "a name not given: NULL");
	ok(query_get(&q, "colour") == NULL, "a name not taken: NULL");

	is_int(query_add(&q, "limit", 5, "6", 1, err, sizeof(err)), -1,
	    "the same name again: refused");
	is_str(err, "limit: given more than once", "naming it");
	is_str(query_get(&q, "limit"), "5", "the first value is kept");

	is_int(query_add(&q, "cursor", 6, "5\0abc", 5, err, sizeof(err)), -1,
	    "a decoded %%00 in a value: refused");
	is_str(err, "cursor: holds a NUL byte (%00)", "naming it");
	ok(query_get(&q, "cursor") == NULL, "and not kept");
	is_int(query_add(&q, "cur\0sor", 7, "1", 1, err, sizeof(err)), -1,
	    "a NUL in a name: refused");
	is_str(err, "cur: a parameter name holds a NUL byte (%00)",
	    "saying so");

	is_int(query_add(&q, "colour", 6, "red", 3, err, sizeof(err)), -1,
	    "a name the route does not take: refused");
	is_str(err, "colour: not a parameter of this route (bbox, limit, "
	    "cursor)", "naming it and the names it takes");
	is_int(query_add(&q, "", 0, "5", 1, err, sizeof(err)), -1,
	    "an empty name: refused");
	ok(strstr(err, "an empty parameter name") != NULL, "saying so");

	is_int(query_add(&q, "cursor", 6, NULL, 0, err, sizeof(err)), 0,
	    "a name without '='");
	is_str(query_get(&q, "cursor"), "", "has the empty value");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(query_add(&q, "bbox", 4, big, QUERY_VALUE_MAX + 1, err,
	    sizeof(err)), -1, "a value over the limit: refused");
	is_str(err, "bbox: longer than the limit of 1024 bytes", "naming it");
	big[QUERY_VALUE_MAX] = '\0';
	is_int(query_add(&q, "bbox", 4, big, QUERY_VALUE_MAX, err,
	    sizeof(err)), 0, "a value at the limit is taken");

	query_init(&q, NULL);
	is_int(query_add(&q, "x", 1, "1", 1, err, sizeof(err)), -1,
	    "a route that takes none refuses any");
	is_str(err, "x: not a parameter of this route (none)", "saying none");
	return done_testing();
}
