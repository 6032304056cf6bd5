/*
 * evidence: the routes of /v1/evidence (docs/verification.md "Evidence").
 *
 *   POST /v1/evidence[?sha256=HEX]   the body is the item, unaltered, with
 *                                    its media type as Content-Type; an
 *                                    expected digest (the query, or an RFC
 *                                    9530 `Content-Digest: sha-256=:B64:`
 *                                    header) that does not match is 422,
 *                                    and so are two that disagree
 *   GET  /v1/evidence/{sha256}       the bytes, bit-identical, with the
 *                                    stored media type
 *   GET  /v1/evidence/{sha256}/custody  who uploaded and fetched it, when,
 *                                    at which log index
 *
 * The body is streamed to the content-addressed store (center/cas.h) as it
 * arrives, never held in memory. Every upload and every fetch is a log
 * entry (chain of custody, after the Berkeley Protocol on Digital Open
 * Source Investigations): {"type":"evidence","v":1,"action":"upload"|
 * "fetch","sha256","size","media_type","by","at_ms"}, and the answer waits
 * until that entry is durable. A liaison fetches only what it uploaded.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "center/cas.h"
#include "center/center.h"
#include "common/log.h"
#include "record/evidence_entry.h"
#include "record/timefmt.h"
#include "server/request.h"
#include "store/store.h"
#include "tlog/b64.h"

#define MEDIA_TYPE_MAX 127

struct upload {
	struct cas_writer *w;
	char media_type[MEDIA_TYPE_MAX + 1];
	char err[300];
	unsigned status; /* an error found while streaming, or 0 */
	char hex[CAS_HEX_LEN + 1];
	int64_t size;
	int existed;
	int fd; /* GET: the open item until it is sent */
};

static void
upload_free(void *ctx)
{
	struct upload *u = ctx;

	if (u == NULL)
		return;
	cas_writer_free(u->w);
	if (u->fd != -1)
		close(u->fd);
	free(u);
}

static struct upload *
upload_of(struct request *r)
{
	struct upload *u = r->ctx;

	if (u == NULL && (u = calloc(1, sizeof(*u))) != NULL) {
		u->fd = -1;
		r->ctx = u;
		r->ctx_free = upload_free;
	}
	return u;
}

static void
evidence_root(struct request *r, char *out, size_t len)
{
	center_path(r->srv->center->dir, "evidence", out, len);
}

/*
 * Normalizes a Content-Type into type/subtype, lower-case, parameters
 * dropped (RFC 6838 §4.2 names: 1-127 of A-Za-z0-9!#$&-^_.+, a letter or
 * digit first). 0 or -1.
 */
static int
media_type(const char *ctype, char out[MEDIA_TYPE_MAX + 1])
{
	size_t i, n = 0, part = 0;
	int slash = 0;
	char c;

	if (ctype == NULL)
		return -1;
	for (i = 0; ctype[i] != '\0' && ctype[i] != ';' && ctype[i] != ' ';
	     i++) {
		c = ctype[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '/') {
			if (slash || part == 0)
				return -1;
			slash = 1;
			part = 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			       (part > 0 && strchr("!#$&-^_.+", c) != NULL)))
			return -1;
		else
			part++;
		if (n == MEDIA_TYPE_MAX)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return slash && part > 0 ? 0 : -1;
}

/* The first chunk checks the media type and opens the upload. */
int
evidence_chunk(struct request *r, const char *data, size_t len)
{
	struct upload *u = upload_of(r);
	char root[PATH_MAX];

	if (u == NULL)
		return -1;
	if (u->w == NULL) {
		if (media_type(http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE),
			u->media_type) == -1) {
			u->status = 415;
			snprintf(u->err, sizeof(u->err),
			    "Content-Type: the "
			    "item's media type, type/subtype (RFC 6838), is "
			    "required");
			return -1;
		}
		evidence_root(r, root, sizeof(root));
		if ((u->w = cas_writer_new(root, u->err, sizeof(u->err))) ==
		    NULL) {
			u->status = 503;
			return -1;
		}
	}
	if (cas_writer_write(u->w, data, len, u->err, sizeof(u->err)) == -1) {
		u->status = 503;
		return -1;
	}
	return 0;
}

