/*
 * truce verify-report FILE (--member-key VKEY ... | --genesis FILE)
 *                     [--log-key VKEY] [--witness-key VKEY ...]
 *                     [--server URL [--token T]] [--checkpoint FILE]
 *
 * Checks a report offline (docs/products.md "Verifying a report"): FILE
 * is the JSON `truce report get --format json` writes, or the HTML or PDF
 * rendering (which carry the report's canonical bytes and the members'
 * signed notes; a PDF's pages must also be, byte for byte, the rendering
 * of those bytes). It recomputes the SHA-256 of the report's canonical
 * bytes, checks that it is the hash the file names and that every signed
 * note signs that hash, verifies each note against the member's key —
 * given with --member-key (the key's name is the member) or read from the
 * genesis entry (--genesis: the log's entry 0, whose members and rule the
 * center started with) — and that the members who signed meet the rule.
 * With --log-key (or the genesis entry's log_key) it also proves that
 * the report was released: the release entry names this report and is
 * included, by its RFC 9162 proof, in a checkpoint the log signed (and
 * each --witness-key cosigned). The entry and proof come from FILE (a
 * released report's JSON), or, with --server, fresh from the center
 * (GET /v1/reports/{id}: the proof in its latest joint checkpoint); with
 * --checkpoint, the checkpoint is one the verifier holds (a cosigned one
 * it trusts), and the proof for its size is the file's when that is the
 * checkpoint it names, else the center's (GET /v1/log/proof/inclusion).
 * Exit status: 0 the report is the members' joint word, 1 it is not (or
 * the file cannot be read), 2 usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "center/products.h"
#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/slurp.h"
#include "geo/layers.h"
#include "report/render.h"
#include "report/report.h"
#include "report/reportentry.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/receipt.h"
#include "verify/member.h"

#define CMD "verify-report"
#define MAX_FILE ((size_t)256 * 1024 * 1024)
#define MAX_KEYS MEMBER_MAX_SIGNERS

static void
help(void)
{
	printf("usage: truce verify-report FILE (--member-key VKEY ... | "
	       "--genesis FILE)\n"
	       "                           [--region karabakh|donbas|none]\n"
	       "\n"
	       "Checks offline that FILE (a report's JSON from `truce report "
	       "get`, or its\n"
	       "HTML) holds the bytes the members signed: the SHA-256 of its "
	       "content, each\n"
	       "member's signed note against the member's key, and the genesis "
	       "rule.\n"
	       "\n"
	       "  --member-key VKEY  a member's verifier key (its name is the "
	       "member);\n"
	       "                     repeat per member; the rule is then all "
	       "of them\n"
	       "  --genesis FILE     the log's genesis entry (entry 0): "
	       "members, keys, rule\n"
	       "  --region R         a PDF: the geography its map was drawn "
	       "over (the\n"
	       "                     center's region; default karabakh): its "
	       "pages must be\n"
	       "                     the rendering of the signed report, byte "
	       "for byte\n"
	       "  --log-key VKEY     also prove the release is in the log: the "
	       "JSON's\n"
	       "                     release entry must name this report and "
	       "be included,\n"
	       "                     by its RFC 9162 proof, in a checkpoint "
	       "the log signed\n"
	       "  --witness-key VKEY ... and cosigned by this witness (repeat "
	       "per member)\n"
	       "  --server URL       fetch the release entry and its proof "
	       "from the center\n"
	       "                     (a draft's JSON or any rendering has "
	       "none); with\n"
	       "  --token T          its bearer token (default $TRUCE_TOKEN)\n"
	       "  --checkpoint FILE  prove the release in this checkpoint "
	       "(a signed note the\n"
	       "                     verifier holds, e.g. one its witnesses "
	       "cosigned)\n"
	       "  (the log's key: --log-key, else the --genesis entry's "
	       "log_key)\n"
	       "\n"
	       "Exit status: 0 verified, 1 not, 2 usage error.\n");
}

/*
 * Proves that doc's release entry is in the log: it is the release of
 * report id, and its receipt verifies against log_key with a cosignature
 * by each of the nw witness keys. 0, or -1 (printed).
 */
