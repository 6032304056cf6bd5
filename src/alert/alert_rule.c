/*
 * alert_rule: rule entries built and read in one place (see alert_rule.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "alert/alert_rule.h"
#include "common/num.h"
#include "record/observation.h"
#include "verify/principal.h"
#include "verify/workflow.h"

/* A list of names of one kind into a sorted canonical array. */
static json_t *
name_list(const json_t *v, const char *field, int (*valid)(const char *),
    const char *what, char *err, size_t errlen)
{
	const json_t *it;
	json_t *out;
	size_t i, j;
	const char *s;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > ALERT_RULE_MAX_LIST) {
		snprintf(err, errlen,
		    "/when/%s: must be an array of 1 to %d "
		    "%s",
		    field, ALERT_RULE_MAX_LIST, what);
		return NULL;
	}
	out = json_array();
	json_array_foreach(v, i, it)
	{
		s = json_string_value(it);
		if (s == NULL || strlen(s) > ALERT_RULE_ITEM_MAX || !valid(s)) {
			snprintf(err, errlen, "/when/%s/%zu: not one of the %s",
			    field, i, what);
			json_decref(out);
			return NULL;
		}
		for (j = 0; j < json_array_size(out); j++)
			if (strcmp(json_string_value(json_array_get(out, j)),
				s) >= 0)
				break;
		if (j < json_array_size(out) &&
		    strcmp(json_string_value(json_array_get(out, j)), s) == 0)
			continue;
		json_array_insert_new(out, j, json_string(s));
	}
	return out;
}

static int
valid_state(const char *s)
{
	enum workflow_state st;

	return workflow_state_parse(s, &st) == 0;
}

/* A party's name: what a liaison's principal names as its party. */
static int
valid_party(const char *s)
{
	return principal_name_check(s) == 0;
}

/* An integer field of when, within [lo, hi]; 0 absent, 1 set, -1 bad. */
static int
int_field(const json_t *when, const char *name, int64_t lo, int64_t hi,
    int64_t *out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(when, name);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		snprintf(err, errlen,
		    "/when/%s: must be an integer from "
		    "%" PRId64 " to %" PRId64,
		    name, lo, hi);
		return -1;
	}
	*out = json_integer_value(v);
	return 1;
}