/* Reads 64 lower-case hex digits into out; 0 or -1. */
static int
hex_digest(const char *q, uint8_t out[32])
{
	size_t i;

	for (i = 0; q[i] != '\0' && i < 64; i++)
		if (!((q[i] >= '0' && q[i] <= '9') ||
			(q[i] >= 'a' && q[i] <= 'f')))
			return -1;
	if (i != 64 || q[64] != '\0')
		return -1;
	for (i = 0; i < 32; i++)
		out[i] = (uint8_t)(((q[2 * i] <= '9' ? q[2 * i] - '0'
						     : q[2 * i] - 'a' + 10)
				       << 4) |
		    (q[2 * i + 1] <= '9' ? q[2 * i + 1] - '0'
					 : q[2 * i + 1] - 'a' + 10));
	return 0;
}

/*
 * What the uploader said the digest is. Every statement is read: the
 * query's sha256 and each sha-256 member of each Content-Digest header;
 * they must all agree, and whichever is right, two that disagree refuse
 * the upload (422) rather than let one of them win.
 */
struct expected {
	uint8_t digest[32];
	int has;	   /* digest holds a stated value */
	int status;	   /* 0, or the error: 400 malformed, 422 */
	const char *first; /* where digest was stated */
	char err[300];
};

/* Records one stated digest d, from where. */
static void
expect(struct expected *x, const uint8_t d[32], const char *where)
{
	char a[65], b[65];

	if (x->status != 0)
		return;
	if (!x->has) {
		memcpy(x->digest, d, 32);
		x->has = 1;
		x->first = where;
		return;
	}
	if (memcmp(x->digest, d, 32) == 0)
		return;
	sodium_bin2hex(a, sizeof(a), x->digest, 32);
	sodium_bin2hex(b, sizeof(b), d, 32);
	x->status = 422;
	snprintf(x->err, sizeof(x->err),
	    "%s and %s disagree on the "
	    "expected SHA-256 (%.16s... and %.16s...); nothing was stored",
	    x->first, where, a, b);
}

/*
 * Reads the sha-256 members of one Content-Digest field value (RFC 9530:
 * an RFC 8941 dictionary, members separated by commas, a byte sequence
 * as :base64:); other algorithms are ignored.
 */
static enum MHD_Result
content_digest(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct expected *x = cls;
	const char *p, *end;
	uint8_t d[32];
	size_t n, len;

	(void)kind;
	if (strcasecmp(key, "Content-Digest") != 0 || value == NULL)
		return MHD_YES;
	for (p = value; *p != '\0' && x->status == 0; p += len) {
		p += strspn(p, " \t,");
		len = strcspn(p, ",");
		if (len < 8 || strncmp(p, "sha-256=", 8) != 0)
			continue;
		if (p[8] != ':' ||
		    (end = memchr(p + 9, ':', len - 9)) == NULL ||
		    b64_decode(p + 9, (size_t)(end - p - 9), d, 32, &n) == -1 ||
		    n != 32) {
			x->status = 400;
			snprintf(x->err, sizeof(x->err),
			    "Content-Digest: "
			    "sha-256 must be :base64 of 32 bytes: (RFC 9530)");
			break;
		}
		expect(x, d, "Content-Digest sha-256");
	}
	return x->status == 0 ? MHD_YES : MHD_NO;
}

/*
 * The digest the uploader expects, from ?sha256= (hex) and every
 * Content-Digest sha-256 (base64): 1 with it in out, 0 if none, -1 with
 * the status (400 malformed, 422 two that disagree) in *status and a
 * message in err.
 */
