/*
 * assessment: a member's assessment of an incident, as the member signs it
 * (docs/verification.md "Assessments").
 *
 * An assessment is a C2SP signed note (tlog/note.h) whose text is the
 * canonical JSON (record/canon.h) of
 *
 *   {"type":"assessment","v":1,"incident":I,"member":M,"revision":N,
 *    "verdict":"violation"|"no_violation"|"unverifiable",
 *    "attribution":PARTY|"unknown","confidence":"low"|"moderate"|"high",
 *    "rationale":TEXT,"evidence":[SHA256...],"assessed_at_ms":T}
 *
 * and a newline, signed with the member's key (whose name is the member's)
 * on the assessor's own machine. Revisions count from 1: a member's next
 * assessment of an incident must carry the next revision, so a replayed
 * note (an old revision, or the same one again) is refused and every
 * revision stays on the record. Confidence words follow the US
 * Intelligence Community's (ICD 203: low, moderate, high).
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_ASSESSMENT_H
#define TRUCE_ASSESSMENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "verify/member.h"
#include "verify/workflow.h"

#define ASSESSMENT_RATIONALE_MAX 4096 /* bytes */
#define ASSESSMENT_MAX_EVIDENCE 32    /* digests */
#define ASSESSMENT_MAX_REVISION 1000

struct assessment {
	char incident[WORKFLOW_ID_LEN];
	char member[MEMBER_NAME_LEN];
	int64_t revision;
	enum workflow_verdict verdict;
	char attribution[MEMBER_NAME_LEN];
	char confidence[16];
	int64_t assessed_at_ms;
};

/*
 * Builds an assessment object from its parts (evidence: nevidence digests
 * of 64 lower-case hex) and checks it as assessment_check does. Returns a
 * new object (caller owns it), or NULL with the reason (a JSON pointer and
 * the limit) in err.
 */
json_t *assessment_new(const char *incident, const char *member,
    int64_t revision, const char *verdict, const char *attribution,
    const char *confidence, const char *rationale, const char *const *evidence,
    size_t nevidence, int64_t assessed_at_ms, char *err, size_t errlen);

/*
 * Checks an assessment object: exactly the fields above, each within its
 * limit; an attribution names a party (1-63 letters, digits, '_', '-') or
 * is "unknown"; evidence digests are distinct. Fills *a. 0, or -1 with
 * the reason, naming the field as a JSON pointer, in err.
 */
int assessment_check(const json_t *o, struct assessment *a, char *err,
    size_t errlen);

/*
 * Reads a signed assessment note (at most MEMBER_NOTE_MAX bytes): its text
 * must be canonical JSON (member_note_json) passing assessment_check.
 * Does not verify the signature: member_note_verify with the member's
 * registered key does. 0, or -1 with the reason in err.
 */
int assessment_read(const char *note, size_t len, struct assessment *a,
    char *err, size_t errlen);

/*
 * The log entry that records signed note[0..len-1] (checked by the caller
 * with assessment_read): {"type":"assessment","v":1,"note","by","at_ms"}.
 * A new object, or NULL when the note is not UTF-8.
 */
json_t *assessment_entry_new(const char *note, size_t len, const char *by,
    int64_t at_ms);

#endif