/* The canonical "when" of the input's, or NULL with err. */
static json_t *
when_from_input(const json_t *in, char *err, size_t errlen)
{
	static const char *const keys[] = { "categories", "bbox", "zone",
		"states", "parties", "min_count", "window_s", "spike", NULL };
	static const double lo[] = { -180, -90, -180, -90 };
	static const double hi[] = { 180, 90, 180, 90 };
	const json_t *v;
	json_t *when, *list;
	const char *k, *z;
	int64_t mc = 0, ws = 0, sp = 0, e7[4];
	double d;
	size_t i;
	int known, has_mc, has_ws, has_sp;

	if (in == NULL)
		return json_object();
	if (!json_is_object(in)) {
		snprintf(err, errlen, "/when: must be an object");
		return NULL;
	}
	json_object_foreach((json_t *)in, k, v)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			snprintf(err, errlen, "/when/%.64s: unknown field", k);
			return NULL;
		}
	}
	when = json_object();
	if ((v = json_object_get(in, "categories")) != NULL) {
		if ((list = name_list(v, "categories", observation_is_category,
			 "observation categories", err, errlen)) == NULL)
			goto fail;
		json_object_set_new(when, "categories", list);
	}
	if ((v = json_object_get(in, "states")) != NULL) {
		if ((list = name_list(v, "states", valid_state,
			 "incident states", err, errlen)) == NULL)
			goto fail;
		json_object_set_new(when, "states", list);
	}
	if ((v = json_object_get(in, "parties")) != NULL) {
		if ((list = name_list(v, "parties", valid_party,
			 "party names (1 to 63 bytes of A-Z a-z 0-9 _ -)", err,
			 errlen)) == NULL)
			goto fail;
		if (json_object_get(when, "states") != NULL) {
			json_decref(list);
			snprintf(err, errlen,
			    "/when/parties: complaints are "
			    "observations, not state changes");
			goto fail;
		}
		json_object_set_new(when, "parties", list);
	}
	if ((v = json_object_get(in, "bbox")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) != 4) {
			snprintf(err, errlen,
			    "/when/bbox: must be [minlon, "
			    "minlat, maxlon, maxlat] in degrees");
			goto fail;
		}
		for (i = 0; i < 4; i++) {
			d = json_number_value(json_array_get(v, i));
			if (!json_is_number(json_array_get(v, i)) ||
			    !(d >= lo[i] && d <= hi[i])) {
				snprintf(err, errlen,
				    "/when/bbox/%zu: must be "
				    "a number from %g to %g",
				    i, lo[i], hi[i]);
				goto fail;
			}
			e7[i] = i < 2 ? (int64_t)floor(d * 1e7)
				      : (int64_t)ceil(d * 1e7);
		}
		if (e7[0] > e7[2] || e7[1] > e7[3]) {
			snprintf(err, errlen,
			    "/when/bbox: minimum above "
			    "maximum");
			goto fail;
		}
		json_object_set_new(when, "bbox",
		    json_pack("[I,I,I,I]", (json_int_t)e7[0], (json_int_t)e7[1],
			(json_int_t)e7[2], (json_int_t)e7[3]));
	}
	if ((v = json_object_get(in, "zone")) != NULL) {
		z = json_string_value(v);
		if (z == NULL || z[0] == '\0' ||
		    strlen(z) > ALERT_RULE_ZONE_MAX) {
			snprintf(err, errlen,
			    "/when/zone: must be a zone name "
			    "of 1 to %d bytes",
			    ALERT_RULE_ZONE_MAX);
			goto fail;
		}
		json_object_set_new(when, "zone", json_string(z));
	}
	if ((has_mc = int_field(in, "min_count", 1, ALERT_RULE_MAX_COUNT, &mc,
		 err, errlen)) == -1 ||
	    (has_ws = int_field(in, "window_s", 1, ALERT_RULE_MAX_WINDOW_S, &ws,
		 err, errlen)) == -1 ||
	    (has_sp = int_field(in, "spike", 2, ALERT_RULE_MAX_SPIKE, &sp, err,
		 errlen)) == -1)
		goto fail;
	if (has_ws != (has_mc || has_sp)) {
		snprintf(err, errlen, "/when/window_s: %s",
		    has_ws ? "goes with min_count or spike"
			   : "is required with "
			     "min_count or spike");
		goto fail;
	}
	if ((has_mc || has_sp) && json_object_get(when, "states") != NULL) {
		snprintf(err, errlen,
		    "/when/%s: thresholds count "
		    "observations, not state changes",
		    has_mc ? "min_count" : "spike");
		goto fail;
	}
	if (has_mc)
		json_object_set_new(when, "min_count", json_integer(mc));
	if (has_sp)
		json_object_set_new(when, "spike", json_integer(sp));
	if (has_ws)
		json_object_set_new(when, "window_s", json_integer(ws));
	return when;
fail:
	json_decref(when);
	return NULL;
}