static int
expected_digest(struct request *r, uint8_t out[32], unsigned *status, char *err,
    size_t errlen)
{
	const char *q = http_query(r, "sha256");
	struct expected x;
	uint8_t d[32];

	memset(&x, 0, sizeof(x));
	if (q != NULL) {
		if (hex_digest(q, d) == -1) {
			x.status = 400;
			snprintf(x.err, sizeof(x.err),
			    "sha256: must be 64 "
			    "lower-case hex digits");
		} else
			expect(&x, d, "?sha256=");
	}
	if (x.status == 0)
		MHD_get_connection_values(r->conn, MHD_HEADER_KIND,
		    content_digest, &x);
	if (x.status != 0) {
		*status = (unsigned)x.status;
		snprintf(err, errlen, "%s", x.err);
		return -1;
	}
	if (x.has)
		memcpy(out, x.digest, 32);
	return x.has;
}

static enum MHD_Result
uploaded(struct request *r)
{
	struct upload *u = r->ctx;
	enum MHD_Result ret;
	int64_t index;
	char mt[MEDIA_TYPE_MAX + 1];
	struct store *s;
	int64_t size;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	s = store_pool_get(r->srv->readers);
	if (store_find_evidence(s, u->hex, &size, mt, sizeof(mt)) != 1)
		snprintf(mt, sizeof(mt), "%s", u->media_type);
	store_pool_put(r->srv->readers, s);
	return http_json(r, u->existed ? 200 : 201,
	    json_pack("{s:s,s:I,s:s,s:I,s:b}", "sha256", u->hex, "size",
		(json_int_t)u->size, "media_type", mt, "index",
		(json_int_t)index, "created", !u->existed));
}

/*
 * A failure of the evidence files: what happened, with its paths, goes to
 * the server's log; the answer says what it means without naming a path
 * of the server (507 when the disk is full).
 */
static enum MHD_Result
storage_problem(struct request *r, unsigned status, const char *err)
{
	log_warnx("evidence: %s", err);
	if (strstr(err, strerror(ENOSPC)) != NULL)
		return http_problem(r, 507,
		    "the center's disk is full: the "
		    "evidence was not stored; try again later");
	if (status == 500)
		return http_problem(r, 500,
		    "the stored item no longer "
		    "matches its SHA-256 (the server's log says more)");
	return http_problem(r, status,
	    "the evidence store failed (the "
	    "server's log says why); nothing was stored, try again");
}

enum MHD_Result
evidence_post(struct request *r)
{
	struct upload *u = upload_of(r);
	uint8_t want[32];
	char err[300];
	unsigned status = 400;
	int has, mismatch;
	enum MHD_Result ret;
	json_t *entry;

	if (u == NULL)
		return http_problem(r, 503, "out of memory");
	if (u->status == 503)
		return storage_problem(r, 503, u->err);
	if (u->status != 0)
		return http_problem(r, u->status, "%s", u->err);
	if (u->w == NULL)
		return http_problem(r, 400,
		    "the body is empty: evidence is "
		    "the item's bytes");
	if ((has = expected_digest(r, want, &status, err, sizeof(err))) == -1)
		return http_problem(r, status, "%s", err);
	if (cas_writer_finish(u->w, has ? want : NULL, u->hex, &u->size,
		&u->existed, &mismatch, err, sizeof(err)) == -1) {
		if (mismatch)
			return http_problem(r, 422, "%s; nothing was stored",
			    err);
		return storage_problem(r, 503, err);
	}
	entry = evidence_entry_upload(u->hex, u->size, u->media_type,
	    r->who.name, timefmt_now_ms());
	ret = http_submit(r, entry, uploaded);
	json_decref(entry);
	return ret;
}

