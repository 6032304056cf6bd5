/*
 * verify/workflow: every move between every pair of states against the
 * table in docs/verification.md (written out again here, independently),
 * duplicates and escalation tiers, reasons, and rulings under "all",
 * "2 of 3" and "1 of 2".
 */
#include <stdio.h>
#include <string.h>

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
	return done_testing();
}
