/*
 * principal: roles, tokens and principal log entries (see principal.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "verify/principal.h"

static const char *const role_names[ROLE_COUNT] = { "none", "admin", "monitor",
	"sensor", "liaison", "analyst", "assessor", "viewer" };

enum role
principal_role(const char *s)
{
	int i;

	if (s == NULL)
		return ROLE_NONE;
	for (i = 1; i < ROLE_COUNT; i++)
		if (strcmp(role_names[i], s) == 0)
			return (enum role)i;
	return ROLE_NONE;
}

const char *
principal_role_name(enum role r)
{
	if ((int)r <= 0 || (int)r >= ROLE_COUNT)
		return "none";
	return role_names[r];
}

int
principal_sees_complaint(const struct principal *p, const char *party)
{
	if (p->role != ROLE_LIAISON)
		return 1;
	return party != NULL && p->party[0] != '\0' &&
	    strcmp(party, p->party) == 0;
}

int
principal_name_check(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n >= PRINCIPAL_NAME_LEN)
		return -1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return -1;
	return 0;
}

int
principal_check(const struct principal *p, char *err, size_t errlen)
{
	const char *role = principal_role_name(p->role);

	if (principal_name_check(p->name) == -1) {
		snprintf(err, errlen,
		    "/name: must be 1-%d letters, digits, "
		    "'_' or '-'",
		    PRINCIPAL_NAME_LEN - 1);
		return -1;
	}
	if (p->role <= ROLE_NONE || p->role >= ROLE_COUNT) {
		snprintf(err, errlen,
		    "/role: must be one of admin, monitor, "
		    "sensor, liaison, analyst, assessor, viewer");
		return -1;
	}
	if (p->member[0] != '\0' && principal_name_check(p->member) == -1) {
		snprintf(err, errlen,
		    "/member: must be 1-%d letters, digits, "
		    "'_' or '-'",
		    PRINCIPAL_NAME_LEN - 1);
		return -1;
	}
	if (p->party[0] != '\0' && principal_name_check(p->party) == -1) {
		snprintf(err, errlen,
		    "/party: must be 1-%d letters, digits, "
		    "'_' or '-'",
		    PRINCIPAL_NAME_LEN - 1);
		return -1;
	}
	if (p->role == ROLE_ASSESSOR && p->member[0] == '\0') {
		snprintf(err, errlen,
		    "/member: an assessor records one "
		    "member's assessments and needs its member");
		return -1;
	}
	if (p->role == ROLE_LIAISON && p->party[0] == '\0') {
		snprintf(err, errlen,
		    "/party: a liaison needs the conflict "
		    "party it speaks for");
		return -1;
	}
	if (p->role != ROLE_LIAISON && p->party[0] != '\0') {
		snprintf(err, errlen,
		    "/party: only a liaison has a party, "
		    "not a%s %s",
		    role[0] == 'a' ? "n" : "", role);
		return -1;
	}
	if (p->member[0] != '\0' && p->role != ROLE_ASSESSOR &&
	    p->role != ROLE_MONITOR && p->role != ROLE_SENSOR) {
		snprintf(err, errlen,
		    "/member: a%s %s belongs to no member "
		    "(only assessors, monitors and sensors do)",
		    role[0] == 'a' ? "n" : "", role);
		return -1;
	}
	return 0;
}

void
principal_token_new(char token[PRINCIPAL_TOKEN_LEN + 1], char sha256_hex[65])
{
	uint8_t raw[32], hash[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(token, PRINCIPAL_TOKEN_LEN + 1, raw, sizeof(raw));
	crypto_hash_sha256(hash, (const uint8_t *)token, PRINCIPAL_TOKEN_LEN);
	sodium_bin2hex(sha256_hex, 65, hash, sizeof(hash));
	sodium_memzero(raw, sizeof(raw));
}

static int
lower_hex(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
principal_token_hash(const char *token, uint8_t hash[32])
{
	if (token == NULL ||
	    strnlen(token, PRINCIPAL_TOKEN_LEN + 1) != PRINCIPAL_TOKEN_LEN ||
	    !lower_hex(token, PRINCIPAL_TOKEN_LEN))
		return -1;
	crypto_hash_sha256(hash, (const uint8_t *)token, PRINCIPAL_TOKEN_LEN);
	return 0;
}

json_t *
principal_add_entry(const struct principal *p, const char *token_sha256_hex,
    const char *by, int64_t at_ms)
{
	json_t *e;

	e = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:I}", "type", "principal",
	    "v", 1, "action", "add", "name", p->name, "role",
	    principal_role_name(p->role), "token_sha256", token_sha256_hex,
	    "by", by, "at_ms", (json_int_t)at_ms);
	if (e == NULL)
		return NULL;
	if (p->member[0] != '\0')
		json_object_set_new(e, "member", json_string(p->member));
	if (p->party[0] != '\0')
		json_object_set_new(e, "party", json_string(p->party));
	return e;
}

json_t *
principal_revoke_entry(const char *name, const char *by, int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s,s:I}", "type", "principal", "v",
	    1, "action", "revoke", "name", name, "by", by, "at_ms",
	    (json_int_t)at_ms);
}

/* Copies the optional string member key of e into out (size n). */
static int
opt_name(const json_t *e, const char *key, char *out, size_t n)
{
	const json_t *v = json_object_get(e, key);

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || principal_name_check(json_string_value(v)))
		return -1;
	snprintf(out, n, "%s", json_string_value(v));
	return 0;
}

int
principal_from_entry(const json_t *entry, struct principal *p, int *revoke,
    uint8_t hash[32], char *err, size_t errlen)
{
	const char *action, *name, *th;
	struct principal q;

	memset(&q, 0, sizeof(q));
	action = json_string_value(json_object_get(entry, "action"));
	name = json_string_value(json_object_get(entry, "name"));
	if (action == NULL ||
	    (strcmp(action, "add") != 0 && strcmp(action, "revoke") != 0)) {
		snprintf(err, errlen, "/action: must be add or revoke");
		return -1;
	}
	if (principal_name_check(name) == -1) {
		snprintf(err, errlen, "/name: not a principal name");
		return -1;
	}
	snprintf(q.name, sizeof(q.name), "%s", name);
	if (strcmp(action, "revoke") == 0) {
		*p = q;
		*revoke = 1;
		return 0;
	}
	q.role =
	    principal_role(json_string_value(json_object_get(entry, "role")));
	if (opt_name(entry, "member", q.member, sizeof(q.member)) == -1 ||
	    opt_name(entry, "party", q.party, sizeof(q.party)) == -1) {
		snprintf(err, errlen, "/member or /party: not a name");
		return -1;
	}
	if (principal_check(&q, err, errlen) == -1)
		return -1;
	th = json_string_value(json_object_get(entry, "token_sha256"));
	if (th == NULL || !lower_hex(th, 64)) {
		snprintf(err, errlen,
		    "/token_sha256: must be 64 lower-case "
		    "hex digits");
		return -1;
	}
	sodium_hex2bin(hash, 32, th, 64, NULL, NULL, NULL);
	*p = q;
	*revoke = 0;
	return 0;
}
