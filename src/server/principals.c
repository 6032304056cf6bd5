/*
 * principals: the routes of /v1/principals and /v1/me (docs/api.md).
 *
 *   GET    /v1/me                 who the token belongs to
 *   GET    /v1/principals         every principal, active or revoked
 *   POST   /v1/principals         {"name","role","member"?,"party"?}:
 *                                 a principal and its token, shown once
 *   DELETE /v1/principals/{name}  revokes it: its tokens stop at once
 *
 * Each change is a log entry (verify/principal.h) written through the
 * sequencer; the answer waits until it is durable and applied, so a token
 * works (or stops working) as soon as the answer arrives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "center/center.h"
#include "record/timefmt.h"
#include "server/request.h"
#include "store/store.h"

/* The token of a principal being added, until the answer is sent. */
struct pending_token {
	char token[PRINCIPAL_TOKEN_LEN + 1];
	struct principal p;
};

static void
pending_free(void *ctx)
{
	if (ctx != NULL)
		sodium_memzero(ctx, sizeof(struct pending_token));
	free(ctx);
}

static json_t *
principal_json(const struct principal *p)
{
	json_t *o = json_pack("{s:s,s:s}", "name", p->name, "role",
	    principal_role_name(p->role));

	if (p->member[0] != '\0')
		json_object_set_new(o, "member", json_string(p->member));
	if (p->party[0] != '\0')
		json_object_set_new(o, "party", json_string(p->party));
	return o;
}

enum MHD_Result
principals_me(struct request *r)
{
	return http_json(r, 200, principal_json(&r->who));
}

/* One principal of the listing as JSON (docs/api.md): {"name","role",
 * "member"?,"party"?,"active","added_index","revoked_index"?}. */
static int
listed(void *ctx, const struct store_principal_row *row)
{
	json_t *o = json_pack("{s:s,s:s,s:b,s:I}", "name", row->name, "role",
	    row->role, "active", row->active, "added_index",
	    (json_int_t)row->added_index);

	if (row->member[0] != '\0')
		json_object_set_new(o, "member", json_string(row->member));
	if (row->party[0] != '\0')
		json_object_set_new(o, "party", json_string(row->party));
	if (row->revoked_index >= 0)
		json_object_set_new(o, "revoked_index",
		    json_integer(row->revoked_index));
	json_array_append_new(ctx, o);
	return 0;
}

enum MHD_Result
principals_list(struct request *r)
{
	struct store *s;
	json_t *list = json_array();
	int rc;

	s = store_pool_get(r->srv->readers);
	rc = list ? store_principals(s, listed, list) : -1;
	store_pool_put(r->srv->readers, s);
	if (rc == -1) {
		json_decref(list);
		return http_problem(r, 503, "the store is unavailable");
	}
	return http_json(r, 200, json_pack("{s:o}", "principals", list));
}

static enum MHD_Result
added(struct request *r)
{
	struct pending_token *pt = r->ctx;
	enum MHD_Result ret;
	int64_t index;
	json_t *body;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	body = principal_json(&pt->p);
	json_object_set_new(body, "index", json_integer(index));
	json_object_set_new(body, "token", json_string(pt->token));
	return http_json(r, 201, body);
}

/* Copies the optional string field key of o into out; -1 if not one. */
static int
field(const json_t *o, const char *key, char *out, size_t len)
{
	const json_t *v = json_object_get(o, key);

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= len)
		return -1;
	snprintf(out, len, "%s", json_string_value(v));
	return 0;
}

enum MHD_Result
principals_post(struct request *r)
{
	static const char *const keys[] = { "name", "role", "member", "party",
		NULL };
	struct pending_token *pt;
	enum MHD_Result ret;
	char role[32], err[300];
	const char *k;
	json_t *body, *v, *entry;
	size_t i;
	int known, status;

	if ((body = http_body_json(r, &ret)) == NULL)
		return ret;
	if (!json_is_object(body)) {
		json_decref(body);
		return http_problem(r, 400,
		    "the body must be an object "
		    "{\"name\",\"role\",\"member\"?,\"party\"?}");
	}
	json_object_foreach(body, k, v)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(k, keys[i]) == 0;
		if (!known) {
			ret = http_problem(r, 422,
			    "/%.64s: unknown field "
			    "(name, role, member, party)",
			    k);
			json_decref(body);
			return ret;
		}
	}
	if ((pt = calloc(1, sizeof(*pt))) == NULL) {
		json_decref(body);
		return http_problem(r, 503, "out of memory");
	}
	r->ctx = pt;
	r->ctx_free = pending_free;
	if (field(body, "name", pt->p.name, sizeof(pt->p.name)) == -1 ||
	    field(body, "member", pt->p.member, sizeof(pt->p.member)) == -1 ||
	    field(body, "party", pt->p.party, sizeof(pt->p.party)) == -1 ||
	    field(body, "role", role, sizeof(role)) == -1) {
		json_decref(body);
		return http_problem(r, 422,
		    "name, role, member and party are "
		    "strings of at most %d bytes",
		    PRINCIPAL_NAME_LEN - 1);
	}
	json_decref(body);
	pt->p.role = principal_role(role);
	entry = center_principal_add_entry(r->srv->center, r->who.name, &pt->p,
	    pt->token, &status, err, sizeof(err));
	if (entry == NULL)
		return http_problem(r, (unsigned)status, "%s", err);
	ret = http_submit(r, entry, added);
	json_decref(entry);
	return ret;
}

static enum MHD_Result
revoked(struct request *r)
{
	enum MHD_Result ret;
	int64_t index;

	if (http_written(r, &index, &ret) == -1)
		return ret;
	return http_json(r, 200,
	    json_pack("{s:s,s:b,s:I}", "name", r->arg, "revoked", 1, "index",
		(json_int_t)index));
}

enum MHD_Result
principals_delete(struct request *r)
{
	enum MHD_Result ret;
	char err[300];
	json_t *entry;
	int status;

	entry = center_principal_revoke_entry(r->srv->center, r->who.name,
	    r->arg, &status, err, sizeof(err));
	if (entry == NULL)
		return http_problem(r, (unsigned)status, "%s", err);
	ret = http_submit(r, entry, revoked);
	json_decref(entry);
	return ret;
}
