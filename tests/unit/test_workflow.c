/*
 * verify/workflow: every move between every pair of states against the
 * table in docs/verification.md (written out again here, independently),
 * duplicates and escalation tiers, reasons, and rulings under "all",
 * "2 of 3" and "1 of 2".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/canon.h"
#include "verify/member.h"
#include "verify/workflow.h"
#include "tap.h"

/* The legal analysts' moves, as the issue draws them. */
static const char *const legal[] = {
	"received>under_investigation", "received>awaiting_assessment",
	"received>duplicate", "under_investigation>awaiting_assessment",
	"under_investigation>duplicate",
	"awaiting_assessment>under_investigation",
	"awaiting_assessment>duplicate",
	"agreed_violation>escalated", "agreed_violation>closed",
	"agreed_no_violation>escalated", "agreed_no_violation>closed",
	"unverifiable>escalated", "unverifiable>closed",
	"disputed>escalated", "disputed>closed",
	"escalated>escalated", "escalated>closed", NULL };

static int
is_legal(const char *from, const char *to)
{
	char pair[80];
	int i;

	snprintf(pair, sizeof(pair), "%s>%s", from, to);
	for (i = 0; legal[i] != NULL; i++)
		if (strcmp(legal[i], pair) == 0)
			return 1;
	return 0;
}

static enum workflow_state
rule(const char *r, size_t nmembers, const char *views)
{
	struct member_rule mr;
	struct workflow_view v[8];
	char buf[256], err[128], *p, *save = NULL, *verdict, *attr;
	size_t n = 0;

	member_rule_parse(r, nmembers, &mr, err, sizeof(err));
	snprintf(buf, sizeof(buf), "%s", views);
	/* "RU:violation:AM TR:no_violation:unknown ..." */
	for (p = buf; p != NULL && *p != '\0'; p = save) {
		save = strchr(p, ' ');
		if (save != NULL)
			*save++ = '\0';
		verdict = strchr(p, ':');
		*verdict++ = '\0';
		attr = strchr(verdict, ':');
		*attr++ = '\0';
		v[n].member = p;
		workflow_verdict_parse(verdict, &v[n].verdict);
		v[n].attribution = attr;
		n++;
	}
	return workflow_ruling(&mr, nmembers, v, n);
}

/* e's canonical bytes are want (e taken). */
static void
is_canon(json_t *e, const char *want, const char *name)
{
	char *text = NULL;
	size_t len;

	if (e == NULL || canon_encode(e, &text, &len) == -1)
		text = NULL;
	is_str(text, want, "%s", name);
	free(text);
	json_decref(e);
}

/* The entries the routes write, built here (one home per entry type). */
static void
builders(void)
{
	json_t *d = json_string("measure it"), *e;
	char err[300];
	const char *inc, *dup;
	enum workflow_state to;
	int64_t tier;

	is_canon(workflow_move_entry_new("inc-1", WORKFLOW_UNDER_INVESTIGATION,
	    "triage", NULL, 9, NULL, "ana", 5), "{\"at_ms\":5,\"by\":\"ana\","
	    "\"incident\":\"inc-1\",\"reason\":\"triage\",\"to\":"
	    "\"under_investigation\",\"type\":\"incident_state\",\"v\":1}",
	    "a move: no tier unless it escalates");
	is_canon(workflow_move_entry_new("inc-1", WORKFLOW_ESCALATED, "up",
	    "inc-2", 2, "ministers", "ana", 5), "{\"at_ms\":5,\"by\":\"ana\","
	    "\"duplicate_of\":\"inc-2\",\"incident\":\"inc-1\",\"reason\":"
	    "\"up\",\"tier\":2,\"tier_name\":\"ministers\",\"to\":"
	    "\"escalated\",\"type\":\"incident_state\",\"v\":1}",
	    "an escalation with its tier");
	e = workflow_move_entry_new("inc-0123456789abcdef01234567",
	    WORKFLOW_DUPLICATE, "same", "inc-89abcdef0123456789abcdef", 0,
	    NULL, "ana", 5);
	ok(workflow_read_move(e, &inc, &to, &dup, &tier, err, sizeof(err)) ==
	    0 && to == WORKFLOW_DUPLICATE && strcmp(dup,
	    "inc-89abcdef0123456789abcdef") == 0, "a built move reads back");
	json_decref(e);
	e = workflow_assign_entry_new("inc-0123456789abcdef01234567", "p12",
	    "crater_analysis", d, 7, "ana", 5);
	ok(workflow_check_task(e, err, sizeof(err)) == 0,
	    "a built assignment checks");
	is_canon(e, "{\"action\":\"assign\",\"at_ms\":5,\"by\":\"ana\","
	    "\"description\":\"measure it\",\"due_ms\":7,\"incident\":"
	    "\"inc-0123456789abcdef01234567\",\"kind\":\"crater_analysis\","
	    "\"type\":\"task\",\"unit\":\"p12\",\"v\":1}", "an assignment");
	e = workflow_done_entry_new(12, d, "p12", 5);
	ok(workflow_check_task(e, err, sizeof(err)) == 0,
	    "a built completion checks");
	json_decref(e);
	e = workflow_done_entry_new(12, NULL, "p12", 5);
	ok(workflow_check_task(e, err, sizeof(err)) == 0,
	    "a completion without a note checks (the note is optional)");
	is_canon(e, "{\"action\":\"done\",\"at_ms\":5,\"by\":\"p12\","
	    "\"task\":12,\"type\":\"task\",\"v\":1}",
	    "a completion without a note: no note key (null was refused)");
	e = workflow_release_entry_new("inc-0123456789abcdef01234567", "AM",
	    d, "ana", 5);
	ok(workflow_check_release(e, err, sizeof(err)) == 0,
	    "a built release checks");
	is_canon(e, "{\"at_ms\":5,\"by\":\"ana\",\"incident\":"
	    "\"inc-0123456789abcdef01234567\",\"party\":\"AM\",\"reason\":"
	    "\"measure it\",\"type\":\"release\",\"v\":1}", "a release");
	json_decref(d);
}

