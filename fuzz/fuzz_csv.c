/*
 * fuzz_csv: one CSV record (format/csv.h) as `truce import` hands it to
 * csv_parse: the text of one record, several physical lines joined by
 * "\n" when a quoted field spans them.
 *
 * Promises checked: a record that parses has 1..CSV_MAX_FIELDS fields;
 * csv_format of those fields parses back (ending "\n" removed, the
 * record's inner line breaks kept) to the same fields.
 */
#include "format/csv.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_record *rec = NULL, *back = NULL;
	const char *fields[CSV_MAX_FIELDS];
	char *line = NULL, err[256];
	size_t n, i, len;
	int rc;

	if ((rec = csv_record_new()) == NULL ||
	    (back = csv_record_new()) == NULL)
		goto done;
	rc = csv_parse(rec, (const char *)data, size, err, sizeof(err));
	FUZZ_CHECK(rc >= -1 && rc <= 1);
	if (rc != 1)
		goto done;
	n = csv_record_count(rec);
	FUZZ_CHECK(n >= 1 && n <= CSV_MAX_FIELDS);
	for (i = 0; i < n; i++)
		fields[i] = csv_record_field(rec, i);
	if ((line = csv_format(fields, n)) == NULL)
		goto done;
	len = strlen(line);
	FUZZ_CHECK(len > 0 && line[len - 1] == '\n');
	rc = csv_parse(back, line, len - 1, err, sizeof(err));
	FUZZ_CHECK(rc == 1);
	FUZZ_CHECK(csv_record_count(back) == n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(strcmp(csv_record_field(back, i), fields[i]) == 0);
done:
	free(line);
	csv_record_free(back);
	csv_record_free(rec);
	return 0;
}