/* 1 if url is http:// or https:// with a host, printable, bounded. */
static int
valid_url(const char *url)
{
	size_t i, n = strlen(url), skip;

	if (strncmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	if (n <= skip || n > ALERT_RULE_URL_MAX || url[skip] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return 0;
	return 1;
}

json_t *
alert_rule_from_input(const json_t *in, const char *by, int64_t now_ms,
    char secret[ALERT_RULE_SECRET_MAX + 1], char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "when", "webhook",
		"spot_report", NULL };
	const json_t *v, *hook;
	json_t *when = NULL, *entry = NULL;
	const char *k, *name, *url, *sec;
	uint8_t sha[crypto_hash_sha256_BYTES];
	char hex[65];
	size_t i;
	int known;

	if (!json_is_object(in)) {
		snprintf(err, errlen, "/: the body must be a JSON object");
		return NULL;
	}
	json_object_foreach((json_t *)in, k, v)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			snprintf(err, errlen, "/%.64s: unknown field", k);
			return NULL;
		}
	}
	name = json_string_value(json_object_get(in, "name"));
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > ALERT_RULE_NAME_MAX) {
		snprintf(err, errlen,
		    "/name: must be a string of 1 to %d "
		    "bytes",
		    ALERT_RULE_NAME_MAX);
		return NULL;
	}
	if ((when = when_from_input(json_object_get(in, "when"), err,
		 errlen)) == NULL)
		return NULL;
	if ((v = json_object_get(in, "spot_report")) != NULL &&
	    (!json_is_boolean(v) ||
		(json_is_true(v) && json_object_get(when, "spike") == NULL &&
		    json_object_get(when, "min_count") == NULL))) {
		snprintf(err, errlen,
		    "/spot_report: must be true or false, "
		    "and true only with /when/spike or /when/min_count");
		json_decref(when);
		return NULL;
	}
	entry = json_pack("{s:s,s:i,s:s,s:s,s:O,s:s,s:I}", "type", "alert_rule",
	    "v", 1, "action", "add", "name", name, "when", when, "by", by,
	    "at_ms", (json_int_t)now_ms);
	json_decref(when);
	if (entry == NULL) {
		snprintf(err, errlen, "/: out of memory");
		return NULL;
	}
	if (json_is_true(json_object_get(in, "spot_report")))
		json_object_set_new(entry, "spot_report", json_true());
	secret[0] = '\0';
	if ((hook = json_object_get(in, "webhook")) != NULL) {
		if (!json_is_object(hook) || json_object_size(hook) != 2) {
			snprintf(err, errlen,
			    "/webhook: must be {\"url\", "
			    "\"secret\"}");
			goto fail;
		}
		url = json_string_value(json_object_get(hook, "url"));
		sec = json_string_value(json_object_get(hook, "secret"));
		if (url == NULL || !valid_url(url)) {
			snprintf(err, errlen,
			    "/webhook/url: must be an http:// "
			    "or https:// URL of at most %d bytes",
			    ALERT_RULE_URL_MAX);
			goto fail;
		}
		if (sec == NULL || strlen(sec) < ALERT_RULE_SECRET_MIN ||
		    strlen(sec) > ALERT_RULE_SECRET_MAX ||
		    strpbrk(sec, " \t\r\n") != NULL) {
			snprintf(err, errlen,
			    "/webhook/secret: must be %d to "
			    "%d bytes without white space",
			    ALERT_RULE_SECRET_MIN, ALERT_RULE_SECRET_MAX);
			goto fail;
		}
		crypto_hash_sha256(sha, (const uint8_t *)sec, strlen(sec));
		sodium_bin2hex(hex, sizeof(hex), sha, sizeof(sha));
		json_object_set_new(entry, "webhook",
		    json_pack("{s:s,s:s}", "url", url, "secret_sha256", hex));
		snprintf(secret, ALERT_RULE_SECRET_MAX + 1, "%s", sec);
	}
	return entry;
fail:
	json_decref(entry);
	return NULL;
}

json_t *
alert_rule_disable_entry(int64_t id, const char *by, int64_t now_ms)
{
	return json_pack("{s:s,s:i,s:s,s:I,s:s,s:I}", "type", "alert_rule", "v",
	    1, "action", "disable", "rule", (json_int_t)id, "by", by, "at_ms",
	    (json_int_t)now_ms);
}

/* Copies a string field of at most max bytes into buf: 0 or -1. */
static int
copy_str(const json_t *o, const char *name, char *buf, size_t max)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (s == NULL || strlen(s) > max)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int
is_action(const json_t *entry, const char *action)
{
	const char *t = json_string_value(json_object_get(entry, "type"));
	const char *a = json_string_value(json_object_get(entry, "action"));

	return t != NULL && a != NULL && strcmp(t, "alert_rule") == 0 &&
	    strcmp(a, action) == 0;
}

