/*
 * verify/principal: roles, names, the role/attachment rules, tokens and
 * their hashes, and principal log entries read back (every refusal names
 * the field).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "record/canon.h"
#include "verify/principal.h"
#include "tap.h"

static int
check(enum role role, const char *member, const char *party, char *err,
    size_t errlen)
{
	struct principal p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "p1");
	p.role = role;
	snprintf(p.member, sizeof(p.member), "%s", member);
	snprintf(p.party, sizeof(p.party), "%s", party);
	return principal_check(&p, err, errlen);
}

int
main(void)
{
	char err[256], token[PRINCIPAL_TOKEN_LEN + 1], sha[65], hex[65];
	char name[80], *bytes;
	uint8_t h[32], h2[32];
	struct principal p, q;
	json_t *e;
	size_t len;
	int i, revoke;

	if (sodium_init() < 0)
		return 1;
	for (i = 1; i < ROLE_COUNT; i++)
		is_int(principal_role(principal_role_name((enum role)i)), i,
		    "role %s round-trips", principal_role_name((enum role)i));
	is_int(principal_role("root"), ROLE_NONE, "unknown role");
	is_int(principal_role(NULL), ROLE_NONE, "no role");
	is_str(principal_role_name(ROLE_COUNT), "none", "out of range");

	memset(name, 'a', 63);
	name[63] = '\0';
	ok(principal_name_check(name) == 0, "63-byte name");
	name[63] = 'a';
	name[64] = '\0';
	ok(principal_name_check(name) == -1, "64-byte name refused");
	ok(principal_name_check("") == -1, "empty name refused");
	ok(principal_name_check("a b") == -1 &&
	    principal_name_check("a/b") == -1 &&
	    principal_name_check("\xc3\xa9") == -1, "odd characters refused");
	ok(principal_name_check("Unit_7-b") == 0, "letters digits _ -");

	ok(check(ROLE_ASSESSOR, "RU", "", err, sizeof(err)) == 0,
	    "assessor of a member");
	ok(check(ROLE_ASSESSOR, "", "", err, sizeof(err)) == -1 &&
	    strncmp(err, "/member", 7) == 0, "assessor without a member: %s",
	    err);
	ok(check(ROLE_LIAISON, "", "AM", err, sizeof(err)) == 0,
	    "liaison of a party");
	ok(check(ROLE_LIAISON, "", "", err, sizeof(err)) == -1 &&
	    strncmp(err, "/party", 6) == 0, "liaison without a party: %s", err);
	ok(check(ROLE_LIAISON, "RU", "AM", err, sizeof(err)) == -1 &&
	    strncmp(err, "/member", 7) == 0, "liaison with a member: %s", err);
	ok(check(ROLE_ANALYST, "", "AM", err, sizeof(err)) == -1 &&
	    strncmp(err, "/party", 6) == 0, "analyst with a party: %s", err);
	ok(check(ROLE_ADMIN, "RU", "", err, sizeof(err)) == -1,
	    "admin with a member: %s", err);
	ok(check(ROLE_MONITOR, "RU", "", err, sizeof(err)) == 0 &&
	    check(ROLE_SENSOR, "", "", err, sizeof(err)) == 0,
	    "monitors and sensors may have a member");
	ok(check(ROLE_NONE, "", "", err, sizeof(err)) == -1 &&
	    strncmp(err, "/role", 5) == 0, "no role: %s", err);
	ok(check(ROLE_MONITOR, "R U", "", err, sizeof(err)) == -1,
	    "a member name is checked");

	principal_token_new(token, sha);
	is_int(strlen(token), PRINCIPAL_TOKEN_LEN, "token is 64 characters");
	crypto_hash_sha256(h, (const uint8_t *)token, PRINCIPAL_TOKEN_LEN);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	is_str(sha, hex, "its hash is SHA-256 of the hex text");
	ok(principal_token_hash(token, h2) == 0 && memcmp(h, h2, 32) == 0,
	    "a presented token hashes the same");
	token[0] = token[0] == 'a' ? 'A' : 'A';
	ok(principal_token_hash(token, h2) == -1, "upper case refused");
	ok(principal_token_hash("abc", h2) == -1 &&
	    principal_token_hash(NULL, h2) == -1, "short or no token refused");
	memset(name, 'a', 65);
	name[65] = '\0';
	ok(principal_token_hash(name, h2) == -1, "65 characters refused");

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "ru-1");
	p.role = ROLE_ASSESSOR;
	snprintf(p.member, sizeof(p.member), "RU");
	e = principal_add_entry(&p, sha, "admin", 1700000000000LL);
	ok(e != NULL && canon_encode(e, &bytes, &len) == 0, "add entry "
	    "encodes canonically");
	ok(strstr(bytes, token) == NULL && strstr(bytes, sha) != NULL,
	    "the entry holds the hash, never the token");
	free(bytes);
	ok(principal_from_entry(e, &q, &revoke, h2, err, sizeof(err)) == 0 &&
	    !revoke && strcmp(q.name, "ru-1") == 0 &&
	    q.role == ROLE_ASSESSOR && strcmp(q.member, "RU") == 0 &&
	    memcmp(h2, h, 32) == 0, "add entry read back");
	json_object_set_new(e, "token_sha256", json_string("ABC"));
	ok(principal_from_entry(e, &q, &revoke, h2, err, sizeof(err)) == -1 &&
	    strncmp(err, "/token_sha256", 13) == 0, "bad hash: %s", err);
	json_object_set_new(e, "role", json_string("king"));
	ok(principal_from_entry(e, &q, &revoke, h2, err, sizeof(err)) == -1 &&
	    strncmp(err, "/role", 5) == 0, "bad role: %s", err);
	json_object_set_new(e, "action", json_string("promote"));
	ok(principal_from_entry(e, &q, &revoke, h2, err, sizeof(err)) == -1 &&
	    strncmp(err, "/action", 7) == 0, "bad action: %s", err);
	json_decref(e);
	e = principal_revoke_entry("ru-1", PRINCIPAL_LOCAL, 1);
	ok(principal_from_entry(e, &q, &revoke, h2, err, sizeof(err)) == 0 &&
	    revoke && strcmp(q.name, "ru-1") == 0, "revoke entry read back");
	json_object_set_new(e, "name", json_string("a b"));
	ok(principal_from_entry(e, &q, &revoke, h2, err, sizeof(err)) == -1 &&
	    strncmp(err, "/name", 5) == 0, "bad name: %s", err);
	json_decref(e);

	/* Whose complaints a principal may know of. */
	memset(&q, 0, sizeof(q));
	q.role = ROLE_LIAISON;
	snprintf(q.party, sizeof(q.party), "AM");
	ok(principal_sees_complaint(&q, "AM"), "a liaison sees its party's");
	ok(!principal_sees_complaint(&q, "AZ"), "not another party's");
	ok(!principal_sees_complaint(&q, NULL), "nor one without a party");
	ok(!principal_sees_complaint(&q, "am"), "party names are exact");
	q.party[0] = '\0';
	ok(!principal_sees_complaint(&q, ""), "a liaison without a party: none");
	q.role = ROLE_VIEWER;
	ok(principal_sees_complaint(&q, "AZ") &&
	    principal_sees_complaint(&q, NULL), "a viewer sees every one");
	return done_testing();
}
