/*
 * member: rules, member keys and members' signed notes (see member.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/num.h"
#include "record/canon.h"
#include "verify/member.h"
#include "verify/principal.h"

int
member_rule_parse(const char *s, size_t nmembers, struct member_rule *r,
    char *err, size_t errlen)
{
	char buf[48], nerr[128];
	const char *sep;
	int64_t k, n;

	if (s == NULL || strcmp(s, "all") == 0) {
		r->k = r->n = 0;
		return 0;
	}
	sep = strstr(s, "-of-");
	if (sep == NULL || (size_t)(sep - s) >= sizeof(buf) ||
	    strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "rule: '%.40s' is not 'all' or 'K-of-N'",
		    s);
		return -1;
	}
	memcpy(buf, s, (size_t)(sep - s));
	buf[sep - s] = '\0';
	if (num_parse_i64(sep + 4, 1, 16, &n, nerr, sizeof(nerr)) == -1) {
		snprintf(err, errlen, "rule: N %s", nerr);
		return -1;
	}
	if ((size_t)n != nmembers) {
		snprintf(err, errlen,
		    "rule: N is %lld but the center has %zu "
		    "members",
		    (long long)n, nmembers);
		return -1;
	}
	if (num_parse_i64(buf, 1, n, &k, nerr, sizeof(nerr)) == -1) {
		snprintf(err, errlen, "rule: K %s", nerr);
		return -1;
	}
	r->k = k;
	r->n = n;
	return 0;
}

json_t *
member_rule_json(const struct member_rule *r)
{
	if (r->k == 0)
		return json_pack("{s:s}", "kind", "all");
	return json_pack("{s:s,s:I,s:I}", "kind", "k_of_n", "k",
	    (json_int_t)r->k, "n", (json_int_t)r->n);
}

int
member_rule_from_json(const json_t *v, struct member_rule *r)
{
	const char *kind = json_string_value(json_object_get(v, "kind"));
	json_int_t k, n;

	if (kind != NULL && strcmp(kind, "all") == 0) {
		r->k = r->n = 0;
		return 0;
	}
	if (kind == NULL || strcmp(kind, "k_of_n") != 0 ||
	    !json_is_integer(json_object_get(v, "k")) ||
	    !json_is_integer(json_object_get(v, "n")))
		return -1;
	k = json_integer_value(json_object_get(v, "k"));
	n = json_integer_value(json_object_get(v, "n"));
	if (k < 1 || n < k || n > 16)
		return -1;
	r->k = k;
	r->n = n;
	return 0;
}

int64_t
member_rule_needed(const struct member_rule *r, int64_t nmembers)
{
	if (r->k == 0 || r->k > nmembers)
		return nmembers;
	return r->k;
}

void
member_rule_format(const struct member_rule *r, char *buf, size_t len)
{
	if (r->k == 0)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, "%lld-of-%lld", (long long)r->k,
		    (long long)r->n);
}

int
member_vkey_check(const char *name, const char *vkey, char *err, size_t errlen)
{
	struct note_verifier *v;
	char why[160];
	int rc = -1;

	if (principal_name_check(name) == -1) {
		snprintf(err, errlen,
		    "member: '%.64s' is not a name (1-63 "
		    "letters, digits, '_' or '-')",
		    name);
		return -1;
	}
	if ((v = note_verifier_parse(vkey, strlen(vkey), why, sizeof(why))) ==
	    NULL) {
		snprintf(err, errlen, "member %s: %s", name, why);
		return -1;
	}
	if (note_verifier_type(v) != NOTE_KEY_ED25519)
		snprintf(err, errlen,
		    "member %s: the key must be an Ed25519 "
		    "note key (truce keygen %s), not a cosigning key",
		    name, name);
	else if (strcmp(note_verifier_name(v), name) != 0)
		snprintf(err, errlen,
		    "member %s: the key is named '%.64s'; a "
		    "member's key carries the member's name (truce keygen %s)",
		    name, note_verifier_name(v), name);
	else
		rc = 0;
	note_verifier_free(v);
	return rc;
}

json_t *
member_note_json(const char *note, size_t len, char *err, size_t errlen)
{
	size_t textlen, clen;
	json_t *v = NULL;
	json_error_t je;
	char why[160], *canon = NULL;

	if (len > MEMBER_NOTE_MAX) {
		snprintf(err, errlen,
		    "the signed note is %zu bytes, over the "
		    "limit of %d",
		    len, MEMBER_NOTE_MAX);
		return NULL;
	}
	if (note_split((const uint8_t *)note, len, &textlen, why,
		sizeof(why)) == -1) {
		snprintf(err, errlen, "not a signed note: %s", why);
		return NULL;
	}
	/* textlen counts the text's final newline. */
	if (textlen < 2 || note[textlen - 1] != '\n') {
		snprintf(err, errlen,
		    "the note's text must be one JSON object "
		    "and a newline");
		return NULL;
	}
	v = json_loadb(note, textlen - 1, JSON_REJECT_DUPLICATES, &je);
	if (v == NULL || !json_is_object(v)) {
		snprintf(err, errlen,
		    "the note's text is not a JSON object%s%s", v ? "" : ": ",
		    v ? "" : je.text);
		goto fail;
	}
	if (canon_encode(v, &canon, &clen) == -1 || clen != textlen - 1 ||
	    memcmp(canon, note, clen) != 0) {
		snprintf(err, errlen,
		    "the note's text is not canonical JSON "
		    "(RFC 8785: sorted keys, no spaces, integers only)");
		goto fail;
	}
	free(canon);
	return v;
