/*
 * alert_rule: alert rules and failed webhook deliveries as log entries, and
 * what a rule matches (docs/alerts.md). Rules are log entries so that the
 * members can audit who set which alert; a webhook's secret never enters
 * the log (every log reader could read it): the entry holds its SHA-256,
 * and the center keeps the secret itself (alert/events.h).
 *
 *   {"at_ms":T,"by":"ana","name":"…","type":"alert_rule","v":1,
 *    "action":"add","when":{"categories":[…],"bbox":[minlon,minlat,maxlon,
 *    maxlat] (1e-7 degrees),"zone":"…","states":[…],"min_count":N,
 *    "parties":[…],"spike":F,"window_s":S},"spot_report":true,
 *    "webhook":{"url":"…","secret_sha256":"<64 hex>"}}
 *   {"action":"disable","at_ms":T,"by":"ana","rule":INDEX,
 *    "type":"alert_rule","v":1}
 *   {"at_ms":T,"attempts":N,"delivery":"d-R-I","error":"…","index":I,
 *    "rule":R,"type":"alert_failed","v":1}
 *
 * A rule's id is the log index of its "add" entry ("rule-12" in the API).
 * A rule with `states` matches changes of an incident's state to one of
 * them; otherwise it matches observations, by category, bbox and zone,
 * and with `parties` only the complaints those parties filed (an
 * observation whose source is a complaint of that organisation).
 * With min_count it fires when min_count matching observations lie within
 * window_s seconds of the latest of them (by observed time, whatever
 * order they arrive in), then again only once the count has dropped below
 * min_count. With spike F it fires when the matches within window_s of the
 * latest are at least F times the mean count per window_s over the week
 * before that window ("a spike of 3x the 7-day hourly mean": spike 3,
 * window_s 3600), and at least F (and min_count, if given); again only
 * once it has dropped below. A threshold or spike rule with spot_report
 * asks the center for a spot report draft of the incidents of the
 * matches within the window when it fires (alert/events.h).
 *
 * Pure: no I/O; the caller passes the clock and the principal.
 */
#ifndef TRUCE_ALERT_RULE_H
#define TRUCE_ALERT_RULE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define ALERT_RULE_NAME_MAX 128	    /* bytes of a name */
#define ALERT_RULE_URL_MAX 512	    /* bytes of a webhook URL */
#define ALERT_RULE_SECRET_MIN 16    /* bytes of a webhook secret ... */
#define ALERT_RULE_SECRET_MAX 256   /* ... at most */
#define ALERT_RULE_MAX_LIST 16	    /* categories, states */
#define ALERT_RULE_ITEM_MAX 64	    /* bytes of one category or state */
#define ALERT_RULE_ZONE_MAX 128	    /* bytes of a zone */
#define ALERT_RULE_PARTY_MAX 63	    /* bytes of a party's name */
#define ALERT_RULE_MAX_COUNT 100000 /* min_count at most */
#define ALERT_RULE_MAX_WINDOW_S (30LL * 86400)
#define ALERT_RULE_MAX_SPIKE 100	    /* spike factor at most */
#define ALERT_SPIKE_HISTORY_S (7LL * 86400) /* the mean is of this week */
#define ALERT_RULE_ID_MAX 32		    /* "rule-" and an index */
#define ALERT_DELIVERY_ID_MAX 64	    /* "d-RULE-INDEX" */

/* One parsed rule (an "add" entry). */
struct alert_rule {
	int64_t id;	  /* log index of the add entry */
	int64_t disabled; /* log index of its disable entry, or -1 */
	char name[ALERT_RULE_NAME_MAX + 1];
	char by[64];
	int64_t at_ms;
	char categories[ALERT_RULE_MAX_LIST][ALERT_RULE_ITEM_MAX + 1];
	size_t ncategories;
	char states[ALERT_RULE_MAX_LIST][ALERT_RULE_ITEM_MAX + 1];
	size_t nstates;
	char parties[ALERT_RULE_MAX_LIST][ALERT_RULE_PARTY_MAX + 1];
	size_t nparties; /* 0: any source; else complaints of these */
	int has_bbox;
	int64_t bbox[4]; /* min lon, min lat, max lon, max lat, 1e-7 */
	char zone[ALERT_RULE_ZONE_MAX + 1]; /* "" any */
	int64_t min_count;		    /* 0: every match fires */
	int64_t spike; /* 0: no spike rule; else the factor */
	int64_t window_s;
	int spot_report; /* 1: a spot report draft when it fires */
	int has_webhook;
	char url[ALERT_RULE_URL_MAX + 1];
	char secret_sha256[65];
};

