/*
 * reportentry: the log entries of the center's products, built and read
 * in this one place (docs/products.md "Entries").
 *
 * A draft records that an analyst drafted report R (its id, the SHA-256
 * of its canonical bytes, and what it is); the bytes themselves are kept
 * under DIR/reports/ by their hash (center/cas.h), since a report is
 * larger than a log entry may be:
 *
 *   {"type":"report","v":1,"action":"draft","report":R,"kind":K,
 *    "number":N,"period":{"from_ms","to_ms"},"log_size":S,"root":B64,
 *    "subject":SUBJ,"by":B,"at_ms":T}
 *
 * (SUBJ: the report's dates, or for a spot report its incidents, sorted
 * and comma-separated: a later draft of the same subject supersedes an
 * earlier one.)
 *
 * A member signs — or refuses — a report with a C2SP signed note made on
 * the member's own machine with the member's key (like an assessment,
 * verify/assessment.h), whose text is the canonical JSON of
 *
 *   {"type":"report_signature","v":1,"report":R,"number":N,"member":M,
 *    "decision":"sign"|"refuse","reason":TEXT?,"signed_at_ms":T}
 *
 * and a newline. The note goes into the log in a sign entry, or — when it
 * is the signature that meets the genesis rule — in the release entry,
 * which carries every signature the release rests on:
 *
 *   {"type":"report","v":1,"action":"sign","note":NOTE,"by":B,"at_ms":T}
 *   {"type":"report","v":1,"action":"release","report":R,"number":N,
 *    "notes":[NOTE...],"by":B,"at_ms":T}
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_REPORTENTRY_H
#define TRUCE_REPORTENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "report/report.h"
#include "verify/member.h"

#define REPORTENTRY_REASON_MAX 1024
#define REPORTENTRY_SUBJECT_MAX 4096
#define REPORTENTRY_MAX_NOTES MEMBER_MAX_SIGNERS

enum reportentry_action {
	REPORTENTRY_DRAFT = 1,
	REPORTENTRY_SIGN,
	REPORTENTRY_RELEASE
};

/* A report entry as read (strings and notes borrowed from the entry). */
struct reportentry {
	enum reportentry_action action;
	const char *report; /* draft, release: the report id */
	const char *kind, *number, *subject, *root;
	int64_t from_ms, to_ms, log_size;
	const char *notes[REPORTENTRY_MAX_NOTES]; /* sign: 1; release: n */
	size_t nnotes;
	const char *by;
	int64_t at_ms;
};

/* A member's signature (or refusal) as read from its note. */
struct reportentry_signature {
	char report[REPORT_ID_LEN + 1];
	char number[REPORT_NUMBER_LEN];
	char member[MEMBER_NAME_LEN];
	int refuse; /* 1: "refuse" */
	char reason[REPORTENTRY_REASON_MAX + 1];
	int64_t signed_at_ms;
};

/*
 * The draft entry of report (report_build's object) whose id is id, with
 * subject, drafted by `by` at at_ms. A new object, or NULL.
 */
json_t *reportentry_draft(const json_t *report, const char *id,
    const char *subject, const char *by, int64_t at_ms);

/*
 * The text a member signs (canonical JSON and a newline; *out NUL
 * terminated, caller frees) for report id with number, member, decision
 * (refuse 0 or 1, reason required to refuse) at at_ms. 0, or -1 with err.
 */
int reportentry_signature_text(const char *id, const char *number,
    const char *member, int refuse, const char *reason, int64_t at_ms,
    char **out, size_t *len, char *err, size_t errlen);

/*
 * Reads a member's signed note (at most MEMBER_NOTE_MAX bytes) into *s
 * (not verifying its signature: member_note_verify does). 0, or -1 with
 * the reason naming the field in err.
 */
int reportentry_signature_read(const char *note, size_t len,
    struct reportentry_signature *s, char *err, size_t errlen);

/* The sign entry of note. A new object, or NULL. */
json_t *reportentry_sign(const char *note, const char *by, int64_t at_ms);

/* The release entry of report id with notes[0..n-1]. NULL on error. */
json_t *reportentry_release(const char *id, const char *number,
    const char *const *notes, size_t n, const char *by, int64_t at_ms);

/*
 * Reads any report entry into *e. 0, or -1 with the reason in err for an
 * entry that is not well formed (the store then records it as refused).
 */
int reportentry_read(const json_t *entry, struct reportentry *e, char *err,
    size_t errlen);

#endif