fail:
	free(canon);
	json_decref(v);
	return NULL;
}

int
member_note_verify(const char *note, size_t len, const char *const *vkeys,
    size_t n, char *err, size_t errlen)
{
	struct note_verifier *v = NULL;
	const struct note_verifier *known[1];
	struct note *opened;
	enum note_error e;
	char why[200];
	size_t i;
	int rc = -1;

	if (n == 0 || n > MEMBER_MAX_SIGNERS) {
		snprintf(err, errlen, "between 1 and %d keys must sign",
		    MEMBER_MAX_SIGNERS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((v = note_verifier_parse(vkeys[i], strlen(vkeys[i]), why,
			 sizeof(why))) == NULL) {
			snprintf(err, errlen, "registered key: %s", why);
			goto done;
		}
		known[0] = v;
		opened = note_open((const uint8_t *)note, len, known, 1, &e,
		    why, sizeof(why));
		if (opened == NULL) {
			if (e == NOTE_NO_VERIFIABLE)
				snprintf(err, errlen,
				    "the note is not signed "
				    "by the registered key of %s (%s+%08x)",
				    note_verifier_name(v),
				    note_verifier_name(v),
				    (unsigned)note_verifier_key_id(v));
			else if (e == NOTE_INVALID_SIGNATURE)
				snprintf(err, errlen,
				    "the signature of %s "
				    "does not verify: the note was altered or "
				    "forged",
				    note_verifier_name(v));
			else
				snprintf(err, errlen, "%s", why);
			goto done;
		}
		note_free(opened);
		note_verifier_free(v);
		v = NULL;
	}
	rc = 0;
done:
	note_verifier_free(v);
	return rc;
}

int
member_change_read(const char *note, size_t len, struct member_change *c,
    char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "v", "action", "member",
		"vkey", "at_ms", NULL };
	struct member_change out;
	const char *k, *action, *member, *vkey;
	json_t *o, *val;
	size_t i;
	int rc = -1, known;

	if ((o = member_note_json(note, len, err, errlen)) == NULL)
		return -1;
	memset(&out, 0, sizeof(out));
	json_object_foreach(o, k, val)
	{
		for (known = 0, i = 0; keys[i] != NULL; i++)
			known |= strcmp(keys[i], k) == 0;
		if (!known) {
			snprintf(err, errlen, "/%.64s: unknown field", k);
			goto done;
		}
	}
	if (json_string_value(json_object_get(o, "type")) == NULL ||
	    strcmp(json_string_value(json_object_get(o, "type")),
		"member_key") != 0) {
		snprintf(err, errlen, "/type: must be \"member_key\"");
		goto done;
	}
	if (json_integer_value(json_object_get(o, "v")) != 1) {
		snprintf(err, errlen, "/v: must be 1");
		goto done;
	}
	action = json_string_value(json_object_get(o, "action"));
	if (action == NULL ||
	    (strcmp(action, "add") != 0 && strcmp(action, "rotate") != 0)) {
		snprintf(err, errlen, "/action: must be \"add\" or \"rotate\"");
		goto done;
	}
	member = json_string_value(json_object_get(o, "member"));
	if (principal_name_check(member) == -1) {
		snprintf(err, errlen,
		    "/member: must be 1-63 letters, digits, "
		    "'_' or '-'");
		goto done;
	}
	vkey = json_string_value(json_object_get(o, "vkey"));
	if (vkey == NULL || strlen(vkey) >= sizeof(out.vkey)) {
		snprintf(err, errlen, "/vkey: required, under %zu bytes",
		    sizeof(out.vkey));
		goto done;
	}
	if (member_vkey_check(member, vkey, err, errlen) == -1)
		goto done;
	if (!json_is_integer(json_object_get(o, "at_ms")) ||
	    json_integer_value(json_object_get(o, "at_ms")) < 0) {
		snprintf(err, errlen, "/at_ms: must be a time in milliseconds");
		goto done;
	}
	out.add = strcmp(action, "add") == 0;
	snprintf(out.member, sizeof(out.member), "%s", member);
	snprintf(out.vkey, sizeof(out.vkey), "%s", vkey);
	out.at_ms = json_integer_value(json_object_get(o, "at_ms"));
	*c = out;
	rc = 0;
done:
	json_decref(o);
	return rc;
}

