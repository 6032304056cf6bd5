/*
 * workflow: incident states, analysts' moves and rulings (see workflow.h).
 */
#include <stdio.h>
#include <string.h>

#include "verify/member.h"
#include "verify/principal.h"
#include "verify/workflow.h"

static const char *const state_names[WORKFLOW_NSTATES] = { "received",
	"under_investigation", "awaiting_assessment", "agreed_violation",
	"agreed_no_violation", "unverifiable", "disputed", "escalated",
	"closed", "duplicate" };

static const char *const verdict_names[WORKFLOW_NVERDICTS] = { "violation",
	"no_violation", "unverifiable" };

/*
 * The analysts' moves: moves[from] has bit `to` set when allowed. Rulings
 * are absent on purpose: only the members' assessments make them.
 */
#define B(s) (1u << (WORKFLOW_##s))
static const unsigned moves[WORKFLOW_NSTATES] = {
	[WORKFLOW_RECEIVED] =
	    B(UNDER_INVESTIGATION) | B(AWAITING_ASSESSMENT) | B(DUPLICATE),
	[WORKFLOW_UNDER_INVESTIGATION] = B(AWAITING_ASSESSMENT) | B(DUPLICATE),
	[WORKFLOW_AWAITING_ASSESSMENT] = B(UNDER_INVESTIGATION) | B(DUPLICATE),
	[WORKFLOW_AGREED_VIOLATION] = B(ESCALATED) | B(CLOSED),
	[WORKFLOW_AGREED_NO_VIOLATION] = B(ESCALATED) | B(CLOSED),
	[WORKFLOW_UNVERIFIABLE] = B(ESCALATED) | B(CLOSED),
	[WORKFLOW_DISPUTED] = B(ESCALATED) | B(CLOSED),
	[WORKFLOW_ESCALATED] = B(ESCALATED) | B(CLOSED),
	[WORKFLOW_CLOSED] = 0,
	[WORKFLOW_DUPLICATE] = 0,
};
#undef B

const char *
workflow_state_name(enum workflow_state s)
{
	if ((int)s < 0 || s >= WORKFLOW_NSTATES)
		return "?";
	return state_names[s];
}

int
workflow_state_parse(const char *s, enum workflow_state *out)
{
	int i;

	for (i = 0; s != NULL && i < WORKFLOW_NSTATES; i++)
		if (strcmp(state_names[i], s) == 0) {
			*out = (enum workflow_state)i;
			return 0;
		}
	return -1;
}

const char *
workflow_verdict_name(enum workflow_verdict v)
{
	if ((int)v < 0 || v >= WORKFLOW_NVERDICTS)
		return "?";
	return verdict_names[v];
}

int
workflow_verdict_parse(const char *s, enum workflow_verdict *out)
{
	int i;

	for (i = 0; s != NULL && i < WORKFLOW_NVERDICTS; i++)
		if (strcmp(verdict_names[i], s) == 0) {
			*out = (enum workflow_verdict)i;
			return 0;
		}
	return -1;
}

int
workflow_is_ruling(enum workflow_state s)
{
	return s == WORKFLOW_AGREED_VIOLATION ||
	    s == WORKFLOW_AGREED_NO_VIOLATION || s == WORKFLOW_UNVERIFIABLE ||
	    s == WORKFLOW_DISPUTED;
}

int
workflow_accepts_assessment(enum workflow_state s)
{
	return s == WORKFLOW_RECEIVED || s == WORKFLOW_UNDER_INVESTIGATION ||
	    s == WORKFLOW_AWAITING_ASSESSMENT;
}