static int
release_in_log(const json_t *doc, const char *id, const char *log_key,
    const char *const *wkeys, size_t nw, int64_t *index, int64_t *size)
{
	const json_t *rel = json_object_get(doc, "release");
	const struct note_verifier *known[MAX_KEYS + 1];
	struct note_verifier *lv = NULL, *wv[MAX_KEYS];
	struct receipt_result res;
	const char *text = json_string_value(json_object_get(rel, "entry"));
	const char *note;
	struct note *n = NULL;
	enum note_error ne;
	json_t *entry = NULL;
	char err[512];
	size_t i, j, nv = 0;
	int rc = -1, seen;

	if (!json_is_object(rel) || text == NULL) {
		fprintf(stderr,
		    "truce verify-report: FAILED: the file holds "
		    "no release entry and proof (a released report's JSON "
		    "from `truce report get ID --format json` does)\n");
		return -1;
	}
	if ((entry = json_loads(text, 0, NULL)) == NULL ||
	    strcmp(json_string_value(json_object_get(entry, "type"))
		    ? json_string_value(json_object_get(entry, "type"))
		    : "",
		"report") != 0 ||
	    strcmp(json_string_value(json_object_get(entry, "action"))
		    ? json_string_value(json_object_get(entry, "action"))
		    : "",
		"release") != 0 ||
	    strcmp(json_string_value(json_object_get(entry, "report"))
		    ? json_string_value(json_object_get(entry, "report"))
		    : "",
		id) != 0) {
		fprintf(stderr,
		    "truce verify-report: FAILED: the release entry "
		    "is not the release of report %s\n",
		    id);
		goto done;
	}
	if ((lv = note_verifier_parse(log_key, strlen(log_key), err,
		 sizeof(err))) == NULL) {
		fprintf(stderr, "truce verify-report: --log-key: %s\n", err);
		goto done;
	}
	if (receipt_verify(json_object_get(rel, "receipt"), lv,
		(const uint8_t *)text, strlen(text), &res, err,
		sizeof(err)) == -1) {
		fprintf(stderr,
		    "truce verify-report: FAILED: the release's "
		    "proof: %s\n",
		    err);
		goto done;
	}
	for (nv = 0; nv < nw; nv++)
		if ((wv[nv] = note_verifier_parse(wkeys[nv], strlen(wkeys[nv]),
			 err, sizeof(err))) == NULL) {
			fprintf(stderr,
			    "truce verify-report: --witness-key: "
			    "%s\n",
			    err);
			goto done;
		}
	note = json_string_value(
	    json_object_get(json_object_get(rel, "receipt"), "checkpoint"));
	for (i = 0; i < nv; i++)
		known[i] = wv[i];
	if (nv > 0 &&
	    (n = note_open((const uint8_t *)note, strlen(note), known, nv, &ne,
		 err, sizeof(err))) == NULL) {
		fprintf(stderr,
		    "truce verify-report: FAILED: the release's "
		    "checkpoint is cosigned by none of the witness keys: %s\n",
		    err);
		goto done;
	}
	for (i = 0; i < nv; i++) {
		for (seen = 0, j = 0; j < note_verified_count(n); j++)
			seen |= note_verified_key(n, j) == wv[i];
		if (!seen) {
			fprintf(stderr,
			    "truce verify-report: FAILED: the "
			    "release's checkpoint lacks the cosignature of "
			    "%s\n",
			    wkeys[i]);
			goto done;
		}
	}
	*index = res.index;
	*size = res.size;
	rc = 0;
done:
	note_free(n);
	for (i = 0; i < nv; i++)
		note_verifier_free(wv[i]);
	note_verifier_free(lv);
	json_decref(entry);
	return rc;
}