int
alert_rule_parse(const json_t *entry, int64_t index, struct alert_rule *out)
{
	struct alert_rule r;
	const json_t *when, *v, *hook;
	size_t i;

	if (!is_action(entry, "add") ||
	    !json_is_object(when = json_object_get(entry, "when")))
		return -1;
	memset(&r, 0, sizeof(r));
	r.id = index;
	r.disabled = -1;
	if (copy_str(entry, "name", r.name, ALERT_RULE_NAME_MAX) == -1 ||
	    copy_str(entry, "by", r.by, sizeof(r.by) - 1) == -1)
		return -1;
	r.at_ms = json_integer_value(json_object_get(entry, "at_ms"));
	if ((v = json_object_get(when, "categories")) != NULL) {
		if (json_array_size(v) > ALERT_RULE_MAX_LIST)
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if (json_string_value(json_array_get(v, i)) == NULL ||
			    strlen(json_string_value(json_array_get(v, i))) >
				ALERT_RULE_ITEM_MAX)
				return -1;
			else
				snprintf(r.categories[r.ncategories++],
				    ALERT_RULE_ITEM_MAX + 1, "%s",
				    json_string_value(json_array_get(v, i)));
	}
	if ((v = json_object_get(when, "states")) != NULL) {
		if (json_array_size(v) > ALERT_RULE_MAX_LIST)
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if (json_string_value(json_array_get(v, i)) == NULL ||
			    strlen(json_string_value(json_array_get(v, i))) >
				ALERT_RULE_ITEM_MAX)
				return -1;
			else
				snprintf(r.states[r.nstates++],
				    ALERT_RULE_ITEM_MAX + 1, "%s",
				    json_string_value(json_array_get(v, i)));
	}
	if ((v = json_object_get(when, "parties")) != NULL) {
		if (json_array_size(v) > ALERT_RULE_MAX_LIST)
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if (json_string_value(json_array_get(v, i)) == NULL ||
			    strlen(json_string_value(json_array_get(v, i))) >
				ALERT_RULE_PARTY_MAX)
				return -1;
			else
				snprintf(r.parties[r.nparties++],
				    ALERT_RULE_PARTY_MAX + 1, "%s",
				    json_string_value(json_array_get(v, i)));
	}
	if ((v = json_object_get(when, "bbox")) != NULL) {
		if (json_array_size(v) != 4)
			return -1;
		r.has_bbox = 1;
		for (i = 0; i < 4; i++)
			r.bbox[i] = json_integer_value(json_array_get(v, i));
	}
	if (json_object_get(when, "zone") != NULL &&
	    copy_str(when, "zone", r.zone, ALERT_RULE_ZONE_MAX) == -1)
		return -1;
	r.min_count = json_integer_value(json_object_get(when, "min_count"));
	r.window_s = json_integer_value(json_object_get(when, "window_s"));
	r.spike = json_integer_value(json_object_get(when, "spike"));
	r.spot_report = json_is_true(json_object_get(entry, "spot_report"));
	if ((hook = json_object_get(entry, "webhook")) != NULL) {
		if (copy_str(hook, "url", r.url, ALERT_RULE_URL_MAX) == -1 ||
		    copy_str(hook, "secret_sha256", r.secret_sha256, 64) == -1)
			return -1;
		r.has_webhook = 1;
	}
	*out = r;
	return 0;
}

int
alert_rule_parse_disable(const json_t *entry, int64_t *id)
{
	const json_t *v = json_object_get(entry, "rule");

	if (!is_action(entry, "disable") || !json_is_integer(v))
		return -1;
	*id = json_integer_value(v);
	return 0;
}

void
alert_rule_id(int64_t id, char buf[ALERT_RULE_ID_MAX])
{
	snprintf(buf, ALERT_RULE_ID_MAX, "rule-%" PRId64, id);
}

int
alert_rule_parse_id(const char *s, int64_t *id)
{
	if (strncmp(s, "rule-", 5) == 0)
		s += 5;
	return num_parse_i64(s, 0, INT64_MAX - 1, id, NULL, 0);
}