int
member_change_check(const char *note, size_t len, const struct member_change *c,
    const json_t *members, int key_used, char *err, size_t errlen)
{
	const char *vkeys[MEMBER_MAX_SIGNERS];
	const char *name, *current = NULL;
	const json_t *m;
	size_t i, n = 0;

	if (key_used) {
		snprintf(err, errlen,
		    "/vkey: this key was registered before; "
		    "a retired key is never reinstated");
		return -1;
	}
	vkeys[n++] = c->vkey;
	json_array_foreach(members, i, m)
	{
		name = json_string_value(json_object_get(m, "name"));
		if (name != NULL && strcmp(name, c->member) == 0)
			current = json_string_value(json_object_get(m, "vkey"));
		if (c->add && n < MEMBER_MAX_SIGNERS)
			vkeys[n++] =
			    json_string_value(json_object_get(m, "vkey"));
	}
	if (c->add && current != NULL) {
		snprintf(err, errlen,
		    "/member: %s is a member already; "
		    "rotate its key instead",
		    c->member);
		return -1;
	}
	if (!c->add && current == NULL) {
		snprintf(err, errlen,
		    "/member: %s is not a member of this "
		    "center",
		    c->member);
		return -1;
	}
	if (c->add && json_array_size(members) + 1 > 16) {
		snprintf(err, errlen,
		    "/member: the center has the limit of 16 "
		    "members");
		return -1;
	}
	if (!c->add)
		vkeys[n++] = current;
	for (i = 0; i < n; i++)
		if (vkeys[i] == NULL) {
			snprintf(err, errlen, "a member has no registered key");
			return -1;
		}
	return member_note_verify(note, len, vkeys, n, err, errlen);
}

json_t *
member_change_entry_new(const char *note, size_t len, const char *by,
    int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s%,s:s,s:I}", "type", "member", "v", 1,
	    "note", note, len, "by", by, "at_ms", (json_int_t)at_ms);
}