int
main(void)
{
	enum workflow_state from, to, s;
	enum workflow_verdict vd;
	char err[300], big[WORKFLOW_REASON_MAX + 2];
	const char *inc, *dup;
	int64_t tier;
	int legal_ok = 1, n = 0, want, got;
	json_t *e;

	for (from = 0; from < WORKFLOW_NSTATES; from++) {
		ok(workflow_state_parse(workflow_state_name(from), &s) == 0 &&
		    s == from, "state %s round-trips",
		    workflow_state_name(from));
		for (to = 0; to < WORKFLOW_NSTATES; to++) {
			want = is_legal(workflow_state_name(from),
			    workflow_state_name(to));
			got = workflow_check_move(from, to, 0, 2, "inc-a",
			    to == WORKFLOW_DUPLICATE ? "inc-b" : NULL, err,
			    sizeof(err)) == 0;
			if (got != want) {
				legal_ok = 0;
				diag("%s -> %s: got %d want %d (%s)",
				    workflow_state_name(from),
				    workflow_state_name(to), got, want, err);
			}
			if (!got && !workflow_is_ruling(to) &&
			    (strstr(err, workflow_state_name(from)) == NULL ||
			    strstr(err, workflow_state_name(to)) == NULL)) {
				legal_ok = 0;
				diag("refusal does not name both states: %s",
				    err);
			}
			n++;
		}
	}
	ok(legal_ok, "all %d moves: the %zu legal ones allowed, the rest "
	    "refused naming both states", n, sizeof(legal) / sizeof(*legal) - 1);
	ok(workflow_check_move(WORKFLOW_AWAITING_ASSESSMENT,
	    WORKFLOW_AGREED_VIOLATION, 0, 2, "i", NULL, err, sizeof(err)) ==
	    -1 && strstr(err, "assessments") != NULL,
	    "a ruling is never a move: %s", err);
	ok(workflow_check_move(WORKFLOW_RECEIVED, WORKFLOW_DUPLICATE, 0, 0,
	    "inc-a", NULL, err, sizeof(err)) == -1 &&
	    strncmp(err, "/duplicate_of", 13) == 0,
	    "duplicate needs duplicate_of: %s", err);
	ok(workflow_check_move(WORKFLOW_RECEIVED, WORKFLOW_DUPLICATE, 0, 0,
	    "inc-a", "inc-a", err, sizeof(err)) == -1,
	    "not of itself: %s", err);
	ok(workflow_check_move(WORKFLOW_RECEIVED, WORKFLOW_UNDER_INVESTIGATION,
	    0, 0, "inc-a", "inc-b", err, sizeof(err)) == -1,
	    "duplicate_of only with duplicate: %s", err);
	ok(workflow_check_move(WORKFLOW_DISPUTED, WORKFLOW_ESCALATED, 1, 2,
	    "i", NULL, err, sizeof(err)) == 0, "tier 1 -> 2 of 2");
	ok(workflow_check_move(WORKFLOW_ESCALATED, WORKFLOW_ESCALATED, 2, 2,
	    "i", NULL, err, sizeof(err)) == -1 && strstr(err,
	    "escalation_tiers") != NULL, "no tier above the last: %s", err);
	ok(workflow_check_move(WORKFLOW_DISPUTED, WORKFLOW_ESCALATED, 0, 0,
	    "i", NULL, err, sizeof(err)) == -1, "no tiers configured");
	ok(workflow_is_ruling(WORKFLOW_DISPUTED) &&
	    !workflow_is_ruling(WORKFLOW_ESCALATED), "rulings");
	ok(workflow_accepts_assessment(WORKFLOW_RECEIVED) &&
	    workflow_accepts_assessment(WORKFLOW_AWAITING_ASSESSMENT) &&
	    !workflow_accepts_assessment(WORKFLOW_DISPUTED) &&
	    !workflow_accepts_assessment(WORKFLOW_CLOSED),
	    "assessments only before a ruling");
	ok(workflow_verdict_parse("no_violation", &vd) == 0 &&
	    vd == WORKFLOW_NO_VIOLATION && workflow_verdict_parse("guilty",
	    &vd) == -1, "verdicts");
	ok(workflow_is_incident_id("inc-0123456789abcdef01234567") &&
	    !workflow_is_incident_id("") && !workflow_is_incident_id("a/b"),
	    "incident ids");

	ok(workflow_check_reason("seen on UAV footage", "/reason", err,
	    sizeof(err)) == 0, "a reason");
	ok(workflow_check_reason("", "/reason", err, sizeof(err)) == -1 &&
	    workflow_check_reason(NULL, "/reason", err, sizeof(err)) == -1 &&
	    strncmp(err, "/reason", 7) == 0, "a reason is required: %s", err);
	ok(workflow_check_reason(" \n ", "/reason", err, sizeof(err)) == -1,
	    "white space is no reason");
	ok(workflow_check_reason("a\x01", "/reason", err, sizeof(err)) == -1,
	    "control characters refused");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(workflow_check_reason(big, "/reason", err, sizeof(err)) == -1 &&
	    strstr(err, "1024") != NULL, "over the limit: %s", err);

	e = json_pack("{s:s,s:s,s:s,s:s}", "type", "incident_state",
	    "incident", "inc-a", "to", "escalated", "reason", "why");
	ok(workflow_read_move(e, &inc, &to, &dup, &tier, err, sizeof(err)) ==
	    -1 && strncmp(err, "/tier", 5) == 0, "an escalation names its "
	    "tier");
	json_object_set_new(e, "tier", json_integer(1));
	ok(workflow_read_move(e, &inc, &to, &dup, &tier, err, sizeof(err)) ==
	    0 && to == WORKFLOW_ESCALATED && tier == 1 && dup == NULL &&
	    strcmp(inc, "inc-a") == 0, "a state entry read back");
	json_object_del(e, "reason");
	ok(workflow_read_move(e, &inc, &to, &dup, &tier, err, sizeof(err)) ==
	    -1 && strncmp(err, "/reason", 7) == 0, "no reason: refused");
	json_decref(e);

	/* Rulings. */
	is_str(workflow_state_name(rule("all", 2, "RU:violation:AM")),
	    "awaiting_assessment", "all of 2, one view: no ruling yet");
	is_str(workflow_state_name(rule("all", 2,
	    "RU:violation:AM TR:violation:AM")), "agreed_violation",
	    "all of 2 agree on a violation by AM");
	is_str(workflow_state_name(rule("all", 2,
	    "RU:violation:AM TR:violation:AZ")), "disputed",
	    "same verdict, different attribution: disputed");
	is_str(workflow_state_name(rule("all", 2,
	    "RU:violation:AM TR:no_violation:unknown")), "disputed",
	    "different verdicts: disputed");
	is_str(workflow_state_name(rule("all", 2,
	    "RU:no_violation:unknown TR:no_violation:AM")),
	    "agreed_no_violation", "no violation: attribution not compared");
	is_str(workflow_state_name(rule("all", 2,
	    "RU:unverifiable:unknown TR:unverifiable:unknown")), "unverifiable",
	    "both unverifiable");
	is_str(workflow_state_name(rule("2-of-3", 3,
	    "RU:violation:AM TR:no_violation:unknown")), "awaiting_assessment",
	    "2 of 3, split 1-1: the third decides");
	is_str(workflow_state_name(rule("2-of-3", 3,
	    "RU:violation:AM TR:no_violation:unknown KZ:violation:AM")),
	    "agreed_violation", "2 of 3 agree");
	is_str(workflow_state_name(rule("2-of-3", 3,
	    "RU:violation:AM TR:no_violation:unknown KZ:unverifiable:unknown")),
	    "disputed", "2 of 3, three verdicts: disputed");
	is_str(workflow_state_name(rule("2-of-3", 3,
	    "RU:violation:AM TR:violation:AM")), "agreed_violation",
	    "2 of 3 need not wait for the third");
	is_str(workflow_state_name(rule("all", 3,
	    "RU:violation:AM TR:violation:AM")), "awaiting_assessment",
	    "all of 3 waits for the third");
	is_str(workflow_state_name(rule("1-of-2", 2,
	    "RU:violation:AM TR:no_violation:unknown")), "disputed",
	    "1 of 2 with two verdicts: disputed");
	builders();
	return done_testing();
}
