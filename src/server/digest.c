/*
 * digest: GET /v1/observations/digest?from=A&to=B, the digest of the
 * observations the center's store holds at log indexes [A, B)
 * (store/obsdigest.h, docs/api.md). An auditor recomputes it from its own
 * replay of the log (`truce audit`, docs/audit.md) instead of fetching and
 * parsing the whole listing; it asks for the listing only where digests
 * differ, to name the first differing index.
 *
 * GET /v1/state/digest?kind=K&from=A&to=B does the same for the state
 * derived from the log (store/statedigest.h): incidents, their states,
 * assessments, tasks and releases, principals, members, custody, reports.
 *
 * For log readers only: the digest says nothing that the entry bundles do
 * not, and a liaison, who may not read every entry, may not have it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/num.h"
#include "server/request.h"
#include "store/obsdigest.h"
#include "store/statedigest.h"
#include "store/store.h"

enum MHD_Result
digest_observations(struct request *r)
{
	const char *vfrom = http_query(r, "from"), *vto = http_query(r, "to");
	struct store *s;
	uint8_t d[OBSDIGEST_SIZE];
	char hex[2 * OBSDIGEST_SIZE + 1], err[128];
	int64_t from, to, applied = -1, count = 0;
	int rc = -1;

	if (vfrom == NULL || vto == NULL)
		return http_problem(r, 400, "from and to are required");
	if (num_parse_i64(vfrom, 0, INT64_MAX - OBSDIGEST_MAX_SPAN, &from, err,
		sizeof(err)) == -1)
		return http_problem(r, 400, "from: %s", err);
	if (num_parse_i64(vto, from, from + OBSDIGEST_MAX_SPAN, &to, err,
		sizeof(err)) == -1)
		return http_problem(r, 400,
		    "to: %s (at most %lld indexes per "
		    "digest)",
		    err, (long long)OBSDIGEST_MAX_SPAN);
	s = store_pool_get(r->srv->readers);
	/* The store may trail the log for a moment: a digest of a range it
	   has not applied yet would be wrong, not late. */
	if (store_applied_size(s, &applied) == 0 && applied >= to)
		rc = obsdigest_range(s, from, to, d, &count);
	store_pool_put(r->srv->readers, s);
	if (applied == -1 || (applied >= to && rc == -1))
		return http_problem(r, 503, "the store is unavailable");
	if (applied < to)
		return http_problem(r, 503,
		    "the store has applied %lld log "
		    "entries, fewer than to=%lld; ask again",
		    (long long)applied, (long long)to);
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	return http_json(r, 200,
	    json_pack("{s:I,s:I,s:I,s:s}", "from", (json_int_t)from, "to",
		(json_int_t)to, "count", (json_int_t)count, "digest", hex));
}

struct state_rows {
	json_t *rows; /* NULL: digest only */
};

static int
state_row(void *ctx, int64_t key, const char *name, const char *row, size_t len)
{
	struct state_rows *sr = ctx;
	json_t *rec;

	if ((rec = json_loadb(row, len, 0, NULL)) == NULL)
		return 1;
	json_array_append_new(sr->rows,
	    json_pack("{s:I,s:s,s:o}", "index", (json_int_t)key, "name", name,
		"row", rec));
	return 0;
}

/*
 * GET /v1/state/digest?kind=K&from=A&to=B&size=N[&rows=1]: the digest of
 * the rows of kind K (store/statedigest.h) whose key is in [A, B), as the
 * store holds them after exactly N log entries (state rows change with
 * later entries, so a digest is only comparable at one size: 409 when the
 * store is past N, 503 while it has not reached it); with rows=1, for at
 * most STATEDIGEST_MAX_ROWS indexes, the rows themselves too, so that an
 * auditor whose digest differs can name the row and the field.
 */
enum MHD_Result
digest_state(struct request *r)
{
	const char *vkind = http_query(r, "kind"),
		   *vrows = http_query(r, "rows");
	const char *vfrom = http_query(r, "from"), *vto = http_query(r, "to");
	const char *vsize = http_query(r, "size");
	struct state_rows sr = { NULL };
	struct store *s;
	uint8_t d[STATEDIGEST_SIZE];
	char hex[2 * STATEDIGEST_SIZE + 1], err[128];
	int64_t from, to, size, applied = -1, count = 0;
	int rc = -1, k;
	json_t *body;

	if (vkind == NULL || (k = statedigest_kind(vkind)) == -1)
		return http_problem(r, 400,
		    "kind: one of incidents, states, "
		    "assessments, tasks, principals, members, custody, "
		    "reports, sources, rules is required");
	if (vfrom == NULL || vto == NULL || vsize == NULL)
		return http_problem(r, 400, "from, to and size are required");
	if (num_parse_i64(vfrom, 0, INT64_MAX - STATEDIGEST_MAX_SPAN, &from,
		err, sizeof(err)) == -1)
		return http_problem(r, 400, "from: %s", err);
	if (num_parse_i64(vto, from, from + STATEDIGEST_MAX_SPAN, &to, err,
		sizeof(err)) == -1)
		return http_problem(r, 400,
		    "to: %s (at most %lld indexes per "
		    "digest)",
		    err, (long long)STATEDIGEST_MAX_SPAN);
	if (num_parse_i64(vsize, to, INT64_MAX, &size, err, sizeof(err)) == -1)
		return http_problem(r, 400, "size: %s (at least to)", err);
	if (vrows != NULL) {
		if (strcmp(vrows, "1") != 0)
			return http_problem(r, 400, "rows: must be 1");
		if (to - from > STATEDIGEST_MAX_ROWS)
			return http_problem(r, 400,
			    "rows: at most %d indexes "
			    "(to - from) when the rows are asked for",
			    STATEDIGEST_MAX_ROWS);
		if ((sr.rows = json_array()) == NULL)
			return http_problem(r, 503, "out of memory");
	}
	s = store_pool_get(r->srv->readers);
	/* One snapshot for the size, the digest and the rows. */
	if (store_read_begin(s) == 0) {
		if (store_applied_size(s, &applied) == 0 && applied == size) {
			rc = statedigest_range(s, k, from, to, d, &count);
			if (rc == 0 && sr.rows != NULL &&
			    statedigest_rows(s, k, from, to, state_row, &sr) ==
				-1)
				rc = -1;
		}
		store_read_end(s);
	}
	store_pool_put(r->srv->readers, s);
	if (rc == -1) {
		json_decref(sr.rows);
		if (applied == -1 || applied == size)
			return http_problem(r, 503, "the store is unavailable");
		if (applied < size)
			return http_problem(r, 503,
			    "the store has applied %lld "
			    "log entries, fewer than size=%lld; ask again",
			    (long long)applied, (long long)size);
		return http_problem(r, 409,
		    "the store has applied %lld log "
		    "entries, more than size=%lld: its state is comparable "
		    "only at its own size",
		    (long long)applied, (long long)size);
	}
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	body = json_pack("{s:s,s:I,s:I,s:I,s:I,s:s}", "kind", vkind, "from",
	    (json_int_t)from, "to", (json_int_t)to, "size", (json_int_t)size,
	    "count", (json_int_t)count, "digest", hex);
	if (body != NULL && sr.rows != NULL)
		json_object_set_new(body, "rows", sr.rows);
	else
		json_decref(sr.rows);
	return http_json(r, 200, body);
}