/* The tree size a checkpoint note names; -1 (printed) if none. */
static int64_t
note_size(const char *note)
{
	const char *end = strstr(note, "\n\n");
	struct checkpoint *cp;
	char err[256];
	int64_t size = -1;

	if (end == NULL ||
	    (cp = checkpoint_parse((const uint8_t *)note,
		 (size_t)(end - note) + 1, err, sizeof(err))) == NULL) {
		fprintf(stderr,
		    "truce verify-report: --checkpoint: not a "
		    "checkpoint: %s\n",
		    end ? err : "no signature lines");
		return -1;
	}
	size = checkpoint_size(cp);
	checkpoint_free(cp);
	return size;
}

/*
 * What proves the release of report id, as release_in_log reads it
 * ({"release":{"entry","index","receipt"}}): doc's own, or with server
 * the center's; with checkpoint (a note the verifier holds) a receipt in
 * that checkpoint, its proof the one at hand when it is for the same
 * size, else the center's for that size. A new object, or NULL (printed).
 */
static json_t *
proof_of(const json_t *doc, const char *id, const char *server,
    const char *token, const char *checkpoint)
{
	struct client *c = NULL;
	const json_t *found, *proof;
	json_t *body = NULL, *rel = NULL, *out = NULL, *pb = NULL;
	char path[256], err[256], *note = NULL;
	const char *state, *note_at;
	int64_t size, index;
	size_t len;
	long status;

	if (server != NULL) {
		if ((c = client_new(server, token, 60)) == NULL)
			goto done;
		snprintf(path, sizeof(path), "/v1/reports/%s", id);
		if (client_get(c, path, &status, &body) == -1)
			goto done;
		if (status != 200) {
			client_report(c, status, body);
			goto done;
		}
		state = json_string_value(json_object_get(body, "state"));
		if (state == NULL || strcmp(state, "released") != 0) {
			fprintf(stderr,
			    "truce verify-report: FAILED: the center "
			    "says report %s is %s, not released\n",
			    id, state ? state : "in no state");
			goto done;
		}
		found = json_object_get(body, "release");
	} else
		found = json_object_get(doc, "release");
	if (!json_is_object(found)) {
		fprintf(stderr,
		    "truce verify-report: FAILED: %s no release "
		    "entry and proof (a released report's JSON from `truce "
		    "report get ID --format json` does; or give --server)\n",
		    server ? "the center gave" : "the file holds");
		goto done;
	}
	if ((rel = json_deep_copy(found)) == NULL)
		goto done;
	if (checkpoint != NULL) {
		if (slurp_file(checkpoint, NOTE_MAX_SIZE, &note, &len, err,
			sizeof(err)) == -1) {
			fprintf(stderr,
			    "truce verify-report: --checkpoint: "
			    "%s\n",
			    err);
			goto done;
		}
		/* Blank lines after the note (an editor's, a shell's) are
		   not the note's. */
		while (
		    len > 1 && note[len - 1] == '\n' && note[len - 2] == '\n')
			note[--len] = '\0';
		if ((size = note_size(note)) < 0)
			goto done;
		index = json_integer_value(json_object_get(rel, "index"));
		proof = json_object_get(json_object_get(rel, "receipt"),
		    "inclusion_proof");
		note_at = json_string_value(
		    json_object_get(json_object_get(rel, "receipt"),
			"checkpoint"));
		if (note_at != NULL && note_size(note_at) == size)
			pb = json_incref((json_t *)proof);
		if (pb == NULL && c == NULL) {
			fprintf(stderr,
			    "truce verify-report: --checkpoint: the "
			    "file's proof is not for a tree of size %lld; "
			    "give --server to fetch one\n",
			    (long long)size);
			goto done;
		}
		if (pb == NULL) {
			json_decref(body);
			body = NULL;
			snprintf(path, sizeof(path),
			    "/v1/log/proof/inclusion?index=%lld&size=%lld",
			    (long long)index, (long long)size);
			if (client_get(c, path, &status, &body) == -1)
				goto done;
			if (status != 200) {
				client_report(c, status, body);
				goto done;
			}
			pb = json_incref(json_object_get(body, "proof"));
		}
		json_object_set_new(rel, "receipt",
		    json_pack("{s:I,s:s,s:o}", "index", (json_int_t)index,
			"checkpoint", note, "inclusion_proof", pb));
		pb = NULL;
	}
	out = json_pack("{s:o}", "release", rel);
	rel = NULL;
done:
	json_decref(rel);
	json_decref(pb);
	json_decref(body);
	free(note);
	client_free(c);
	return out;
}