static enum MHD_Result
fetched(struct request *r)
{
	struct upload *u = r->ctx;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int64_t index;
	char digest[64], b64[48], idx[32];
	uint8_t bin[32];
	size_t i;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	resp = MHD_create_response_from_fd((uint64_t)u->size, u->fd);
	if (resp == NULL)
		return http_problem(r, 503, "cannot send the item");
	u->fd = -1; /* the response closes it */
	for (i = 0; i < 32; i++)
		bin[i] = (uint8_t)(((u->hex[2 * i] <= '9'
					    ? u->hex[2 * i] - '0'
					    : u->hex[2 * i] - 'a' + 10)
				       << 4) |
		    (u->hex[2 * i + 1] <= '9' ? u->hex[2 * i + 1] - '0'
					      : u->hex[2 * i + 1] - 'a' + 10));
	b64_encode(bin, sizeof(bin), b64, sizeof(b64));
	snprintf(digest, sizeof(digest), "sha-256=:%s:", b64);
	snprintf(idx, sizeof(idx), "%lld", (long long)index);
	MHD_add_response_header(resp, "Content-Type", u->media_type);
	MHD_add_response_header(resp, "Repr-Digest", digest);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Disposition", "attachment");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Truce-Custody-Index", idx);
	http_reflects(r, resp);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result
evidence_get(struct request *r)
{
	struct upload *u = upload_of(r);
	char root[PATH_MAX], err[300];
	struct store *s;
	enum MHD_Result ret;
	json_t *entry;
	int found, corrupt;

	if (u == NULL)
		return http_problem(r, 503, "out of memory");
	snprintf(u->hex, sizeof(u->hex), "%.64s", r->arg);
	s = store_pool_get(r->srv->readers);
	found = store_find_evidence(s, r->arg, &u->size, u->media_type,
	    sizeof(u->media_type));
	if (found == 1 && r->who.role == ROLE_LIAISON)
		found = store_uploaded_by(s, r->arg, r->who.name);
	store_pool_put(r->srv->readers, s);
	if (found == -1)
		return http_problem(r, 503, "the store is unavailable");
	if (found == 0)
		return http_problem(r, 404, "no evidence has SHA-256 %.80s",
		    r->arg);
	evidence_root(r, root, sizeof(root));
	if (cas_open(root, u->hex, &u->fd, &u->size, &corrupt, err,
		sizeof(err)) == -1)
		return storage_problem(r, corrupt ? 500 : 503, err);
	entry = evidence_entry_fetch(u->hex, r->who.name, timefmt_now_ms());
	ret = http_submit(r, entry, fetched);
	json_decref(entry);
	return ret;
}

/* One step of the chain of custody as JSON (docs/api.md). */
static int
custody_step(void *ctx, const struct store_custody_row *row)
{
	json_array_append_new(ctx,
	    json_pack("{s:I,s:s,s:s,s:I}", "index", (json_int_t)row->index,
		"action", row->action, "by", row->by, "at_ms",
		(json_int_t)row->at_ms));
	return 0;
}

enum MHD_Result
evidence_custody(struct request *r)
{
	char mt[MEDIA_TYPE_MAX + 1];
	struct store *s;
	json_t *chain = NULL;
	int64_t size;
	int found;

	s = store_pool_get(r->srv->readers);
	found = store_find_evidence(s, r->arg, &size, mt, sizeof(mt));
	if (found == 1 &&
	    ((chain = json_array()) == NULL ||
		store_custody(s, r->arg, custody_step, chain) == -1))
		found = -1;
	store_pool_put(r->srv->readers, s);
	if (found == -1) {
		json_decref(chain);
		return http_problem(r, 503, "the store is unavailable");
	}
	if (found == 0)
		return http_problem(r, 404, "no evidence has SHA-256 %.80s",
		    r->arg);
	return http_json(r, 200,
	    json_pack("{s:s,s:I,s:s,s:o}", "sha256", r->arg, "size",
		(json_int_t)size, "media_type", mt, "custody", chain));
}
