/*
 * truce assess INCIDENT --verdict V --attribution A --confidence C
 *              --rationale TEXT [--evidence SHA256 ...] --key KEYFILE
 *              [--revision N] [--dry-run] [--server URL] [--token T]
 *
 * Records a member's assessment of an incident (verify/assessment.h): the
 * assessment's canonical JSON is signed here, on the assessor's machine,
 * with the member's key (KEYFILE, as `truce keygen MEMBER` wrote it; the
 * key's name is the member), and the signed note is POSTed to
 * /v1/incidents/INCIDENT/assessments as text/plain. The center checks the
 * signature against the member's registered key; it never sees the key.
 * Without --revision the next revision is read from the incident.
 * Exit status: 0 recorded, 1 refused or failed, 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "center/keyfile.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "record/canon.h"
#include "record/timefmt.h"
#include "tlog/note.h"
#include "verify/assessment.h"

#define CMD "assess"

static void
help(void)
{
	printf("usage: truce assess INCIDENT --verdict V --attribution A "
	       "--confidence C\n"
	       "                    --rationale TEXT [--evidence SHA256 ...] "
	       "--key KEYFILE\n"
	       "                    [--revision N] [--dry-run] [--server URL] "
	       "[--token T]\n"
	       "\n"
	       "Signs a member's assessment of INCIDENT with the member's key, "
	       "here, and\n"
	       "submits it; prints the incident, member, revision, log index "
	       "and the\n"
	       "incident's state after it. The center checks the signature "
	       "against the\n"
	       "member's registered key and the token against the member's "
	       "assessor.\n"
	       "\n"
	       "  --verdict V        violation, no_violation or unverifiable\n"
	       "  --attribution A    the party responsible, or unknown\n"
	       "  --confidence C     low, moderate or high\n"
	       "  --rationale TEXT   why (1 to %d bytes)\n"
	       "  --evidence SHA256  a digest of evidence relied on (repeat, "
	       "up to %d)\n"
	       "  --key KEYFILE      the member's private key (truce keygen "
	       "MEMBER; mode\n"
	       "                     0600); its name is the member\n"
	       "  --revision N       the revision (default: the member's last "
	       "+ 1)\n"
	       "  --dry-run          print the signed note instead of "
	       "submitting it\n"
	       "  --server URL       the center (default $TRUCE_SERVER, %s)\n"
	       "  --token T          the assessor's token (default "
	       "$TRUCE_TOKEN)\n"
	       "\n"
	       "Exit status: 0 recorded, 1 refused or failed, 2 usage error.\n",
	    ASSESSMENT_RATIONALE_MAX, ASSESSMENT_MAX_EVIDENCE,
	    CLIENT_DEFAULT_SERVER);
}

/* The member's last revision of incident, from GET /v1/incidents/ID. */
static int
last_revision(struct client *c, const char *incident, const char *member,
    int64_t *rev)
{
	char path[256], msg[512];
	json_t *body = NULL, *as, *v;
	long status;
	size_t i;
	int rc = -1;

	snprintf(path, sizeof(path), "/v1/incidents/%s", incident);
	if (client_get(c, path, &status, &body) == -1)
		return -1;
	if (status != 200) {
		client_problem(status, body, msg, sizeof(msg));
		fprintf(stderr, "truce assess: %s\n", msg);
		goto done;
	}
	*rev = 0;
	/* A GeoJSON Feature: the verification is in its properties. */
	as =
	    json_object_get(json_object_get(body, "properties"), "assessments");
	json_array_foreach(as, i,
	    v) if (strcmp(json_string_value(json_object_get(v, "member"))
			   ? json_string_value(json_object_get(v, "member"))
			   : "",
		       member) == 0) *rev =
	    json_integer_value(json_object_get(v, "revision"));
	rc = 0;
done:
	json_decref(body);
	return rc;
}

