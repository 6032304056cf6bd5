/*
 * csv: RFC 4180 record parser and formatter. See csv.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv.h"

struct csv_record {
	char *buf; /* the unquoted fields, each NUL-terminated */
	size_t cap;
	size_t nfields;
	size_t start[CSV_MAX_FIELDS];
};

struct csv_record *
csv_record_new(void)
{
	return calloc(1, sizeof(struct csv_record));
}

void
csv_record_free(struct csv_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->buf);
	free(rec);
}

size_t
csv_record_count(const struct csv_record *rec)
{
	return rec->nfields;
}

const char *
csv_record_field(const struct csv_record *rec, size_t i)
{
	return rec->buf + rec->start[i];
}

int
csv_parse(struct csv_record *rec, const char *text, size_t len, char *err,
    size_t errlen)
{
	size_t i = 0, o = 0, nf = 0;
	char *p;
	int ret = -1;

	/* The unquoted text is never longer than the text itself. */
	if (rec->cap < len + 1) {
		if ((p = realloc(rec->buf, len + 1)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		rec->buf = p;
		rec->cap = len + 1;
	}
	for (;;) {
		/* At the start of a field. */
		if (nf == CSV_MAX_FIELDS) {
			snprintf(err, errlen, "more than %d fields",
			    CSV_MAX_FIELDS);
			goto out;
		}
		rec->start[nf++] = o;
		if (i < len && text[i] == '"') {
			i++;
			for (;;) {
				if (i == len) {
					ret = 0; /* needs the next line */
					goto out;
				}
				if (text[i] == '"') {
					if (i + 1 < len && text[i + 1] == '"') {
						rec->buf[o++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				rec->buf[o++] = text[i++];
			}
			if (i < len && text[i] != ',') {
				snprintf(err, errlen,
				    "column %zu: text after the closing quote "
				    "of a field",
				    i + 1);
				goto out;
			}
		} else {
			while (i < len && text[i] != ',') {
				if (text[i] == '"') {
					snprintf(err, errlen,
					    "column %zu: quote inside an "
					    "unquoted field (quote the whole "
					    "field and double the quote)",
					    i + 1);
					goto out;
				}
				rec->buf[o++] = text[i++];
			}
		}
		rec->buf[o++] = '\0';
		if (i == len)
			break;
		i++; /* the comma */
	}
	rec->nfields = nf;
	ret = 1;
out:
	if (ret != 1)
		rec->nfields = 0;
	return ret;
}

static int
needs_quotes(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return 0;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return 1;
	return strpbrk(s, ",\"\r\n") != NULL;
}

char *
csv_format(const char *const *fields, size_t n)
{
	size_t i, len = 1, o = 0;
	const char *s, *q;
	char *out;

	for (i = 0; i < n; i++) {
		s = fields[i] ? fields[i] : "";
		len += 2 * strlen(s) + 3;
	}
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s = fields[i] ? fields[i] : "";
		if (i > 0)
			out[o++] = ',';
		if (needs_quotes(s)) {
			out[o++] = '"';
			for (q = s; *q != '\0'; q++) {
				if (*q == '"')
					out[o++] = '"';
				out[o++] = *q;
			}
			out[o++] = '"';
		} else {
			memcpy(out + o, s, strlen(s));
			o += strlen(s);
		}
	}
	out[o++] = '\n';
	out[o] = '\0';
	return out;
}
