/*
 * digest: GET /v1/observations/digest?from=A&to=B, the digest of the
 * observations the center's store holds at log indexes [A, B)
 * (store/obsdigest.h, docs/api.md). An auditor recomputes it from its own
 * replay of the log (`truce audit`, docs/audit.md) instead of fetching and
 * parsing the whole listing; it asks for the listing only where digests
 * differ, to name the first differing index.
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
