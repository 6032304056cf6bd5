/*
 * evidence_entry: the chain-of-custody log entries of evidence — built by
 * the routes of /v1/evidence (server/evidence.c) and read back by the
 * store's applier (store/applier.c). Every upload and every fetch of an
 * item is one entry (after the Berkeley Protocol on Digital Open Source
 * Investigations; docs/verification.md, "Evidence"):
 *
 *   {"type":"evidence","v":1,"action":"upload","sha256":HEX,"size":N,
 *    "media_type":T,"by":B,"at_ms":T}
 *   {"type":"evidence","v":1,"action":"fetch","sha256":HEX,"by":B,
 *    "at_ms":T}
 *
 * HEX is the item's SHA-256 as 64 lower-case hex digits. Whether an item
 * exists (a fetch needs an earlier upload) is the applier's business, and
 * so are an upload's size and media type, which only the item's first
 * upload must carry.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_EVIDENCE_ENTRY_H
#define TRUCE_EVIDENCE_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* An evidence entry read back (strings borrowed from the entry). */
struct evidence_entry {
	int upload;	    /* 1 upload, 0 fetch */
	const char *action; /* "upload" or "fetch" */
	uint8_t sha256[32];
	const char *by;
	const char *media_type; /* NULL when absent */
	int64_t size;		/* 0 when absent */
	int64_t at_ms;
};

/*
 * The entry of an upload of item sha256_hex (size bytes of media_type) by
 * the principal named by at at_ms. A new object, or NULL on allocation
 * failure.
 */
json_t *evidence_entry_upload(const char *sha256_hex, int64_t size,
    const char *media_type, const char *by, int64_t at_ms);

/* The entry of a fetch of item sha256_hex; as evidence_entry_upload. */
json_t *evidence_entry_fetch(const char *sha256_hex, const char *by,
    int64_t at_ms);

/*
 * An item's digest as the entries and the API name it: 64 lower-case hex
 * digits into out (32 bytes). 0, or -1 for anything else (out is then
 * unspecified).
 */
int evidence_entry_sha256(const char *hex, uint8_t out[32]);

/*
 * Reads an evidence entry into *out: its digest must be 64 lower-case hex
 * digits, its action upload or fetch, with a "by". 0, or -1 with the
 * reason, naming the field as a JSON pointer, in err.
 */
int evidence_entry_read(const json_t *entry, struct evidence_entry *out,
    char *err, size_t errlen);

#endif
