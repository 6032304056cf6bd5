/*
 * members: the routes of /v1/members (docs/verification.md "Members").
 *
 *   GET  /v1/members   the ruling rule, the parties and every member with
 *                      its current verifier key and the log index it
 *                      took effect at
 *   POST /v1/members   a key change: a C2SP signed note (text/plain;
 *                      charset=utf-8) whose text is a member_key object
 *                      (verify/member.h), signed by the new key and the
 *                      member's current key (rotate) or every member's
 *                      key (add). The server holds no member's private
 *                      key: it checks the signatures against the keys the
 *                      log registered, then logs the note itself.
 *
 * An assessor may change only its own member's key; an admin relays any
 * properly signed note.
 */
#include <stdio.h>
#include <string.h>

#include "center/center.h"
#include "format/verform.h"
#include "record/timefmt.h"
#include "server/request.h"
#include "store/store.h"
#include "verify/member.h"

enum MHD_Result
members_list(struct request *r)
{
	struct store *s;
	json_t *m;

	s = store_pool_get(r->srv->readers);
	m = verform_members(s);
	store_pool_put(r->srv->readers, s);
	if (m == NULL)
		return http_problem(r, 503, "the store is unavailable");
	return http_json(r, 200, m);
}

static enum MHD_Result
changed(struct request *r)
{
	struct member_change *c = r->ctx;
	enum MHD_Result ret;
	int64_t index;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	return http_json(r, 201,
	    json_pack("{s:s,s:s,s:s,s:I}", "member", c->member, "action",
		c->add ? "add" : "rotate", "vkey", c->vkey, "index",
		(json_int_t)index));
}

enum MHD_Result
members_post(struct request *r)
{
	struct member_change *c;
	enum MHD_Result ret;
	struct store *s;
	json_t *all, *entry;
	char err[400];
	int used, rc;

	if (r->body_len == 0)
		return http_problem(r, 400, "the body must be a signed note");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return http_problem(r, 503, "out of memory");
	r->ctx = c;
	r->ctx_free = free;
	if (member_change_read(r->body, r->body_len, c, err, sizeof(err)) == -1)
		return http_problem(r, 422, "%s", err);
	if (r->who.role == ROLE_ASSESSOR && strcmp(r->who.member, c->member))
		return http_problem(r, 403,
		    "/member: an assessor of %s may not "
		    "change the keys of %s",
		    r->who.member, c->member);
	s = store_pool_get(r->srv->readers);
	used = store_key_used(s, c->vkey);
	all = verform_members(s);
	store_pool_put(r->srv->readers, s);
	if (used == -1 || all == NULL) {
		json_decref(all);
		return http_problem(r, 503, "the store is unavailable");
	}
	rc = member_change_check(r->body, r->body_len, c,
	    json_object_get(all, "members"), used, err, sizeof(err));
	json_decref(all);
	if (rc == -1)
		return http_problem(r, 422, "%s", err);
	entry = member_change_entry_new(r->body, r->body_len, r->who.name,
	    timefmt_now_ms());
	if (entry == NULL)
		return http_problem(r, 422, "the note is not UTF-8");
	ret = http_submit(r, entry, changed);
	json_decref(entry);
	return ret;
}