/* The payload of an HTML (script#truce-report) or PDF (a trailing
 * "%TRUCE-REPORT " comment) rendering; *pdf_len: the PDF's own bytes. */
static json_t *
from_rendering(const char *text, size_t len, size_t *pdf_len)
{
	const char *p, *e;

	*pdf_len = 0;
	if ((p = strstr(text, "id=\"truce-report\">")) != NULL) {
		p += strlen("id=\"truce-report\">");
		if ((e = strstr(p, "</script>")) == NULL)
			return NULL;
		return render_payload_read(p, (size_t)(e - p));
	}
	if (len > 5 && memcmp(text, "%PDF-", 5) == 0 &&
	    (p = memmem(text, len, RENDER_PDF_MARK, strlen(RENDER_PDF_MARK))) !=
		NULL) {
		*pdf_len = (size_t)(p - text);
		p += strlen(RENDER_PDF_MARK);
		e = memchr(p, '\n', len - (size_t)(p - text));
		return render_payload_read(p,
		    e ? (size_t)(e - p) : len - (size_t)(p - text));
	}
	return NULL;
}

struct keys {
	const char *name[MAX_KEYS], *vkey[MAX_KEYS];
	size_t n;
	struct member_rule rule;
};

static int
add_key(struct keys *k, const char *vkey)
{
	const char *plus = strchr(vkey, '+');
	static char names[MAX_KEYS][MEMBER_NAME_LEN];
	size_t len;

	if (plus == NULL || k->n == MAX_KEYS ||
	    (len = (size_t)(plus - vkey)) == 0 || len >= MEMBER_NAME_LEN) {
		args_usage(CMD,
		    "--member-key: '%.40s' is not a verifier key "
		    "(NAME+HASH+KEY), or more than %d",
		    vkey, MAX_KEYS);
		return -1;
	}
	memcpy(names[k->n], vkey, len);
	names[k->n][len] = '\0';
	k->name[k->n] = names[k->n];
	k->vkey[k->n++] = vkey;
	return 0;
}

static int
genesis_keys(struct keys *k, const char *path, json_t **keep)
{
	char *text = NULL, err[256];
	size_t len, i;
	json_t *g, *m;

	if (slurp_file(path, 1 << 20, &text, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "truce verify-report: --genesis: %s\n", err);
		return -1;
	}
	g = json_loadb(text, len, 0, NULL);
	free(text);
	if (g == NULL ||
	    strcmp(json_string_value(json_object_get(g, "type"))
		    ? json_string_value(json_object_get(g, "type"))
		    : "",
		"genesis") != 0) {
		fprintf(stderr,
		    "truce verify-report: --genesis %s: not a "
		    "genesis entry\n",
		    path);
		json_decref(g);
		return -1;
	}
	json_array_foreach(json_object_get(g, "members"), i,
	    m) if (i < MAX_KEYS &&
	    json_string_value(json_object_get(m, "vkey")) != NULL &&
	    add_key(k, json_string_value(json_object_get(m, "vkey"))) == -1)
	{
		json_decref(g);
		return -1;
	}
	if (member_rule_from_json(json_object_get(g, "rule"), &k->rule) == -1)
		k->rule.k = k->rule.n = 0;
	*keep = g;
	return 0;
}

/*
 * A PDF's own bytes (text[0..len-1]) against the rendering of its payload
 * env over region's geography: 0 the same, 1 not (reported).
 */
