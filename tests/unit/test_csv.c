/* Unit test of format/csv: RFC 4180 records in and out. */
#include <stdlib.h>
#include <string.h>

#include "format/csv.h"
#include "tap.h"

static int
parse(struct csv_record *r, const char *s, char *err)
{
	err[0] = '\0';
	return csv_parse(r, s, strlen(s), err, 200);
}

int
main(void)
{
	struct csv_record *r = csv_record_new();
	char err[200], many[1024];
	const char *row[4] = { "plain", "with,comma", "say \"hi\"", NULL };
	const char *edge[2] = { " lead", "two\nlines" };
	char *line;
	size_t i;

	is_int(parse(r, "a,b,c", err), 1, "simple record");
	is_int(csv_record_count(r), 3, "three fields");
	is_str(csv_record_field(r, 2), "c", "third field");
	is_int(parse(r, "a,,c,", err), 1, "empty fields");
	is_int(csv_record_count(r), 4, "a trailing comma makes a field");
	is_str(csv_record_field(r, 1), "", "empty middle field");
	is_int(parse(r, "\"x,y\",\"he said \"\"no\"\"\"", err), 1,
	    "quoted fields");
	is_str(csv_record_field(r, 0), "x,y", "comma inside quotes");
	is_str(csv_record_field(r, 1), "he said \"no\"", "doubled quotes");
	is_int(parse(r, "a,\"open", err), 0, "open quote asks for more");
	is_int(parse(r, "a,\"open\nclosed\",b", err), 1,
	    "joined lines complete it");
	is_str(csv_record_field(r, 1), "open\nclosed", "newline kept");
	is_int(parse(r, "a,b\"c", err), -1, "quote inside a bare field");
	ok(strstr(err, "column 4") != NULL, "error names the column: %s",
	    err);
	is_int(parse(r, "\"a\"b", err), -1, "text after a closing quote");
	is_int(parse(r, "", err), 1, "an empty line is one empty field");
	for (i = 0; i < CSV_MAX_FIELDS + 1; i++)
		many[i] = ',';
	many[CSV_MAX_FIELDS + 1] = '\0';
	is_int(parse(r, many, err), -1, "too many fields");
	ok(strstr(err, "64") != NULL, "the limit is named: %s", err);

	line = csv_format(row, 4);
	is_str(line, "plain,\"with,comma\",\"say \"\"hi\"\"\",\n",
	    "formatting quotes where needed");
	is_int(parse(r, line[strlen(line) - 1] == '\n' ? "plain,\"with,comma\","
	    "\"say \"\"hi\"\"\"," : "", err), 1, "and parses back");
	is_str(csv_record_field(r, 2), "say \"hi\"", "round trip");
	free(line);
	line = csv_format(edge, 2);
	is_str(line, "\" lead\",\"two\nlines\"\n",
	    "leading space and newline are quoted");
	free(line);
	csv_record_free(r);
	csv_record_free(NULL);
	return done_testing();
}
