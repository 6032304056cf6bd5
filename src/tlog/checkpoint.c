/*
 * checkpoint: strict C2SP tlog-checkpoint bodies (see checkpoint.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

struct checkpoint {
	char *origin;
	int64_t size;
	uint8_t root[MERKLE_HASH_SIZE];
	char *ext;
	size_t extlen;
};

static void
seterr(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* The line starting at text[*pos] (without "\n"); -1 if unterminated. */
static int
next_line(const uint8_t *text, size_t len, size_t *pos, const char **line,
    size_t *linelen)
{
	const uint8_t *nl;

	if (*pos >= len)
		return -1;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (nl == NULL)
		return -1;
	*line = (const char *)text + *pos;
	*linelen = (size_t)(nl - (text + *pos));
	*pos += *linelen + 1;
	return 0;
}

/* "0" or [1-9][0-9]* within int64_t. */
static int
parse_size(const char *s, size_t len, int64_t *out)
{
	char buf[24];
	size_t i;

	if (len == 0 || len >= sizeof(buf) || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return num_parse_i64(buf, 0, INT64_MAX, out, NULL, 0);
}

struct checkpoint *
checkpoint_parse(const uint8_t *text, size_t len, char *err, size_t errlen)
{
	struct checkpoint *c = NULL;
	const char *line;
	size_t linelen, pos = 0, extstart;
	char msg[160], why[96];

	if (len > CHECKPOINT_TEXT_MAX) {
		snprintf(msg, sizeof(msg),
		    "checkpoint of %zu bytes exceeds the %d-byte limit", len,
		    CHECKPOINT_TEXT_MAX);
		seterr(err, errlen, msg);
		goto fail;
	}
	if (note_text_check(text, len, why, sizeof(why)) == -1) {
		snprintf(msg, sizeof(msg), "checkpoint: %s", why);
		seterr(err, errlen, msg);
		goto fail;
	}
	if (len == 0 || text[len - 1] != '\n') {
		seterr(err, errlen, "checkpoint: last line lacks a newline");
		goto fail;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		seterr(err, errlen, "checkpoint: out of memory");
		goto fail;
	}
	if (next_line(text, len, &pos, &line, &linelen) == -1 || linelen == 0 ||
	    linelen > CHECKPOINT_ORIGIN_MAX) {
		snprintf(msg, sizeof(msg),
		    "checkpoint: origin line must be 1..%d bytes",
		    CHECKPOINT_ORIGIN_MAX);
		seterr(err, errlen, msg);
		goto fail;
	}
	if ((c->origin = strndup(line, linelen)) == NULL) {
		seterr(err, errlen, "checkpoint: out of memory");
		goto fail;
	}
	if (next_line(text, len, &pos, &line, &linelen) == -1 ||
	    parse_size(line, linelen, &c->size) == -1) {
		seterr(err, errlen,
		    "checkpoint: tree size line must be a decimal in "
		    "[0, 2^63 - 1] without leading zeros or sign");
		goto fail;
	}
	if (next_line(text, len, &pos, &line, &linelen) == -1 ||
	    merkle_hash_from_base64(line, linelen, c->root) == -1) {
		seterr(err, errlen,
		    "checkpoint: root hash line must be 44 characters of "
		    "canonical base64 of a 32-byte hash");
		goto fail;
	}
	extstart = pos;
	while (pos < len) {
		next_line(text, len, &pos, &line, &linelen);
		if (linelen == 0) {
			seterr(err, errlen, "checkpoint: empty extension line");
			goto fail;
		}
	}
	c->extlen = len - extstart;
	if ((c->ext = strndup((const char *)text + extstart, c->extlen)) ==
	    NULL) {
		seterr(err, errlen, "checkpoint: out of memory");
		goto fail;
	}
	return c;
fail:
	checkpoint_free(c);
	return NULL;
}

void
checkpoint_free(struct checkpoint *c)
{
	if (c == NULL)
		return;
	free(c->origin);
	free(c->ext);
	free(c);
}

const char *
checkpoint_origin(const struct checkpoint *c)
{
	return c->origin;
}

int64_t
checkpoint_size(const struct checkpoint *c)
{
	return c->size;
}

const uint8_t *
checkpoint_root(const struct checkpoint *c)
{
	return c->root;
}

const char *
checkpoint_extensions(const struct checkpoint *c, size_t *len)
{
	*len = c->extlen;
	return c->ext;
}

int
checkpoint_format(const char *origin, int64_t size,
    const uint8_t root[MERKLE_HASH_SIZE], const char *ext, char *buf,
    size_t cap, size_t *outlen, char *err, size_t errlen)
{
	char b64[MERKLE_BASE64_SIZE];
	struct checkpoint *c;
	int w;

	if (size < 0) {
		seterr(err, errlen, "checkpoint: negative tree size");
		return -1;
	}
	if (origin == NULL || strchr(origin, '\n') != NULL) {
		seterr(err, errlen, "checkpoint: origin must be one line");
		return -1;
	}
	merkle_hash_to_base64(root, b64);
	w = snprintf(buf, cap, "%s\n%lld\n%s\n%s", origin, (long long)size, b64,
	    ext != NULL ? ext : "");
	if (w < 0 || (size_t)w >= cap) {
		seterr(err, errlen, "checkpoint: buffer too small");
		return -1;
	}
	/* Refuse what the parser would refuse (bad origin, extensions). */
	c = checkpoint_parse((const uint8_t *)buf, (size_t)w, err, errlen);
	if (c == NULL)
		return -1;
	checkpoint_free(c);
	*outlen = (size_t)w;
	return 0;
}
