/*
 * verify/member: ruling rules, member keys, members' signed notes (the
 * canonical-text rule, every required signature, forged and truncated
 * notes) and key changes (rotation, admission, reuse).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/canon.h"
#include "verify/member.h"
#include "tap.h"

static struct note_signer *
key(const char *name, char *vkey)
{
	char err[128];
	struct note_signer *s = note_signer_generate(name, NOTE_KEY_ED25519,
	    err, sizeof(err));

	note_signer_vkey(s, vkey, NOTE_VKEY_MAX);
	return s;
}

/* Signs text (+ "\n") by each signer; returns the note (free()). */
static char *
sign(const char *text, struct note_signer **signers, size_t n)
{
	char t[4096], line[NOTE_SIGLINE_MAX], err[128], *out;
	size_t len, i;

	snprintf(t, sizeof(t), "%s\n", text);
	note_sign(signers[0], (const uint8_t *)t, strlen(t), 0, &out, &len,
	    err, sizeof(err));
	for (i = 1; i < n; i++) {
		note_signature_line(signers[i], (const uint8_t *)t, strlen(t),
		    0, line, sizeof(line), err, sizeof(err));
		out = realloc(out, len + strlen(line) + 1);
		memcpy(out + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	return out;
}

static char *
change(const char *action, const char *member, const char *vkey)
{
	json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "member_key",
	    "v", 1, "action", action, "member", member, "vkey", vkey, "at_ms",
	    (json_int_t)1700000000000LL);
	char *text;
	size_t len;

	canon_encode(o, &text, &len);
	json_decref(o);
	return text;
}

int
main(void)
{
	json_t *e2;
	char *c2 = NULL;
	size_t l2;
	struct member_rule r;
	char err[300], ru[NOTE_VKEY_MAX], tr[NOTE_VKEY_MAX], ru2[NOTE_VKEY_MAX];
	char xx[NOTE_VKEY_MAX], cos[NOTE_VKEY_MAX], buf[32], *note, *text;
	struct note_signer *sru, *str, *sru2, *sxx, *scos, *sig[4];
	const char *keys[2];
	struct member_change c;
	json_t *v, *members;

	ok(member_rule_parse("all", 3, &r, err, sizeof(err)) == 0 && r.k == 0,
	    "rule all");
	ok(member_rule_parse("2-of-3", 3, &r, err, sizeof(err)) == 0 &&
	    r.k == 2 && r.n == 3, "rule 2-of-3");
	is_int(member_rule_needed(&r, 3), 2, "2-of-3 needs 2");
	member_rule_format(&r, buf, sizeof(buf));
	is_str(buf, "2-of-3", "formats back");
	v = member_rule_json(&r);
	ok(member_rule_from_json(v, &r) == 0 && r.k == 2 && r.n == 3,
	    "JSON round trip");
	json_decref(v);
	ok(member_rule_parse("4-of-3", 3, &r, err, sizeof(err)) == -1,
	    "K above N refused: %s", err);
	ok(member_rule_parse("0-of-3", 3, &r, err, sizeof(err)) == -1,
	    "K of 0 refused: %s", err);
	ok(member_rule_parse("2-of-4", 3, &r, err, sizeof(err)) == -1 &&
	    strstr(err, "3 members") != NULL, "N must be the members: %s", err);
	ok(member_rule_parse("most", 3, &r, err, sizeof(err)) == -1 &&
	    member_rule_parse("2-of-x", 3, &r, err, sizeof(err)) == -1,
	    "garbage refused");
	r.k = r.n = 0;
	is_int(member_rule_needed(&r, 3), 3, "all of 3 needs 3");

	sru = key("RU", ru);
	str = key("TR", tr);
	sru2 = key("RU", ru2);
	sxx = key("XX", xx);
	scos = note_signer_generate("RU", NOTE_KEY_COSIGNATURE, err,
	    sizeof(err));
	note_signer_vkey(scos, cos, sizeof(cos));
	ok(member_vkey_check("RU", ru, err, sizeof(err)) == 0, "RU's key");
	ok(member_vkey_check("TR", ru, err, sizeof(err)) == -1 &&
	    strstr(err, "named") != NULL, "a key named for another member: %s",
	    err);
	ok(member_vkey_check("RU", cos, err, sizeof(err)) == -1,
	    "a cosigning key refused: %s", err);
	ok(member_vkey_check("RU", "RU+00000000+AAAA", err, sizeof(err)) == -1,
	    "garbage key refused");

	/* Signed notes over canonical JSON. */
	sig[0] = sru;
	note = sign("{\"a\":1,\"b\":\"x\"}", sig, 1);
	v = member_note_json(note, strlen(note), err, sizeof(err));
	ok(v != NULL && json_integer_value(json_object_get(v, "a")) == 1,
	    "canonical text read");
	json_decref(v);
	keys[0] = ru;
	ok(member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    0, "signed by RU");
	keys[0] = tr;
	ok(member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    -1 && strstr(err, "not signed by the registered key of TR") !=
	    NULL, "a note without TR's signature: %s", err);
	keys[0] = ru2;
	ok(member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    -1, "RU's other key did not sign it: %s", err);
	note[2] = 'c'; /* {"c":1,...} still canonical, signature now wrong */
	keys[0] = ru;
	ok(member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    -1 && strstr(err, "forged") != NULL, "altered text: %s", err);
	note[2] = 'a';
	note[strlen(note) - 10] = '\0';
	ok(member_note_verify(note, strlen(note), keys, 1, err, sizeof(err)) ==
	    -1, "truncated note refused: %s", err);
	ok(member_note_json(note, 3, err, sizeof(err)) == NULL,
	    "a fragment is not a note");
	free(note);
	note = sign("{\"b\":\"x\",\"a\":1}", sig, 1);
	ok(member_note_json(note, strlen(note), err, sizeof(err)) == NULL &&
	    strstr(err, "canonical") != NULL, "unsorted keys refused: %s", err);
	free(note);
	note = sign("{\"a\": 1}", sig, 1);
	ok(member_note_json(note, strlen(note), err, sizeof(err)) == NULL,
	    "spaces refused");
	free(note);
	note = sign("{\"a\":1.5}", sig, 1);
	ok(member_note_json(note, strlen(note), err, sizeof(err)) == NULL,
	    "a real number refused");
	free(note);
	note = sign("[1]", sig, 1);
	ok(member_note_json(note, strlen(note), err, sizeof(err)) == NULL,
	    "not an object refused");
	free(note);
	text = malloc(MEMBER_NOTE_MAX + 100);
	memset(text, 'a', MEMBER_NOTE_MAX + 99);
	text[MEMBER_NOTE_MAX + 99] = '\0';
	ok(member_note_json(text, strlen(text), err, sizeof(err)) == NULL &&
	    strstr(err, "16384") != NULL, "over the size limit: %s", err);
	free(text);

	/* Key changes. */
	members = json_pack("[{s:s,s:s},{s:s,s:s}]", "name", "RU", "vkey", ru,
	    "name", "TR", "vkey", tr);
	text = change("rotate", "RU", ru2);
	sig[0] = sru2;
	sig[1] = sru;
	note = sign(text, sig, 2);
	ok(member_change_read(note, strlen(note), &c, err, sizeof(err)) == 0 &&
	    !c.add && strcmp(c.member, "RU") == 0 && strcmp(c.vkey, ru2) == 0,
	    "rotation read");
	ok(member_change_check(note, strlen(note), &c, members, 0, err,
	    sizeof(err)) == 0, "rotation signed by the new and current keys");
	ok(member_change_check(note, strlen(note), &c, members, 1, err,
	    sizeof(err)) == -1 && strstr(err, "/vkey") != NULL,
	    "a key used before is refused: %s", err);
	free(note);
	note = sign(text, sig, 1);
	ok(member_change_check(note, strlen(note), &c, members, 0, err,
	    sizeof(err)) == -1 && strstr(err, "RU") != NULL,
	    "rotation without the current key's signature: %s", err);
	free(note);
	sig[0] = sru;
	sig[1] = str;
	note = sign(text, sig, 2);
	member_change_read(note, strlen(note), &c, err, sizeof(err));
	ok(member_change_check(note, strlen(note), &c, members, 0, err,
	    sizeof(err)) == -1, "rotation not signed by the new key: %s", err);
	free(note);
	free(text);
	text = change("add", "XX", xx);
	sig[0] = sxx;
	sig[1] = sru;
	sig[2] = str;
	note = sign(text, sig, 3);
	ok(member_change_read(note, strlen(note), &c, err, sizeof(err)) == 0 &&
	    c.add && member_change_check(note, strlen(note), &c, members, 0,
	    err, sizeof(err)) == 0, "admission signed by every member");
	free(note);
	note = sign(text, sig, 2);
	ok(member_change_check(note, strlen(note), &c, members, 0, err,
	    sizeof(err)) == -1 && strstr(err, "TR") != NULL,
	    "admission without TR: %s", err);
	free(note);
	free(text);
	text = change("add", "RU", ru2);
	sig[0] = sru2;
	note = sign(text, sig, 3);
	member_change_read(note, strlen(note), &c, err, sizeof(err));
	ok(member_change_check(note, strlen(note), &c, members, 0, err,
	    sizeof(err)) == -1 && strstr(err, "member already") != NULL,
	    "adding an existing member: %s", err);
	free(note);
	free(text);
	text = change("rotate", "XX", xx);
	sig[0] = sxx;
	note = sign(text, sig, 1);
	member_change_read(note, strlen(note), &c, err, sizeof(err));
	ok(member_change_check(note, strlen(note), &c, members, 0, err,
	    sizeof(err)) == -1 && strstr(err, "not a member") != NULL,
	    "rotating a non-member: %s", err);
	free(note);
	free(text);
	text = change("rotate", "TR", ru2);
	sig[0] = sru2;
	note = sign(text, sig, 1);
	ok(member_change_read(note, strlen(note), &c, err, sizeof(err)) ==
	    -1 && strstr(err, "named") != NULL,
	    "a key named for another member: %s", err);
	free(note);
	free(text);
	note = sign("{\"action\":\"rotate\",\"extra\":1,\"type\":"
	    "\"member_key\",\"v\":1}", sig, 1);
	ok(member_change_read(note, strlen(note), &c, err, sizeof(err)) ==
	    -1 && strstr(err, "/extra") != NULL, "unknown field: %s", err);
	free(note);
	json_decref(members);
	note_signer_free(sru);
	note_signer_free(str);
	note_signer_free(sru2);
	note_signer_free(sxx);
	note_signer_free(scos);
	/* The log entry recording a note: one home, used by the route. */
	e2 = member_change_entry_new("a note\n", 7, "asr", 5);
	if (!ok(e2 != NULL && canon_encode(e2, &c2, &l2) == 0 && strcmp(c2,
	    "{\"at_ms\":5,\"by\":\"asr\",\"note\":\"a note\\n\","
	    "\"type\":\"member\",\"v\":1}") == 0, "the entry of a note") &&
	    c2 != NULL)
		diag("  %s", c2);
	free(c2);
	json_decref(e2);
	ok(member_change_entry_new("\xff\n", 2, "asr", 5) == NULL,
	    "a note that is not UTF-8: no entry");
	return done_testing();
}