int
workflow_is_incident_id(const char *s)
{
	size_t n, i;

	if (s == NULL || (n = strlen(s)) == 0 || n >= WORKFLOW_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return 0;
	return 1;
}

int
workflow_check_move(enum workflow_state from, enum workflow_state to,
    int64_t tier, int64_t ntiers, const char *incident,
    const char *duplicate_of, char *err, size_t errlen)
{
	if ((int)from < 0 || from >= WORKFLOW_NSTATES || (int)to < 0 ||
	    to >= WORKFLOW_NSTATES) {
		snprintf(err, errlen, "/to: not a state");
		return -1;
	}
	if (workflow_is_ruling(to)) {
		snprintf(err, errlen,
		    "/to: %s is a ruling; rulings follow from "
		    "the members' signed assessments under the center's rule, "
		    "never from a state change",
		    state_names[to]);
		return -1;
	}
	if ((moves[from] & (1u << to)) == 0) {
		snprintf(err, errlen,
		    "/to: an incident in state %s cannot "
		    "move to %s",
		    state_names[from], state_names[to]);
		return -1;
	}
	if (to == WORKFLOW_DUPLICATE) {
		if (duplicate_of == NULL ||
		    !workflow_is_incident_id(duplicate_of)) {
			snprintf(err, errlen,
			    "/duplicate_of: a duplicate names "
			    "the incident it duplicates");
			return -1;
		}
		if (incident != NULL && strcmp(incident, duplicate_of) == 0) {
			snprintf(err, errlen,
			    "/duplicate_of: an incident "
			    "cannot duplicate itself");
			return -1;
		}
	} else if (duplicate_of != NULL) {
		snprintf(err, errlen,
		    "/duplicate_of: only for a move to "
		    "duplicate");
		return -1;
	}
	if (to == WORKFLOW_ESCALATED && tier >= ntiers) {
		snprintf(err, errlen,
		    "/to: no escalation tier above %s (%lld "
		    "configured: escalation_tiers)",
		    tier == 0 ? "the center" : "the current one",
		    (long long)ntiers);
		return -1;
	}
	return 0;
}

/* Whether views a and b agree: same verdict, and attribution if violation. */
static int
same_view(const struct workflow_view *a, const struct workflow_view *b)
{
	if (a->verdict != b->verdict)
		return 0;
	if (a->verdict != WORKFLOW_VIOLATION)
		return 1;
	return a->attribution != NULL && b->attribution != NULL &&
	    strcmp(a->attribution, b->attribution) == 0;
}

enum workflow_state
workflow_ruling(const struct member_rule *rule, size_t nmembers,
    const struct workflow_view *views, size_t nviews)
{
	static const enum workflow_state agreed[WORKFLOW_NVERDICTS] = {
		WORKFLOW_AGREED_VIOLATION, WORKFLOW_AGREED_NO_VIOLATION,
		WORKFLOW_UNVERIFIABLE
	};
	int64_t needed = member_rule_needed(rule, (int64_t)nmembers);
	size_t i, j, n, groups = 0;
	int winner = -1;

	if (nviews == 0 || nmembers == 0)
		return WORKFLOW_AWAITING_ASSESSMENT;
	for (i = 0; i < nviews; i++) {
		/* Count each group once, at its first view. */
		for (j = 0; j < i; j++)
			if (same_view(&views[i], &views[j]))
				break;
		if (j < i)
			continue;
		for (n = 0, j = i; j < nviews; j++)
			n += (size_t)same_view(&views[i], &views[j]);
		if ((int64_t)n >= needed) {
			groups++;
			winner = (int)i;
		}
	}
	if (groups > 1)
		return WORKFLOW_DISPUTED;
	if (groups == 1)
		return agreed[views[winner].verdict];
	if (nviews >= nmembers)
		return WORKFLOW_DISPUTED;
	return WORKFLOW_AWAITING_ASSESSMENT;
}

int
workflow_check_reason(const char *reason, const char *field, char *err,
    size_t errlen)
{
	size_t n, i;

	if (reason == NULL || (n = strlen(reason)) == 0) {
		snprintf(err, errlen, "%s: a reason is required", field);
		return -1;
	}
	if (n > WORKFLOW_REASON_MAX) {
		snprintf(err, errlen, "%s: %zu bytes, over the limit of %d",
		    field, n, WORKFLOW_REASON_MAX);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (reason[i] != ' ' && reason[i] != '\n' && reason[i] != '\t')
			break;
	if (i == n) {
		snprintf(err, errlen,
		    "%s: a reason is required, not white "
		    "space",
		    field);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 && reason[i] != '\n') {
			snprintf(err, errlen,
			    "%s: control characters other "
			    "than newline are not allowed",
			    field);
			return -1;
		}
	return 0;
}

int
workflow_read_move(const json_t *entry, const char **incident,
    enum workflow_state *to, const char **duplicate_of, int64_t *tier,
    char *err, size_t errlen)
{
	const char *inc = json_string_value(json_object_get(entry, "incident"));
	const char *dup =
	    json_string_value(json_object_get(entry, "duplicate_of"));
	const json_t *t = json_object_get(entry, "tier");
	enum workflow_state s;

	if (!workflow_is_incident_id(inc)) {
		snprintf(err, errlen, "/incident: not an incident id");
		return -1;
	}
	if (workflow_state_parse(json_string_value(
				     json_object_get(entry, "to")),
		&s) == -1) {
		snprintf(err, errlen, "/to: not a state");
		return -1;
	}
	if (workflow_check_reason(json_string_value(
				      json_object_get(entry, "reason")),
		"/reason", err, errlen) == -1)
		return -1;
	if (t != NULL &&
	    (!json_is_integer(t) || json_integer_value(t) < 1 ||
		json_integer_value(t) > WORKFLOW_MAX_TIERS)) {
		snprintf(err, errlen, "/tier: must be 1 to %d",
		    WORKFLOW_MAX_TIERS);
		return -1;
	}
	if (s == WORKFLOW_ESCALATED && t == NULL) {
		snprintf(err, errlen, "/tier: an escalation names its tier");
		return -1;
	}
	*incident = inc;
	*to = s;
	*duplicate_of = dup;
	*tier = t ? json_integer_value(t) : 0;
	return 0;
}

static const char *const task_kinds[] = { "patrol_visit", "uav_flight",
	"crater_analysis", "interview", "document_review", "other", NULL };

int
workflow_is_task_kind(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && task_kinds[i] != NULL; i++)
		if (strcmp(s, task_kinds[i]) == 0)
			return 1;
	return 0;
}

/* Checks optional-or-required text field key of e (1..max bytes). */
static int
text_field(const json_t *e, const char *key, size_t max, int required,
    char *err, size_t errlen)
{
	const json_t *v = json_object_get(e, key);

	if (v == NULL && !required)
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max) {
		snprintf(err, errlen, "/%s: %s1 to %zu bytes of text", key,
		    required ? "required, " : "", max);
		return -1;
	}
	return 0;
}

