/*
 * Unit test of alert/alert_rule: rule bodies into canonical entries (the
 * secret kept out, its hash in), every refusal naming its field, parsing
 * back, matching, and the threshold's sliding window.
 */
#include <stdlib.h>
#include <string.h>

#include "alert/alert_rule.h"
#include "tap.h"

#define NOW 1795875600000LL
#define MIN 60000LL

static json_t *
add(const char *body, char *err, size_t errlen)
{
	char secret[ALERT_RULE_SECRET_MAX + 1];
	json_t *in = json_loads(body, 0, NULL), *out;

	out = alert_rule_from_input(in, "ana", NOW, secret, err, errlen);
	json_decref(in);
	return out;
}

static void
refused(const char *body, const char *needle)
{
	char err[320] = "";
	json_t *e = add(body, err, sizeof(err));

	ok(e == NULL && strstr(err, needle) != NULL, "refused: %s", needle);
	if (e != NULL || strstr(err, needle) == NULL)
		diag("  got: %s", err);
	json_decref(e);
}

int
main(void)
{
	char err[320], secret[ALERT_RULE_SECRET_MAX + 1], *text;
	struct alert_rule r;
	struct alert_facts f;
	struct alert_window w;
	const char *zones[] = { "Nagorno-Karabakh" };
	json_t *e, *in, *v;
	int64_t id;
	int fired, k;

	refused("[]", "/: the body must be a JSON object");
	refused("{\"name\":\"\"}", "/name");
	refused("{\"name\":\"x\",\"color\":1}", "/color: unknown field");
	refused("{\"name\":\"x\",\"when\":{\"categories\":[\"boom\"]}}",
	    "/when/categories/0");
	refused("{\"name\":\"x\",\"when\":{\"states\":[\"angry\"]}}",
	    "/when/states/0");
	refused("{\"name\":\"x\",\"when\":{\"bbox\":[1,2,3]}}", "/when/bbox");
	refused("{\"name\":\"x\",\"when\":{\"bbox\":[3,2,1,4]}}",
	    "minimum above maximum");
	refused("{\"name\":\"x\",\"when\":{\"window_s\":60}}",
	    "/when/window_s: goes with min_count or spike");
	refused("{\"name\":\"x\",\"when\":{\"spike\":3}}",
	    "/when/window_s: is required with min_count or spike");
	refused("{\"name\":\"x\",\"when\":{\"spike\":1,\"window_s\":60}}",
	    "/when/spike: must be an integer from 2");
	refused("{\"name\":\"x\",\"when\":{\"spike\":3,\"window_s\":60,"
	    "\"states\":[\"disputed\"]}}", "/when/spike: thresholds count");
	refused("{\"name\":\"x\",\"when\":{\"min_count\":0,\"window_s\":6}}",
	    "/when/min_count: must be an integer from 1");
	refused("{\"name\":\"x\",\"when\":{\"parties\":[\"A M\"]}}",
	    "/when/parties/0: not one of the party names");
	refused("{\"name\":\"x\",\"when\":{\"parties\":[]}}",
	    "/when/parties: must be an array of 1 to 16");
	refused("{\"name\":\"x\",\"when\":{\"parties\":[\"AM\"],"
	    "\"states\":[\"disputed\"]}}", "/when/parties: complaints are");
	refused("{\"name\":\"x\",\"when\":{\"parties\":[\"AM\",\"B\",\"C\","
	    "\"D\",\"E\",\"F\",\"G\",\"H\",\"I\",\"J\",\"K\",\"L\",\"M\",\"N\","
	    "\"O\",\"P\",\"Q\"]}}", "/when/parties: must be an array of 1 to 16");
	refused("{\"name\":\"x\",\"spot_report\":true}",
	    "/spot_report: must be true or false, and true only with");
	refused("{\"name\":\"x\",\"spot_report\":1,\"when\":{\"spike\":3,"
	    "\"window_s\":60}}", "/spot_report: must be true or false");
	refused("{\"name\":\"x\",\"webhook\":{\"url\":\"http://a/\","
	    "\"secret\":\"short\"}}", "/webhook/secret");
	refused("{\"name\":\"x\",\"webhook\":{\"url\":\"file:///etc\","
	    "\"secret\":\"0123456789abcdef\"}}", "/webhook/url");

	in = json_loads("{\"name\":\"burst\",\"when\":{\"categories\":["
	    "\"explosion\",\"explosion\"],\"zone\":\"Nagorno-Karabakh\","
	    "\"min_count\":3,\"window_s\":600},\"webhook\":{\"url\":"
	    "\"https://hooks.example/x\",\"secret\":\"0123456789abcdef\"}}", 0,
	    NULL);
	e = alert_rule_from_input(in, "ana", NOW, secret, err, sizeof(err));
	json_decref(in);
	ok(e != NULL, "a valid rule");
	is_str(secret, "0123456789abcdef", "the secret comes back apart");
	text = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	ok(strstr(text, "0123456789abcdef") == NULL, "not in the entry");
	ok(strstr(text, "\"secret_sha256\":\"") != NULL, "its hash is");
	ok(strstr(text, "[\"explosion\"]") != NULL, "categories deduplicated");
	free(text);
	ok(alert_rule_parse(e, 12, &r) == 0, "parsed back");
	is_int(r.id, 12, "the id is the index");
	is_int(r.min_count, 3, "min_count");
	v = alert_rule_view(&r);
	text = json_dumps(v, JSON_COMPACT);
	ok(strstr(text, "secret") == NULL, "the view shows no secret");
	ok(strstr(text, "\"id\":\"rule-12\"") != NULL, "the view's id");
	free(text);
	json_decref(v);
	json_decref(e);
	ok(alert_rule_parse_id("rule-12", &id) == 0 && id == 12, "rule-N");
	ok(alert_rule_parse_id("rule-x", &id) == -1, "not rule-x");
	e = alert_rule_disable_entry(12, "ana", NOW);
	ok(alert_rule_parse_disable(e, &id) == 0 && id == 12, "disable");
	json_decref(e);

	memset(&f, 0, sizeof(f));
	f.type = "observation";
	f.category = "explosion";
	f.zones = zones;
	f.nzones = 1;
	ok(alert_rule_matches(&r, &f), "matches category and zone");
	f.nzones = 0;
	ok(!alert_rule_matches(&r, &f), "not outside the zone");
	f.nzones = 1;
	f.category = "other";
	ok(!alert_rule_matches(&r, &f), "not another category");
	f.category = "explosion";
	f.type = "incident_state";
	ok(!alert_rule_matches(&r, &f), "a state rule it is not");

	/* Complaints of a party. */
	e = add("{\"name\":\"AM complains\",\"when\":{\"parties\":[\"AM\","
	    "\"AM\"],\"categories\":[\"explosion\"]},\"spot_report\":false}",
	    err, sizeof(err));
	ok(e != NULL, "a rule on a party's complaints");
	text = e ? json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	ok(text && strstr(text, "\"parties\":[\"AM\"]") != NULL &&
	    strstr(text, "spot_report") == NULL, "parties deduplicated, "
	    "spot_report false left out");
	free(text);
	ok(alert_rule_parse(e, 13, &r) == 0 && r.nparties == 1 &&
	    !r.spot_report, "parsed back");
	json_decref(e);
	memset(&f, 0, sizeof(f));
	f.type = "observation";
	f.category = "explosion";
	ok(!alert_rule_matches(&r, &f), "not an observation that is no "
	    "complaint");
	f.complaint_party = "AZ";
	ok(!alert_rule_matches(&r, &f), "not another party's complaint");
	f.complaint_party = "AM";
	ok(alert_rule_matches(&r, &f), "the party's complaint");
	f.category = "other";
	ok(!alert_rule_matches(&r, &f), "categories still apply");
	v = alert_rule_view(&r);
	text = json_dumps(v, JSON_COMPACT);
	ok(strstr(text, "\"parties\":[\"AM\"]") != NULL, "the view's parties");
	free(text);
	json_decref(v);
	e = add("{\"name\":\"spike\",\"when\":{\"spike\":3,\"window_s\":3600},"
	    "\"spot_report\":true}", err, sizeof(err));
	ok(e != NULL && alert_rule_parse(e, 14, &r) == 0 && r.spot_report,
	    "a spike rule asks for a spot report");
	v = alert_rule_view(&r);
	ok(json_is_true(json_object_get(v, "spot_report")), "the view says so");
	json_decref(v);
	json_decref(e);

	/* The window: the 3rd within 10 minutes fires, in any order. */
	memset(&w, 0, sizeof(w));
	fired = 0;
	fired += alert_window_add(&w, NOW + 5 * MIN, 600, 3);
	fired += alert_window_add(&w, NOW + 9 * MIN, 600, 3);
	is_int(fired, 0, "two: nothing");
	is_int(alert_window_add(&w, NOW, 600, 3), 1, "the third fires, late "
	    "as it came");
	is_int(alert_window_add(&w, NOW + 1 * MIN, 600, 3), 0, "once");
	/* Far later: the old ones leave the window and it re-arms. */
	for (fired = 0, k = 0; k < 3; k++)
		fired += alert_window_add(&w, NOW + (60 + k) * MIN, 600, 3);
	is_int(fired, 1, "a new burst fires again");
	alert_window_free(&w);

	/* A spike of 3x the 7-day hourly mean: 2 an hour for a week (335
	   in the week before the hour, a mean of 1.99), then a burst: with
	   the last of the week in the hour, the 5th of the burst makes 6 in
	   it, 3x the mean; the 4th's 5 are not. */
	memset(&w, 0, sizeof(w));
	for (fired = 0, k = 0; k < 7 * 24 * 2; k++)
		fired += alert_window_spike(&w, NOW + k * 30 * MIN, 3600, 0, 3);
	is_int(fired, 0, "a steady 2 an hour for a week: no spike");
	for (fired = 0, k = 0; k < 4; k++)
		fired += alert_window_spike(&w, NOW + 7 * 24 * 60 * MIN +
		    (1 + k) * MIN, 3600, 0, 3);
	is_int(fired, 0, "5 within the hour: not 3x the mean");
	is_int(alert_window_spike(&w, NOW + 7 * 24 * 60 * MIN + 5 * MIN, 3600,
	    0, 3), 1, "6 within the hour: 3x, fires");
	is_int(alert_window_spike(&w, NOW + 7 * 24 * 60 * MIN + 6 * MIN, 3600,
	    0, 3), 0, "once");
	alert_window_free(&w);
	/* Only the week before the window counts: 168 matches 8 days
	   before are forgotten (no history: 3 are a spike), while 168
	   within the week make a mean of 1 an hour (3 are a spike, 2 not). */
	memset(&w, 0, sizeof(w));
	for (fired = 0, k = 0; k < 168; k++)
		fired += alert_window_spike(&w, NOW + k * MIN, 3600, 0, 3);
	is_int(fired, 1, "168 in 3 hours: one spike");
	for (fired = 0, k = 0; k < 3; k++)
		fired += alert_window_spike(&w, NOW + 8 * 24 * 60 * MIN +
		    k * MIN, 3600, 0, 3);
	is_int(fired, 1, "8 days later they are forgotten: 3 are a spike");
	alert_window_free(&w);
	memset(&w, 0, sizeof(w));
	for (k = 0; k < 168; k++)
		(void)alert_window_spike(&w, NOW + k * 60 * MIN, 3600, 0, 3);
	fired = alert_window_spike(&w, NOW + 168 * 60 * MIN + 10 * MIN, 3600,
	    0, 3);
	fired += alert_window_spike(&w, NOW + 168 * 60 * MIN + 20 * MIN, 3600,
	    0, 3);
	is_int(fired, 0, "1 an hour for a week (168 before the hour): 2 in "
	    "the hour are not 3x the mean of 1");
	is_int(alert_window_spike(&w, NOW + 168 * 60 * MIN + 30 * MIN, 3600,
	    0, 3), 1, "3 are: 3 x 604800 >= 3 x 168 x 3600, it fires");
	alert_window_free(&w);
	memset(&w, 0, sizeof(w));
	is_int(alert_window_spike(&w, NOW, 3600, 0, 3) +
	    alert_window_spike(&w, NOW + MIN, 3600, 0, 3), 0,
	    "no history: 2 are no spike of 3x");
	is_int(alert_window_spike(&w, NOW + 2 * MIN, 3600, 0, 3), 1,
	    "but 3 are");
	alert_window_free(&w);
	memset(&w, 0, sizeof(w));
	is_int(alert_window_add(&w, NOW, 600, 3), 0, "1");
	is_int(alert_window_add(&w, NOW + 11 * MIN, 600, 3), 0,
	    "2, the first out of the window");
	is_int(alert_window_add(&w, NOW + 12 * MIN, 600, 3), 0,
	    "3 but only 2 within 10 minutes");
	alert_window_free(&w);
	return done_testing();
}