static int
same_pdf(const json_t *env, const char *text, size_t len, const char *region)
{
	struct render_out out = { NULL, 0 };
	struct products_geo geo;
	struct layers *l = NULL;
	char dir[LAYERS_MAX_PATH], err[512];
	int rc = 1;

	memset(&geo, 0, sizeof(geo));
	if (strcmp(region, "none") != 0 &&
	    (layers_datadir(dir, sizeof(dir)) == -1 ||
		(l = layers_load_region(dir, region, err, sizeof(err))) ==
		    NULL)) {
		fprintf(stderr, "truce verify-report: --region: %s\n", err);
		return 1;
	}
	if (products_geo(l, &geo) == -1 ||
	    products_pdf(env, &geo.geo, &out, err, sizeof(err)) == -1) {
		fprintf(stderr,
		    "truce verify-report: the report cannot be "
		    "rendered again: %s\n",
		    err);
		goto done;
	}
	if (out.len < len || memcmp(out.data, text, len) != 0 ||
	    strncmp(out.data + len, RENDER_PDF_MARK, strlen(RENDER_PDF_MARK)) !=
		0) {
		fprintf(stderr,
		    "truce verify-report: FAILED: the PDF's pages "
		    "are not the rendering of the report its members signed "
		    "(its content was altered, or it was rendered over another "
		    "geography than --region %s)\n",
		    region);
		goto done;
	}
	rc = 0;
done:
	free(out.data);
	products_geo_clear(&geo);
	layers_free(l);
	return rc;
}