int
workflow_check_task(const json_t *entry, char *err, size_t errlen)
{
	const char *action =
	    json_string_value(json_object_get(entry, "action"));
	const json_t *v;

	if (action != NULL && strcmp(action, "done") == 0) {
		v = json_object_get(entry, "task");
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			snprintf(err, errlen,
			    "/task: the log index of the "
			    "assignment");
			return -1;
		}
		return text_field(entry, "note", WORKFLOW_TEXT_MAX, 0, err,
		    errlen);
	}
	if (action == NULL || strcmp(action, "assign") != 0) {
		snprintf(err, errlen, "/action: must be assign or done");
		return -1;
	}
	if (!workflow_is_incident_id(
		json_string_value(json_object_get(entry, "incident")))) {
		snprintf(err, errlen, "/incident: not an incident id");
		return -1;
	}
	if (principal_name_check(
		json_string_value(json_object_get(entry, "unit"))) == -1) {
		snprintf(err, errlen,
		    "/unit: the principal (unit) that will "
		    "do it, 1-63 letters, digits, '_', '-'");
		return -1;
	}
	if (!workflow_is_task_kind(
		json_string_value(json_object_get(entry, "kind")))) {
		snprintf(err, errlen,
		    "/kind: patrol_visit, uav_flight, "
		    "crater_analysis, interview, document_review or other");
		return -1;
	}
	if (text_field(entry, "description", WORKFLOW_TEXT_MAX, 1, err,
		errlen) == -1)
		return -1;
	v = json_object_get(entry, "due_ms");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(err, errlen, "/due: a time is required");
		return -1;
	}
	return 0;
}

int
workflow_check_release(const json_t *entry, char *err, size_t errlen)
{
	if (!workflow_is_incident_id(
		json_string_value(json_object_get(entry, "incident")))) {
		snprintf(err, errlen, "/incident: not an incident id");
		return -1;
	}
	if (principal_name_check(
		json_string_value(json_object_get(entry, "party"))) == -1) {
		snprintf(err, errlen, "/party: a conflict party's name");
		return -1;
	}
	return workflow_check_reason(json_string_value(
					 json_object_get(entry, "reason")),
	    "/reason", err, errlen);
}

json_t *
workflow_move_entry_new(const char *incident, enum workflow_state to,
    const char *reason, const char *duplicate_of, int64_t tier,
    const char *tier_name, const char *by, int64_t at_ms)
{
	json_t *entry =
	    json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:I}", "type", "incident_state",
		"v", 1, "incident", incident, "to", workflow_state_name(to),
		"reason", reason, "by", by, "at_ms", (json_int_t)at_ms);

	if (entry == NULL)
		return NULL;
	if (duplicate_of != NULL)
		json_object_set_new(entry, "duplicate_of",
		    json_string(duplicate_of));
	if (tier_name != NULL) {
		json_object_set_new(entry, "tier", json_integer(tier));
		json_object_set_new(entry, "tier_name", json_string(tier_name));
	}
	return entry;
}

json_t *
workflow_assign_entry_new(const char *incident, const char *unit,
    const char *kind, const json_t *description, int64_t due_ms, const char *by,
    int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s,s:s,s:s?,s:s?,s:O?,s:I,s:s,s:I}", "type",
	    "task", "v", 1, "action", "assign", "incident", incident, "unit",
	    unit, "kind", kind, "description", description, "due_ms",
	    (json_int_t)due_ms, "by", by, "at_ms", (json_int_t)at_ms);
}

json_t *
workflow_done_entry_new(int64_t task, const json_t *note, const char *by,
    int64_t at_ms)
{
	/* No note: the key is left out ("O*"), never written as null. */
	return json_pack("{s:s,s:i,s:s,s:I,s:O*,s:s,s:I}", "type", "task", "v",
	    1, "action", "done", "task", (json_int_t)task, "note", note, "by",
	    by, "at_ms", (json_int_t)at_ms);
}

json_t *
workflow_release_entry_new(const char *incident, const char *party,
    const json_t *reason, const char *by, int64_t at_ms)
{
	return json_pack("{s:s,s:i,s:s,s:s?,s:O?,s:s,s:I}", "type", "release",
	    "v", 1, "incident", incident, "party", party, "reason", reason,
	    "by", by, "at_ms", (json_int_t)at_ms);
}