json_t *
alert_rule_view(const struct alert_rule *r)
{
	char id[ALERT_RULE_ID_MAX];
	json_t *v, *when, *list;
	size_t i;

	alert_rule_id(r->id, id);
	when = json_object();
	if (r->ncategories > 0) {
		list = json_array();
		for (i = 0; i < r->ncategories; i++)
			json_array_append_new(list,
			    json_string(r->categories[i]));
		json_object_set_new(when, "categories", list);
	}
	if (r->nstates > 0) {
		list = json_array();
		for (i = 0; i < r->nstates; i++)
			json_array_append_new(list, json_string(r->states[i]));
		json_object_set_new(when, "states", list);
	}
	if (r->nparties > 0) {
		list = json_array();
		for (i = 0; i < r->nparties; i++)
			json_array_append_new(list, json_string(r->parties[i]));
		json_object_set_new(when, "parties", list);
	}
	if (r->has_bbox)
		json_object_set_new(when, "bbox",
		    json_pack("[f,f,f,f]", (double)r->bbox[0] / 1e7,
			(double)r->bbox[1] / 1e7, (double)r->bbox[2] / 1e7,
			(double)r->bbox[3] / 1e7));
	if (r->zone[0] != '\0')
		json_object_set_new(when, "zone", json_string(r->zone));
	if (r->min_count > 0)
		json_object_set_new(when, "min_count",
		    json_integer(r->min_count));
	if (r->spike > 0)
		json_object_set_new(when, "spike", json_integer(r->spike));
	if (r->min_count > 0 || r->spike > 0)
		json_object_set_new(when, "window_s",
		    json_integer(r->window_s));
	v = json_pack("{s:s,s:s,s:o,s:b,s:s,s:I}", "id", id, "name", r->name,
	    "when", when, "active", r->disabled < 0, "by", r->by, "at_ms",
	    (json_int_t)r->at_ms);
	if (v != NULL && r->spot_report)
		json_object_set_new(v, "spot_report", json_true());
	if (v != NULL && r->has_webhook)
		json_object_set_new(v, "webhook",
		    json_pack("{s:s}", "url", r->url));
	if (v != NULL && r->disabled >= 0)
		json_object_set_new(v, "disabled_index",
		    json_integer(r->disabled));
	return v;
}

