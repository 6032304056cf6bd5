/*
 * query: the one query-string parser of every route (see query.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/query.h"

void
query_init(struct query *q, const char *const *names)
{
	memset(q, 0, sizeof(*q));
	q->names = names;
}

void
query_names(const struct query *q, char *buf, size_t len)
{
	size_t at = 0, i;
	int n;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (q->names == NULL || q->names[0] == NULL) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; q->names[i] != NULL && at < len; i++) {
		n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
		    q->names[i]);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

/* The index of name in q's names, or -1. */
static int
find(const struct query *q, const char *name)
{
	int i;

	for (i = 0;
	     q->names != NULL && q->names[i] != NULL && i < QUERY_MAX_PARAMS;
	     i++)
		if (strcmp(q->names[i], name) == 0)
			return i;
	return -1;
}

int
query_add(struct query *q, const char *name, size_t name_len, const char *value,
    size_t value_len, char *err, size_t errlen)
{
	char names[256];
	int i;

	if (name == NULL || name_len == 0 || name[0] == '\0') {
		if (name != NULL && name_len > 0)
			snprintf(err, errlen,
			    "a parameter name holds a NUL "
			    "byte (%%00)");
		else
			snprintf(err, errlen,
			    "an empty parameter name (the "
			    "query is name=value&name=value)");
		return -1;
	}
	if (strlen(name) != name_len) {
		snprintf(err, errlen,
		    "%.40s: a parameter name holds a NUL "
		    "byte (%%00)",
		    name);
		return -1;
	}
	if ((i = find(q, name)) == -1) {
		query_names(q, names, sizeof(names));
		snprintf(err, errlen,
		    "%.40s: not a parameter of this route "
		    "(%s)",
		    name, names);
		return -1;
	}
	if (q->value[i] != NULL) {
		snprintf(err, errlen, "%s: given more than once", name);
		return -1;
	}
	if (value == NULL) {
		value = "";
		value_len = 0;
	}
	if (strlen(value) != value_len) {
		snprintf(err, errlen, "%s: holds a NUL byte (%%00)", name);
		return -1;
	}
	if (value_len > QUERY_VALUE_MAX) {
		snprintf(err, errlen, "%s: longer than the limit of %d bytes",
		    name, QUERY_VALUE_MAX);
		return -1;
	}
	q->value[i] = value;
	return 0;
}

const char *
query_get(const struct query *q, const char *name)
{
	int i = find(q, name);

	return i == -1 ? NULL : q->value[i];
}