int
cmd_verify_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "member-key", required_argument, NULL, 'k' },
		{ "genesis", required_argument, NULL, 'g' },
		{ "region", required_argument, NULL, 'R' },
		{ "log-key", required_argument, NULL, 'L' },
		{ "witness-key", required_argument, NULL, 'W' },
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct reportentry_signature sig;
	struct keys k;
	json_t *doc = NULL, *report = NULL, *sigs, *s, *genesis = NULL;
	const char *genesis_path = NULL, *named, *note, *vk[1];
	const char *region = "karabakh", *log_key = NULL, *server = NULL;
	const char *token = NULL, *checkpoint = NULL;
	json_t *proof = NULL;
	const char *wkeys[MAX_KEYS];
	size_t nwkeys = 0;
	int64_t rel_index = -1, rel_size = -1;
	char *text = NULL, *bytes = NULL, err[512], id[REPORT_ID_LEN + 1];
	char signers[1024] = "";
	size_t len, blen, i, j, nsigned = 0, pdf_len = 0;
	int ch, rc = 1;
	int64_t need;

	memset(&k, 0, sizeof(k));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (add_key(&k, optarg) == -1)
				return 2;
			break;
		case 'g': genesis_path = optarg; break;
		case 'R': region = optarg; break;
		case 'L': log_key = optarg; break;
		case 's': server = optarg; break;
		case 't': token = optarg; break;
		case 'c': checkpoint = optarg; break;
		case 'W':
			if (nwkeys == MAX_KEYS) {
				args_usage(CMD, "--witness-key: too many");
				return 2;
			}
			wkeys[nwkeys++] = optarg;
			break;
		case 'h': help(); return 0;
		default: args_bad_option(CMD, argv, optind, optopt); return 2;
		}
	}
	if (optind != argc - 1 || (k.n == 0 && genesis_path == NULL)) {
		args_usage(CMD,
		    "FILE and --member-key or --genesis are "
		    "required");
		return 2;
	}
	if (genesis_path != NULL &&
	    genesis_keys(&k, genesis_path, &genesis) == -1)
		return 1;
	/* The log's key, for a proof of release: given, or the genesis'. */
	if (log_key == NULL && (server != NULL || checkpoint != NULL))
		log_key =
		    json_string_value(json_object_get(genesis, "log_key"));
	if (log_key == NULL && (server != NULL || checkpoint != NULL)) {
		args_usage(CMD,
		    "--server and --checkpoint prove the release "
		    "against the log's key: give --log-key, or --genesis");
		json_decref(genesis);
		return 2;
	}
	if (slurp_file(argv[optind], MAX_FILE, &text, &len, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "truce verify-report: %s\n", err);
		goto done;
	}
	/* JSON (the record GET /v1/reports/ID serves) or HTML. */
	if ((doc = json_loadb(text, len, 0, NULL)) != NULL)
		report = json_incref(json_object_get(doc, "report"));
	else if ((doc = from_rendering(text, len, &pdf_len)) != NULL)
		report = json_incref(json_object_get(doc, "report"));
	if (!json_is_object(report)) {
		fprintf(stderr,
		    "truce verify-report: %s holds no report (a "
		    "report's JSON or HTML rendering)\n",
		    argv[optind]);
		goto done;
	}
	if (report_encode(report, &bytes, &blen, id) == -1) {
		fprintf(stderr,
		    "truce verify-report: the report has no "
		    "canonical form (a real number, or too deep)\n");
		goto done;
	}
	named = json_string_value(json_object_get(doc, "sha256"));
	if (named == NULL || strcmp(named, id) != 0) {
		fprintf(stderr,
		    "truce verify-report: FAILED: the content's "
		    "SHA-256 %s does not match the report's hash %s: the "
		    "report was altered\n",
		    id, named ? named : "(none)");
		goto done;
	}
	sigs = json_object_get(doc, "signatures");
	json_array_foreach(sigs, i, s)
	{
		note = json_string_value(json_object_get(s, "note"));
		if (note == NULL ||
		    reportentry_signature_read(note, strlen(note), &sig, err,
			sizeof(err)) == -1) {
			fprintf(stderr,
			    "truce verify-report: FAILED: signature "
			    "%zu: %s\n",
			    i, note ? err : "no note");
			goto done;
		}
		if (strcmp(sig.report, id) != 0) {
			fprintf(stderr,
			    "truce verify-report: FAILED: %s's note "
			    "signs %s, not this report's %s\n",
			    sig.member, sig.report, id);
			goto done;
		}
		for (j = 0; j < k.n; j++)
			if (strcmp(k.name[j], sig.member) == 0)
				break;
		if (j == k.n) {
			fprintf(stderr,
			    "truce verify-report: FAILED: no key "
			    "given for %s\n",
			    sig.member);
			goto done;
		}
		vk[0] = k.vkey[j];
		if (member_note_verify(note, strlen(note), vk, 1, err,
			sizeof(err)) == -1) {
			fprintf(stderr, "truce verify-report: FAILED: %s\n",
			    err);
			goto done;
		}
		if (!sig.refuse) {
			snprintf(signers + strlen(signers),
			    sizeof(signers) - strlen(signers), "%s%s",
			    nsigned ? " and " : "", sig.member);
			nsigned++;
		}
	}
	if (pdf_len > 0 && same_pdf(doc, text, pdf_len, region) != 0)
		goto done;
	need = member_rule_needed(&k.rule, (int64_t)k.n);
	if ((int64_t)nsigned < need) {
		fprintf(stderr,
		    "truce verify-report: NOT RELEASED: %s; %zu of "
		    "%lld signatures needed\n",
		    nsigned ? signers : "no member signed", nsigned,
		    (long long)need);
		goto done;
	}
	if (log_key != NULL &&
	    ((proof = proof_of(doc, id, server, token, checkpoint)) == NULL ||
		release_in_log(proof, id, log_key, wkeys, nwkeys, &rel_index,
		    &rel_size) == -1))
		goto done;
	printf("OK: %s, SHA-256 %s, log size %lld, signed by %s (%zu of "
	       "%lld needed)\n",
	    json_string_value(json_object_get(report, "number")), id,
	    (long long)json_integer_value(json_object_get(report, "log_size")),
	    signers, nsigned, (long long)need);
	if (rel_index >= 0)
		printf("OK: released at log index %lld, included in the "
		       "checkpoint of size %lld signed by the log%s%s%s\n",
		    (long long)rel_index, (long long)rel_size,
		    nwkeys ? " and cosigned by every witness given" : "",
		    checkpoint ? " (the checkpoint given)" : "",
		    server ? " (proof from the center)" : "");
	rc = 0;
done:
	free(text);
	free(bytes);
	json_decref(proof);
	json_decref(doc);
	json_decref(report);
	json_decref(genesis);
	return rc;
}