int
alert_rule_matches(const struct alert_rule *r, const struct alert_facts *f)
{
	size_t i, j;
	int ok;

	if (r->nstates > 0) {
		if (f->state == NULL)
			return 0;
		for (ok = 0, i = 0; i < r->nstates; i++)
			ok |= strcmp(r->states[i], f->state) == 0;
		if (!ok)
			return 0;
	} else if (f->type == NULL || strcmp(f->type, "observation") != 0)
		return 0;
	if (r->ncategories > 0) {
		if (f->category == NULL)
			return 0;
		for (ok = 0, i = 0; i < r->ncategories; i++)
			ok |= strcmp(r->categories[i], f->category) == 0;
		if (!ok)
			return 0;
	}
	if (r->nparties > 0) {
		if (f->complaint_party == NULL)
			return 0;
		for (ok = 0, i = 0; i < r->nparties; i++)
			ok |= strcmp(r->parties[i], f->complaint_party) == 0;
		if (!ok)
			return 0;
	}
	if (r->has_bbox &&
	    (!f->located || f->lon_e7 < r->bbox[0] || f->lat_e7 < r->bbox[1] ||
		f->lon_e7 > r->bbox[2] || f->lat_e7 > r->bbox[3]))
		return 0;
	if (r->zone[0] != '\0') {
		for (ok = 0, j = 0; j < f->nzones; j++)
			ok |= strcmp(f->zones[j], r->zone) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

void
alert_delivery_id(int64_t rule, int64_t index, char buf[ALERT_DELIVERY_ID_MAX])
{
	snprintf(buf, ALERT_DELIVERY_ID_MAX, "d-%" PRId64 "-%" PRId64, rule,
	    index);
}

json_t *
alert_failed_entry(int64_t rule, int64_t index, int64_t attempts,
    const char *error, int64_t now_ms)
{
	char id[ALERT_DELIVERY_ID_MAX], e[256];

	alert_delivery_id(rule, index, id);
	snprintf(e, sizeof(e), "%s", error);
	return json_pack("{s:s,s:i,s:s,s:I,s:I,s:I,s:s,s:I}", "type",
	    "alert_failed", "v", 1, "delivery", id, "rule", (json_int_t)rule,
	    "index", (json_int_t)index, "attempts", (json_int_t)attempts,
	    "error", e, "at_ms", (json_int_t)now_ms);
}

int
alert_failed_parse(const json_t *entry, int64_t *rule, int64_t *index)
{
	const char *t = json_string_value(json_object_get(entry, "type"));
	const json_t *r = json_object_get(entry, "rule");
	const json_t *i = json_object_get(entry, "index");

	if (t == NULL || strcmp(t, "alert_failed") != 0 ||
	    !json_is_integer(r) || !json_is_integer(i))
		return -1;
	*rule = json_integer_value(r);
	*index = json_integer_value(i);
	return 0;
}

int
alert_window_add(struct alert_window *w, int64_t t_ms, int64_t window_s,
    int64_t min_count)
{
	int64_t span = window_s * 1000, latest;
	size_t i, lo, keep, count;
	int64_t *nt;

	if (min_count <= 1)
		return 1;
	if (w->n == w->cap) {
		keep = w->cap ? w->cap * 2 : 64;
		if ((nt = realloc(w->t, keep * sizeof(*nt))) == NULL)
			return -1;
		w->t = nt;
		w->cap = keep;
	}
	/* Insert in order (observations may arrive late). */
	for (i = w->n; i > 0 && w->t[i - 1] > t_ms; i--)
		w->t[i] = w->t[i - 1];
	w->t[i] = t_ms;
	w->n++;
	/* Forget what fell out of the window of the latest time. */
	latest = w->t[w->n - 1];
	for (lo = 0; lo < w->n && w->t[lo] <= latest - span; lo++)
		;
	if (w->n - lo > ALERT_RULE_MAX_COUNT)
		lo = w->n - ALERT_RULE_MAX_COUNT;
	if (lo > 0) {
		memmove(w->t, w->t + lo, (w->n - lo) * sizeof(*w->t));
		w->n -= lo;
	}
	/* What is left lies within the window ending at the latest. */
	count = w->n;
	if ((int64_t)count < min_count) {
		w->disarmed = 0;
		return 0;
	}
	if (w->disarmed)
		return 0;
	w->disarmed = 1;
	return 1;
}

int
alert_window_spike(struct alert_window *w, int64_t t_ms, int64_t window_s,
    int64_t min_count, int64_t spike)
{
	int64_t span = window_s * 1000, week = ALERT_SPIKE_HISTORY_S * 1000;
	int64_t latest, now_n, before_n;
	size_t i, lo, keep;
	int64_t *nt;

	if (w->n == w->cap) {
		keep = w->cap ? w->cap * 2 : 64;
		if ((nt = realloc(w->t, keep * sizeof(*nt))) == NULL)
			return -1;
		w->t = nt;
		w->cap = keep;
	}
	for (i = w->n; i > 0 && w->t[i - 1] > t_ms; i--)
		w->t[i] = w->t[i - 1];
	w->t[i] = t_ms;
	w->n++;
	/* Keep the window and the week before it. */
	latest = w->t[w->n - 1];
	for (lo = 0; lo < w->n && w->t[lo] <= latest - span - week; lo++)
		;
	if (w->n - lo > ALERT_RULE_MAX_COUNT)
		lo = w->n - ALERT_RULE_MAX_COUNT;
	if (lo > 0) {
		memmove(w->t, w->t + lo, (w->n - lo) * sizeof(*w->t));
		w->n -= lo;
	}
	for (now_n = 0, i = w->n; i > 0 && w->t[i - 1] > latest - span; i--)
		now_n++;
	before_n = (int64_t)w->n - now_n;
	/*
	 * The window's count against spike times the week's mean count per
	 * window (before_n * window / week), in integers: now_n * week >=
	 * spike * before_n * window. With no history the mean is 0, and
	 * spike matches (or min_count, if larger) are a spike.
	 */
	if (now_n < (min_count > spike ? min_count : spike) ||
	    now_n * ALERT_SPIKE_HISTORY_S < spike * before_n * window_s) {
		w->disarmed = 0;
		return 0;
	}
	if (w->disarmed)
		return 0;
	w->disarmed = 1;
	return 1;
}

void
alert_window_free(struct alert_window *w)
{
	free(w->t);
	w->t = NULL;
	w->n = w->cap = 0;
}
