/*
 * Unit test of format/obsform: CSV rows and GeoJSON Features <-> the
 * observation input form, error pointers, feature line numbers.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "format/csv.h"
#include "format/obsform.h"
#include "tap.h"

static char *
dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(15));
}

int
main(void)
{
	const char *hdr[] = { "observed_at", "source_type", "source_member",
		"category", "count", "lat", "lon", "precision_m", "evidence",
		"index" };
	const char *row[] = { "2025-03-01T20:14:00Z", "patrol", "RU",
		"explosion", "5", "39.98", "46.93", "100",
		"abc:image/jpeg def:video/mp4", "17" };
	const char *bad[] = { "2025-03-01T20:14:00Z", "patrol", "RU",
		"explosion", "five", "x", "46.93", "", "nocolon", "" };
	const char *ihdr[] = { "observed_at", "observed_from" };
	const char *irow[] = { "2025-03-01T20:14:00Z", "2025-03-01T20:00:00Z" };
	const char *dup[] = { "lat", "lon", "lat" };
	const char *unk[] = { "lat", "colour" };
	struct obsform_error errs[8];
	struct obsform_csv *h;
	json_t *obs, *f, *back;
	char err[256], *s, *line, dropped[128], ptr[128];
	size_t nerr, *lines, nl;
	unsigned how;
	const char *gj = "{\n \"type\": \"FeatureCollection\",\n"
			 " \"name\": \"x, [y] {z}\",\n \"features\": [\n"
			 "  {\"type\": \"Feature\", \"properties\": {\"a\": "
			 "\"]}\\\"\"}},\n\n  {\"type\": \"Feature\"},\n"
			 "  {\"type\": \"Feature\"}\n ]\n}\n";

	ok(obsform_csv_new(dup, 3, err, sizeof(err)) == NULL &&
		strstr(err, "'lat' appears twice") != NULL,
	    "a repeated column is refused: %s", err);
	ok(obsform_csv_new(unk, 2, err, sizeof(err)) == NULL &&
		strstr(err, "unknown column 'colour'") != NULL,
	    "an unknown column is named: %s", err);

	h = obsform_csv_new(hdr, 10, err, sizeof(err));
	ok(h != NULL, "header accepted");
	obs = obsform_csv_row(h, row, 10, errs, 8, &nerr);
	s = dump(obs);
	is_str(s, "{\"category\":\"explosion\",\"count\":{\"value\":5},"
		  "\"evidence\":[{\"media_type\":\"image/jpeg\",\"sha256\":"
		  "\"abc\"},{\"media_type\":\"video/mp4\",\"sha256\":\"def\"}],"
		  "\"location\":{\"lat\":39.98,\"lon\":46.93,\"precision_m\":"
		  "100},\"observed_at\":\"2025-03-01T20:14:00Z\",\"source\":"
		  "{\"member\":\"RU\",\"type\":\"patrol\"}}",
	    "row -> input form (index ignored, numbers typed)");
	free(s);

	line = obsform_csv_line(obs, dropped, sizeof(dropped));
	ok(line != NULL && strstr(line, ",2025-03-01T20:14:00Z,,,patrol,RU,,"
	    ",explosion,,5,,39.98,46.93,100,") != NULL,
	    "input form -> CSV line");
	ok(line != NULL && strstr(line, ",abc:image/jpeg def:video/mp4\n") !=
		NULL,
	    "evidence -> one cell");
	is_str(dropped, "", "nothing dropped");
	free(line);
	json_object_set_new(obs, "observed_at", json_pack("{s:s,s:s}", "from",
	    "2025-03-01T20:00:00Z", "to", "2025-03-01T21:00:00Z"));
	line = obsform_csv_line(obs, dropped, sizeof(dropped));
	ok(line != NULL && strstr(line, ",,2025-03-01T20:00:00Z,"
	    "2025-03-01T21:00:00Z,patrol,") != NULL,
	    "an interval goes to observed_from and observed_to");
	is_str(dropped, "", "and nothing is dropped");
	free(line);
	json_object_set_new(json_object_get(obs, "observed_at"), "colour",
	    json_string("red"));
	line = obsform_csv_line(obs, dropped, sizeof(dropped));
	is_str(dropped, "/observed_at/colour",
	    "an unknown leaf inside an object is reported");
	free(line);
	json_object_set_new(obs, "colour", json_string("red"));
	line = obsform_csv_line(obs, dropped, sizeof(dropped));
	ok(dropped[0] != '\0', "a field with no column is reported");
	free(line);
	json_decref(obs);

	obs = obsform_csv_row(h, bad, 10, errs, 8, &nerr);
	ok(obs == NULL, "bad row refused");
	is_int(nerr, 3, "three errors");
	is_str(errs[0].pointer, "/count/value", "count named");
	is_str(errs[1].pointer, "/location/lat", "lat named");
	is_str(errs[2].pointer, "/evidence/0", "evidence item named");
	obs = obsform_csv_row(h, row, 9, errs, 8, &nerr);
	ok(obs == NULL && strstr(errs[0].message, "9 fields, the header 10"),
	    "row width checked");
	obsform_csv_free(h);

	h = obsform_csv_new(ihdr, 2, err, sizeof(err));
	obs = obsform_csv_row(h, irow, 2, errs, 8, &nerr);
	ok(obs == NULL && strcmp(errs[0].pointer, "/observed_at") == 0,
	    "observed_at and observed_from together are refused");
	obsform_csv_free(h);

	f = json_loads("{\"type\":\"Feature\",\"id\":\"x\",\"geometry\":{"
		       "\"type\":\"Point\",\"coordinates\":[46.93,39.98]},"
		       "\"properties\":{\"index\":3,\"category\":\"explosion\","
		       "\"precision_m\":1000}}",
	    0, NULL);
	obs = obsform_from_feature(f, &how, errs, 8, &nerr);
	s = dump(obs);
	is_str(s, "{\"category\":\"explosion\",\"location\":{\"lat\":39.98,"
		  "\"lon\":46.93,\"precision_m\":1000}}",
	    "Feature -> input form");
	free(s);
	ok(how == (OBSFORM_POINT | OBSFORM_NEW_LOCATION |
		      OBSFORM_TOP_PRECISION),
	    "how it was built");
	obsform_feature_pointer(how, "/features/4", "/location/lat", ptr,
	    sizeof(ptr));
	is_str(ptr, "/features/4/geometry/coordinates/1", "lat -> geometry");
	obsform_feature_pointer(how, "", "/location/precision_m", ptr,
	    sizeof(ptr));
	is_str(ptr, "/properties/precision_m", "precision -> properties");
	obsform_feature_pointer(how, "/features/4", "/category", ptr,
	    sizeof(ptr));
	is_str(ptr, "/features/4/properties/category", "other -> properties");
	line = obsform_csv_line(f, dropped, sizeof(dropped));
	ok(line != NULL && strncmp(line, "x,3,", 4) == 0,
	    "a Feature exports its id and index");
	free(line);
	back = obsform_from_feature(json_object_get(f, "properties"), &how,
	    errs, 8, &nerr);
	ok(back == NULL && strcmp(errs[0].pointer, "/type") == 0,
	    "a non-Feature is refused");
	json_decref(obs);
	json_decref(f);
	f = json_loads("{\"type\":\"Feature\",\"geometry\":{\"type\":"
		       "\"Polygon\",\"coordinates\":[]}}",
	    0, NULL);
	ok(obsform_from_feature(f, &how, errs, 8, &nerr) == NULL &&
		strcmp(errs[0].pointer, "/geometry/type") == 0,
	    "only Points");
	json_decref(f);

	ok(obsform_feature_lines(gj, strlen(gj), &lines, &nl) == 0,
	    "feature lines found");
	is_int(nl, 3, "three features");
	if (nl == 3) {
		is_int(lines[0], 5, "first on line 5");
		is_int(lines[1], 7, "second on line 7 (after a blank line)");
		is_int(lines[2], 8, "third on line 8");
	}
	free(lines);
	ok(obsform_feature_lines("[1]", 3, &lines, &nl) == -1,
	    "not an object");
	ok(obsform_feature_lines("{\"a\":1}", 7, &lines, &nl) == -1,
	    "no features");
	is_int(obsform_csv_ncolumns(), 37, "37 known columns");

	/* The sensor forms survive a CSV round trip (arrays as JSON text). */
	{
		static const char *const forms[] = {
			"{\"speed_mps\":343.5,\"sigma_t_ns\":5000000,"
			"\"source_alt_m\":0,\"sensors\":[{\"lat\":39.95,"
			"\"lon\":46.9,\"alt_m\":0,\"t_ns\":0},{\"lat\":39.96,"
			"\"lon\":46.91,\"alt_m\":12,\"t_ns\":1234567}]}",
			"{\"bearings\":[{\"lat\":39.9,\"lon\":46.8,"
			"\"bearing_deg\":45.5,\"sigma_deg\":2.0},{\"lat\":39.95,"
			"\"lon\":47.0,\"bearing_deg\":300.0,\"sigma_deg\":2.0}]}",
			"{\"lat\":39.9812345,\"lon\":46.93,\"ce90_m\":15}",
		};
		const char *names[64], *cells[64];
		struct obsform_csv *all;
		char *hl, *cl;
		size_t k, n;

		for (n = 0; n < obsform_csv_ncolumns(); n++)
			names[n] = obsform_csv_column(n);
		all = obsform_csv_new(names, n, err, sizeof(err));
		for (k = 0; k < 3; k++) {
			json_t *o = json_pack("{s:s,s:{s:s,s:s},s:s,s:o}",
			    "observed_at", "2025-03-01T20:14:00Z", "source",
			    "type", "acoustic_sensor", "member", "RU",
			    "category", "explosion", "location",
			    json_loads(forms[k], 0, NULL));
			struct csv_record *rec = csv_record_new();
			size_t i;

			cl = obsform_csv_line(o, dropped, sizeof(dropped));
			hl = NULL;
			back = NULL;
			if (cl != NULL && csv_parse(rec, cl, strlen(cl) - 1, err,
					      sizeof(err)) == 1) {
				for (i = 0; i < csv_record_count(rec); i++)
					cells[i] = csv_record_field(rec, i);
				back = obsform_csv_row(all, cells,
				    csv_record_count(rec), errs, 8, &nerr);
			}
			ok(cl != NULL && dropped[0] == '\0' && back != NULL &&
				json_equal(o, back),
			    "CSV round trip of location form %zu (dropped '%s')",
			    k, dropped);
			free(cl);
			free(hl);
			json_decref(back);
			json_decref(o);
			csv_record_free(rec);
		}
		obsform_csv_free(all);
	}
	return done_testing();
}
