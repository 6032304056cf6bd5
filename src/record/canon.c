/*
 * canon: RFC 8785-style canonical JSON, integers only (see canon.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/canon.h"

void
canon_put(struct canon_buf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 512;
		while (b->len + n + 1 > ncap)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
canon_put_string(struct canon_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[7];

	canon_put(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\f': e = "\\f"; break;
		case '\r': e = "\\r"; break;
		default:
			if (c < 0x20) {
				esc[0] = '\\';
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				esc[6] = '\0';
				e = esc;
			}
		}
		if (e != NULL) {
			canon_put(b, s + i - run, run);
			run = 0;
			canon_put(b, e, strlen(e));
		} else
			run++;
	}
	canon_put(b, s + n - run, run);
	canon_put(b, "\"", 1);
}

struct member {
	const char *key;
	size_t klen;
	const json_t *value;
};

/* Decimal digits of v into the end of buf[32]; returns the first one. */
static char *
put_int(char buf[32], json_int_t iv)
{
	char *p = buf + 32;
	uint64_t u = iv < 0 ? (uint64_t)0 - (uint64_t)iv : (uint64_t)iv;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (iv < 0)
		*--p = '-';
	return p;
}

int
canon_put_int(struct canon_buf *b, json_int_t iv)
{
	char num[32], *d;

	if (iv > CANON_SAFE_INT || iv < -CANON_SAFE_INT)
		return -1;
	d = put_int(num, iv);
	canon_put(b, d, (size_t)(num + sizeof(num) - d));
	return 0;
}

static int
encode(struct canon_buf *b, const json_t *v, int depth)
{
	struct member small[16], *mem = small, tmp;
	const char *k;
	json_t *m;
	size_t i, j, n;
	int rc = -1;

	if (depth > CANON_MAX_DEPTH)
		return -1;
	switch (json_typeof(v)) {
	case JSON_NULL: canon_put(b, "null", 4); break;
	case JSON_TRUE: canon_put(b, "true", 4); break;
	case JSON_FALSE: canon_put(b, "false", 5); break;
	case JSON_INTEGER:
		if (canon_put_int(b, json_integer_value(v)) == -1)
			return -1;
		break;
	case JSON_REAL: return -1;
	case JSON_STRING:
		canon_put_string(b, json_string_value(v),
		    json_string_length(v));
		break;
	case JSON_ARRAY:
		canon_put(b, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				canon_put(b, ",", 1);
			if (encode(b, json_array_get(v, i), depth + 1) == -1)
				return -1;
		}
		canon_put(b, "]", 1);
		break;
	case JSON_OBJECT:
		/*
		 * Members sorted by key. Objects are small (an entry's have at
		 * most a dozen members), so an insertion sort over an array
		 * on the stack beats qsort and a lookup per key.
		 */
		n = json_object_size(v);
		if (n > sizeof(small) / sizeof(small[0]) &&
		    (mem = calloc(n, sizeof(*mem))) == NULL)
			return -1;
		i = 0;
		json_object_foreach((json_t *)v, k, m)
		{
			tmp.key = k;
			tmp.klen = strlen(k);
			tmp.value = m;
			for (j = i; j > 0 && strcmp(mem[j - 1].key, k) > 0; j--)
				mem[j] = mem[j - 1];
			mem[j] = tmp;
			i++;
		}
		canon_put(b, "{", 1);
		for (i = 0; i < n; i++) {
			if (i > 0)
				canon_put(b, ",", 1);
			canon_put_string(b, mem[i].key, mem[i].klen);
			canon_put(b, ":", 1);
			if (encode(b, mem[i].value, depth + 1) == -1)
				goto fail;
		}
		canon_put(b, "}", 1);
		if (mem != small)
			free(mem);
		break;
	}
	return b->failed ? -1 : 0;
fail:
	if (mem != small)
		free(mem);
	return rc;
}

int
canon_encode(const json_t *v, char **out, size_t *outlen)
{
	struct canon_buf b = { NULL, 0, 0, 0 };

	if (v == NULL || encode(&b, v, 0) == -1 || b.failed) {
		free(b.p);
		errno = b.failed ? ENOMEM : EINVAL;
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}
