/*
 * incform: incidents as CSV records (see incform.h).
 */
#include <stdio.h>
#include <string.h>

#include "format/csv.h"
#include "format/incform.h"

const char *const incform_columns[] = { "id", "kind", "category", "count",
	"qualifier", "time_from", "time_to", "lat", "lon", "semi_major_m",
	"semi_minor_m", "orientation_deg", "zone", "description",
	"independent_sources", "source_types", "members", "observations",
	"complaints", "uncorroborated", NULL };

static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* "a;b;c" of an array of strings. */
static void
joined(const json_t *arr, char *buf, size_t len)
{
	const json_t *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(arr, i, v)
	{
		if (n >= len)
			break;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ";" : "",
		    json_string_value(v) ? json_string_value(v) : "");
	}
}

char *
incform_csv_header(void)
{
	return csv_format(incform_columns, INCFORM_NCOLUMNS);
}

char *
incform_csv_line(const json_t *f)
{
	const json_t *p = json_object_get(f, "properties");
	const json_t *tw = json_object_get(p, "time_window");
	const json_t *cnt = json_object_get(p, "count");
	const json_t *pos = json_object_get(p, "position");
	const json_t *el = json_object_get(p, "ellipse");
	const json_t *cor = json_object_get(p, "corroboration");
	char num[9][32], types[512], members[512];
	const char *fields[INCFORM_NCOLUMNS];
	int i;

	snprintf(num[0], 32, "%lld",
	    (long long)json_integer_value(json_object_get(cnt, "value")));
	for (i = 1; i < 9; i++)
		num[i][0] = '\0';
	if (json_is_object(pos)) {
		snprintf(num[1], 32, "%.7f",
		    json_number_value(json_object_get(pos, "lat")));
		snprintf(num[2], 32, "%.7f",
		    json_number_value(json_object_get(pos, "lon")));
	}
	if (json_is_object(el)) {
		snprintf(num[3], 32, "%.1f",
		    json_number_value(json_object_get(el, "semi_major_m")));
		snprintf(num[4], 32, "%.1f",
		    json_number_value(json_object_get(el, "semi_minor_m")));
		snprintf(num[5], 32, "%.1f",
		    json_number_value(json_object_get(el, "orientation_deg")));
	}
	snprintf(num[6], 32, "%lld",
	    (long long)json_integer_value(
		json_object_get(cor, "independent_sources")));
	snprintf(num[7], 32, "%zu",
	    json_array_size(json_object_get(p, "observations")));
	snprintf(num[8], 32, "%zu",
	    json_array_size(json_object_get(cor, "complaints")));
	joined(json_object_get(cor, "source_types"), types, sizeof(types));
	joined(json_object_get(cor, "members"), members, sizeof(members));
	fields[0] = str(f, "id");
	fields[1] = str(p, "kind");
	fields[2] = str(p, "category");
	fields[3] = num[0];
	fields[4] = str(cnt, "qualifier");
	fields[5] = str(tw, "from");
	fields[6] = str(tw, "to");
	fields[7] = num[1];
	fields[8] = num[2];
	fields[9] = num[3];
	fields[10] = num[4];
	fields[11] = num[5];
	fields[12] = str(p, "zone");
	fields[13] = str(p, "description");
	fields[14] = num[6];
	fields[15] = types;
	fields[16] = members;
	fields[17] = num[7];
	fields[18] = num[8];
	fields[19] = json_is_true(json_object_get(p, "uncorroborated"))
	    ? "true"
	    : "false";
	return csv_format(fields, INCFORM_NCOLUMNS);
}