int
cmd_assess(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verdict", required_argument, NULL, 'v' },
		{ "attribution", required_argument, NULL, 'a' },
		{ "confidence", required_argument, NULL, 'c' },
		{ "rationale", required_argument, NULL, 'r' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "revision", required_argument, NULL, 'R' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "server", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "token", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verdict = NULL, *attribution = NULL, *confidence = NULL;
	const char *rationale = NULL, *keyfile = NULL, *server = NULL;
	const char *token = NULL, *incident;
	const char *evidence[ASSESSMENT_MAX_EVIDENCE];
	struct note_signer *signer = NULL;
	struct client *c = NULL;
	json_t *o = NULL, *body = NULL;
	char err[512], path[256], *text = NULL, *note = NULL, *t = NULL;
	size_t nev = 0, len, nlen;
	int64_t revision = 0;
	long status;
	int ch, dry = 0, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'v': verdict = optarg; break;
		case 'a': attribution = optarg; break;
		case 'c': confidence = optarg; break;
		case 'r': rationale = optarg; break;
		case 'k': keyfile = optarg; break;
		case 's': server = optarg; break;
		case 'A': client_set_cacert(optarg); break;
		case 't': token = optarg; break;
		case 'n': dry = 1; break;
		case 'e':
			if (nev == ASSESSMENT_MAX_EVIDENCE) {
				args_usage(CMD, "--evidence: more than %d",
				    ASSESSMENT_MAX_EVIDENCE);
				return 2;
			}
			evidence[nev++] = optarg;
			break;
		case 'R':
			if (args_i64(CMD, "--revision", optarg, 1,
				ASSESSMENT_MAX_REVISION, &revision) == -1)
				return 2;
			break;
		case 'h': help(); return 0;
		default: args_bad_option(CMD, argv, optind, optopt); return 2;
		}
	}
	if (optind != argc - 1) {
		args_usage(CMD,
		    "INCIDENT: exactly one incident id is required");
		return 2;
	}
	incident = argv[optind];
	if ((rc = args_member_key(CMD, keyfile, &signer)) != 0)
		return rc;
	rc = 1;
	if (!dry && (c = client_new(server, token, 60)) == NULL)
		goto done;
	if (revision == 0) {
		if (dry)
			revision = 1;
		else if (last_revision(c, incident, note_signer_name(signer),
			     &revision) == -1)
			goto done;
		else
			revision++;
	}
	if ((o = assessment_new(incident, note_signer_name(signer), revision,
		 verdict, attribution, confidence, rationale, evidence, nev,
		 timefmt_now_ms(), err, sizeof(err))) == NULL) {
		args_usage(CMD, "%s", err);
		rc = 2;
		goto done;
	}
	if (canon_encode(o, &text, &len) == -1 ||
	    (t = malloc(len + 2)) == NULL) {
		fprintf(stderr, "truce assess: cannot encode the assessment\n");
		goto done;
	}
	memcpy(t, text, len);
	t[len++] = '\n';
	t[len] = '\0';
	if (note_sign(signer, (const uint8_t *)t, len, 0, &note, &nlen, err,
		sizeof(err)) == -1) {
		fprintf(stderr, "truce assess: %s\n", err);
		goto done;
	}
	if (dry) {
		fwrite(note, 1, nlen, stdout);
		rc = 0;
		goto done;
	}
	snprintf(path, sizeof(path), "/v1/incidents/%s/assessments", incident);
	if (client_post_note(c, path, note, nlen, &status, &body) == -1)
		goto done;
	if (status != 201) {
		client_problem(status, body, err, sizeof(err));
		fprintf(stderr, "truce assess: %s\n", err);
		goto done;
	}
	printf("incident: %s\nmember: %s\nrevision: %lld\nindex: %lld\n"
	       "state: %s\n",
	    incident, note_signer_name(signer), (long long)revision,
	    (long long)json_integer_value(json_object_get(body, "index")),
	    json_string_value(json_object_get(body, "state"))
		? json_string_value(json_object_get(body, "state"))
		: "?");
	rc = 0;
done:
	free(t);
	free(text);
	free(note);
	json_decref(o);
	json_decref(body);
	client_free(c);
	note_signer_free(signer);
	return rc;
}
