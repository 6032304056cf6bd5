/*
 * csv: RFC 4180 comma-separated values, one record at a time. Pure: it
 * parses text the caller read and formats rows the caller writes.
 *
 * A field is quoted when it holds a comma, a quote, CR or LF, or starts or
 * ends with a space; a quote inside a quoted field is doubled. A quoted
 * field may span physical lines: csv_parse says when it needs the next one.
 */
#ifndef TRUCE_CSV_H
#define TRUCE_CSV_H

#include <stddef.h>

/* Most fields in one record. */
#define CSV_MAX_FIELDS 64

struct csv_record;

/* Returns an empty record, or NULL when out of memory. */
struct csv_record *csv_record_new(void);

/* Frees rec; csv_record_free(NULL) does nothing. */
void csv_record_free(struct csv_record *rec);

/*
 * Parses the text of one record (len bytes: one physical line without its
 * line ending, or several joined by "\n" when a quoted field spans lines)
 * into rec, replacing what it held. Returns 1 when the record is complete,
 * 0 when the text ends inside a quoted field (append "\n" and the next
 * physical line, then call again), -1 on a malformed record or more than
 * CSV_MAX_FIELDS fields, with the reason and its 1-based column (byte
 * offset) in err. Cost: linear in len.
 */
int csv_parse(struct csv_record *rec, const char *text, size_t len, char *err,
    size_t errlen);

/* Number of fields in the last record parsed (at least 1). */
size_t csv_record_count(const struct csv_record *rec);

/*
 * Field i (0-based, < csv_record_count) of the last record, unquoted and
 * NUL-terminated; valid until the next csv_parse or csv_record_free.
 */
const char *csv_record_field(const struct csv_record *rec, size_t i);

/*
 * Formats the n fields (NULL counts as empty) as one record ending in "\n",
 * quoting where needed. Returns a malloc'd string the caller frees, or NULL
 * when out of memory.
 */
char *csv_format(const char *const *fields, size_t n);

#endif