/* What a rule is matched against: one log entry as the center sees it. */
struct alert_facts {
	const char *type;	     /* the entry's type */
	const char *category;	     /* observation: its category */
	const char *complaint_party; /* a complaint: the party that filed it */
	int located;		     /* a position below */
	int64_t lat_e7, lon_e7;
	const char *const *zones; /* zones the position lies in */
	size_t nzones;
	const char *state; /* the incident state it moved to, or NULL */
	int64_t t_ms;	   /* observed time (observations) */
};

/*
 * Validates the body of POST /v1/alerts/rules (docs/alerts.md) and returns
 * the canonical "add" entry (caller owns it), stamped with by and now_ms;
 * the webhook's secret, if any, is copied to secret (NUL-terminated) and
 * only its SHA-256 goes into the entry. NULL with a message naming the
 * field and the limit in err.
 */
json_t *alert_rule_from_input(const json_t *in, const char *by, int64_t now_ms,
    char secret[ALERT_RULE_SECRET_MAX + 1], char *err, size_t errlen);

/* The "disable" entry of rule id (caller owns it); NULL if out of memory. */
json_t *alert_rule_disable_entry(int64_t id, const char *by, int64_t now_ms);

/*
 * Parses an "add" entry read back from log index into *r (disabled -1).
 * 0, or -1 if entry is no well-formed add entry (r untouched).
 */
int alert_rule_parse(const json_t *entry, int64_t index, struct alert_rule *r);

/* Parses a "disable" entry: 0 with the rule's index in *id, or -1. */
int alert_rule_parse_disable(const json_t *entry, int64_t *id);

/*
 * The API's view of r: {"id","name","when","webhook":{"url"},"active",
 * "by","at"}; never the secret nor its hash. NULL if out of memory.
 */
json_t *alert_rule_view(const struct alert_rule *r);

/* Writes "rule-ID" into buf. */
void alert_rule_id(int64_t id, char buf[ALERT_RULE_ID_MAX]);

/* Parses "rule-ID" (or plain digits): 0 with *id, or -1. */
int alert_rule_parse_id(const char *s, int64_t *id);

/* 1 if r matches f (ignoring min_count), else 0. */
int alert_rule_matches(const struct alert_rule *r, const struct alert_facts *f);

/* Writes the delivery id of rule's alert on log entry index into buf. */
void alert_delivery_id(int64_t rule, int64_t index,
    char buf[ALERT_DELIVERY_ID_MAX]);

/*
 * The entry recording that delivery (rule's alert on entry index) failed
 * for good after attempts, with the last error. Caller owns it.
 */
json_t *alert_failed_entry(int64_t rule, int64_t index, int64_t attempts,
    const char *error, int64_t now_ms);

/* Parses an alert_failed entry: 0 with *rule and *index, or -1. */
int alert_failed_parse(const json_t *entry, int64_t *rule, int64_t *index);

/*
 * The sliding window of a threshold rule: the observed times of its
 * matches within window_s of the latest (at most ALERT_RULE_MAX_COUNT
 * kept). alert_window_add records a match at t_ms and returns 1 when the
 * rule fires (the count within the window reached min_count while armed),
 * 0 when not, -1 if out of memory. alert_window_free frees its times.
 */
struct alert_window {
	int64_t *t; /* sorted ascending */
	size_t n, cap;
	int disarmed; /* fired; armed again below min_count */
};
int alert_window_add(struct alert_window *w, int64_t t_ms, int64_t window_s,
    int64_t min_count);

/*
 * The same window for a spike rule: also keeps the week before the window
 * (ALERT_SPIKE_HISTORY_S; at most ALERT_RULE_MAX_COUNT times). Returns 1
 * when the rule fires (see above), 0 when not, -1 if out of memory.
 */
int alert_window_spike(struct alert_window *w, int64_t t_ms, int64_t window_s,
    int64_t min_count, int64_t spike);
void alert_window_free(struct alert_window *w);

#endif
