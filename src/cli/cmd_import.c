/*
 * truce import: validates observations from a file — CSV with a header row
 * (RFC 4180), a GeoJSON FeatureCollection (RFC 7946) or JSON lines — with
 * the center's own validator (record/observation.h), reports every rejected
 * row as FILE:LINE: /pointer: message, and sends the valid ones to
 * POST /v1/observations in batches (all-or-nothing per batch on the
 * server: items it refuses are reported and the rest of the batch resent).
 * --dry-run stops after validation, so a monitor can check a file offline.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "common/log.h"
#include "format/csv.h"
#include "format/obsform.h"
#include "record/observation.h"
#include "record/timefmt.h"

#define CMD "import"

/* Limits on what one import reads (STYLE.md rule 6). */
#define IMPORT_MAX_LINE (1024 * 1024)		/* bytes, CSV/JSONL */
#define IMPORT_MAX_ROWS 10000000		/* rows or features */
#define IMPORT_MAX_FILE ((int64_t)16 << 30)	/* CSV/JSONL, bytes */
#define IMPORT_MAX_GEOJSON ((int64_t)256 << 20) /* read whole */
#define IMPORT_MAX_BATCH 10000
#define IMPORT_DEFAULT_BATCH 1000
#define IMPORT_MAX_ERRORS 16 /* reported per row */
#define IMPORT_MAX_RESENDS 8 /* rounds of 422 before giving up a batch */

enum format { F_NONE, F_CSV, F_GEOJSON, F_JSONL };

/* Where a row came from, to report its errors against the file. */
struct origin {
	size_t line;
	long feature; /* index in "features", or -1 */
	unsigned how; /* OBSFORM_* when it was a GeoJSON Feature */
	int is_feature;
};

struct import {
	const char *path; /* as given */
	const char *name; /* for messages */
	enum format format;
	int dry_run;
	size_t batch_max;
	struct client *client;
	int64_t now_ms;
	FILE *in;
	int64_t size;	  /* -1 when unknown (a pipe) */
	int64_t consumed; /* bytes read so far */
	/* the batch being filled */
	json_t *batch;
	struct origin *origins;
	/* counts */
	size_t rows, valid, rejected, created, existing;
	int stopped; /* a fatal error ended the import early */
	/* progress bar */
	int progress;
	int bar_drawn;
	struct timespec last_draw;
};

static void
help(void)
{
	printf("usage: truce import FILE [--format csv|geojson|jsonl] [--batch "
	       "N]\n"
	       "                    [--dry-run] [--server URL] [--token T]\n"
	       "\n"
	       "Validates the observations in FILE with the center's "
	       "validator, reports\n"
	       "every rejected row on standard error as\n"
	       "    FILE:LINE: /pointer: message\n"
	       "(the pointer names the field, in the file's own terms for "
	       "GeoJSON), and\n"
	       "sends the valid ones to the center in batches. A final line on "
	       "standard\n"
	       "output says: imported N (new M, existing K), rejected R. "
	       "Importing the same\n"
	       "file twice is harmless: existing observations keep their id "
	       "and index.\n"
	       "Exit status: 0 all imported, 1 something was rejected or "
	       "failed, 2 usage.\n"
	       "\n"
	       "formats (guessed from the name: .csv, .geojson/.json, "
	       ".jsonl/.ndjson;\n"
	       "FILE - reads standard input and needs --format):\n"
	       "  csv      RFC 4180, a header row naming the columns, any "
	       "order, any\n"
	       "           subset; an empty cell is an absent field:\n"
	       "             observed_at | observed_from + observed_to, "
	       "source_type,\n"
	       "             source_member, source_organisation, source_unit, "
	       "category,\n"
	       "             weapon, count, count_qualifier, lat, lon, "
	       "precision_m |\n"
	       "             place, bearing_deg, distance_m, distance_error_m "
	       "|\n"
	       "             lat, lon, ce90_m (a UAV frame) |\n"
	       "             sensors (a JSON array), speed_mps, sigma_t_s | "
	       "sigma_t_ns,\n"
	       "             source_alt_m (arrival times) | bearings (a JSON "
	       "array),\n"
	       "             narrative, alleged_by, alleged_against,\n"
	       "             casualties_{civilian,military}_{low,best,high},\n"
	       "             evidence (\"SHA256:MEDIA_TYPE ...\", "
	       "space-separated);\n"
	       "           id and index (as `truce query --format csv` writes "
	       "them) are\n"
	       "           accepted and ignored. An unknown column is an "
	       "error.\n"
	       "  geojson  a FeatureCollection; a Point geometry is the "
	       "location's lon/lat,\n"
	       "           the properties are the rest of the observation "
	       "(precision_m may\n"
	       "           be a property); a null geometry needs "
	       "properties.location\n"
	       "  jsonl    one observation per line, in the API's input form "
	       "(a GeoJSON\n"
	       "           Feature per line is accepted too)\n"
	       "\n"
	       "options:\n"
	       "  --format F     csv, geojson or jsonl (default: from the file "
	       "name)\n"
	       "  --batch N      observations per request, 1..%d (default %d)\n"
	       "  --dry-run      validate only; contact no server\n"
	       "  --server URL   the center (default $TRUCE_SERVER, else %s)\n"
	       "  --token T      bearer token (default $TRUCE_TOKEN); never "
	       "printed\n"
	       "  --timeout S    seconds allowed per request, 1..3600 (default "
	       "120)\n"
	       "  -q, --quiet    no progress bar (it is drawn only when "
	       "standard error is a\n"
	       "                 terminal)\n"
	       "  -h, --help     this text\n"
	       "\n"
	       "limits: lines of %d bytes, %d rows, CSV/JSON lines files of 16 "
	       "GiB,\n"
	       "GeoJSON files of 256 MiB.\n",
	    IMPORT_MAX_BATCH, IMPORT_DEFAULT_BATCH, CLIENT_DEFAULT_SERVER,
	    IMPORT_MAX_LINE, IMPORT_MAX_ROWS);
}

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
clear_bar(struct import *im)
{
	if (im->bar_drawn) {
		fputs("\r\033[K", stderr);
		im->bar_drawn = 0;
	}
}

/* Redraws the progress bar at most five times a second (or when forced). */
static void
draw_bar(struct import *im, int force)
{
	struct timespec now;
	char bar[31];
	double frac;
	size_t i, fill;

	if (!im->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && im->bar_drawn && elapsed(&im->last_draw, &now) < 0.2)
		return;
	im->last_draw = now;
	if (im->size > 0) {
		frac = (double)im->consumed / (double)im->size;
		frac = frac > 1 ? 1 : frac;
		fill = (size_t)(frac * 30);
		for (i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		fprintf(stderr, "\r\033[K%s [%s] %3.0f%%  %zu rows, %zu sent",
		    im->dry_run ? "checking" : "importing", bar, frac * 100,
		    im->rows, im->created + im->existing);
	} else
		fprintf(stderr, "\r\033[K%s  %zu rows, %zu sent",
		    im->dry_run ? "checking" : "importing", im->rows,
		    im->created + im->existing);
	im->bar_drawn = 1;
}

/* Reports one problem of the row at line (0: the file as a whole). */
static void __attribute__((format(printf, 3, 4)))
report(struct import *im, size_t line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clear_bar(im);
	if (line > 0)
		fprintf(stderr, "%s:%zu: %s\n", im->name, line, msg);
	else
		fprintf(stderr, "%s: %s\n", im->name, msg);
}

/* Reports an error whose pointer is into the input form of row o. */
static void
report_pointer(struct import *im, const struct origin *o, const char *pointer,
    const char *message, const char *suffix)
{
	char where[256], prefix[48];

	if (o->is_feature) {
		if (o->feature >= 0)
			snprintf(prefix, sizeof(prefix), "/features/%ld",
			    o->feature);
		else
			prefix[0] = '\0';
		obsform_feature_pointer(o->how, prefix, pointer, where,
		    sizeof(where));
	} else
		snprintf(where, sizeof(where), "%s", pointer);
	if (where[0] == '\0')
		snprintf(where, sizeof(where), "/");
	report(im, o->line, "%s: %s%s", where, message, suffix);
}

/*
 * Checks one observation exactly as the center will: the validator, then
 * the size of its canonical entry. Returns 0, or -1 with errors.
 */
static int
check_observation(const json_t *in, int64_t now_ms,
    struct observation_error *errs, size_t maxerr, size_t *nerr)
{
	char id[OBSERVATION_ID_LEN + 1], *bytes = NULL;
	json_t *entry;
	size_t len;
	int ret = -1;

	entry = observation_from_input(in, now_ms, errs, maxerr, nerr);
	if (entry == NULL)
		goto out;
	if (observation_encode(entry, &bytes, &len, id) == -1) {
		snprintf(errs[0].pointer, sizeof(errs[0].pointer), "%s", "");
		snprintf(errs[0].message, sizeof(errs[0].message),
		    "the observation's canonical form is over the limit of "
		    "%d bytes",
		    OBSERVATION_MAX_ENTRY);
		*nerr = 1;
		goto out;
	}
	ret = 0;
out:
	free(bytes);
	json_decref(entry);
	return ret;
}

static void
tally(size_t nerr, size_t shown, struct import *im, const struct origin *o)
{
	if (nerr > shown)
		report(im, o->line, "... and %zu more errors in this row",
		    nerr - shown);
}

/* Sends items [0, n) of arr; see send_batch. */
static int send_items(struct import *im, json_t *arr, struct origin *orig,
    size_t n);

/*
 * Posts the current batch. On 422 reports the items the center refused,
 * drops them and resends the rest; on 413 splits the batch in halves. Any
 * other failure stops the import. Returns 0 or -1 (stopped).
 */
static int
send_batch(struct import *im)
{
	size_t n = json_array_size(im->batch);
	int ret = 0;

	if (n > 0)
		ret = send_items(im, im->batch, im->origins, n);
	json_array_clear(im->batch);
	return ret;
}

static int
count_results(struct import *im, const json_t *body, size_t n)
{
	json_t *results = json_object_get(body, "results"), *r;
	size_t i;

	if (!json_is_array(results) || json_array_size(results) != n) {
		report(im, 0,
		    "the center answered a batch of %zu without %zu "
		    "results; stopping",
		    n, n);
		return -1;
	}
	json_array_foreach(results, i, r)
	{
		if (json_is_true(json_object_get(r, "created")))
			im->created++;
		else
			im->existing++;
	}
	return 0;
}

static int
send_items(struct import *im, json_t *arr, struct origin *orig, size_t n)
{
	json_t *body = NULL, *errors, *e, *rest = NULL, *half = NULL;
	char msg[1200];
	unsigned char *bad = NULL;
	size_t i, k, nbad, h;
	long status;
	int round, ret = -1;
	json_int_t idx;

	for (round = 0;; round++) {
		json_decref(body);
		body = NULL;
		if (client_post(im->client, "/v1/observations", arr, &status,
			&body) == -1)
			goto out;
		if (status == 201 || status == 200) {
			ret = count_results(im, body, n);
			goto out;
		}
		if (status == 413 && n > 1) {
			/* Too big for the center: halve until it fits. */
			h = n / 2;
			half = json_array();
			for (i = 0; half != NULL && i < h; i++)
				json_array_append(half, json_array_get(arr, i));
			rest = json_array();
			for (i = h; rest != NULL && i < n; i++)
				json_array_append(rest, json_array_get(arr, i));
			if (half == NULL || rest == NULL)
				goto out;
			if (send_items(im, half, orig, h) == -1 ||
			    send_items(im, rest, orig + h, n - h) == -1)
				goto out;
			ret = 0;
			goto out;
		}
		errors = json_object_get(body, "errors");
		if (status != 422 || !json_is_array(errors) ||
		    json_array_size(errors) == 0 ||
		    round == IMPORT_MAX_RESENDS) {
			client_problem(status, body, msg, sizeof(msg));
			report(im, 0,
			    "the center refused a batch of %zu: %s; "
			    "stopping",
			    n, msg);
			goto out;
		}
		/* Report what the center refused, resend the rest. */
		free(bad);
		if ((bad = calloc(n, 1)) == NULL)
			goto out;
		json_array_foreach(errors, k, e)
		{
			idx = json_integer_value(json_object_get(e, "index"));
			if (!json_is_integer(json_object_get(e, "index")) ||
			    idx < 0 || (size_t)idx >= n) {
				client_problem(status, body, msg, sizeof(msg));
				report(im, 0,
				    "the center refused a batch: %s; "
				    "stopping",
				    msg);
				goto out;
			}
			report_pointer(im, &orig[idx],
			    json_string_value(json_object_get(e, "pointer"))
				? json_string_value(
				      json_object_get(e, "pointer"))
				: "",
			    json_string_value(json_object_get(e, "message"))
				? json_string_value(
				      json_object_get(e, "message"))
				: "refused",
			    " (refused by the center)");
			if (!bad[idx]) {
				bad[idx] = 1;
				im->rejected++;
				im->valid--;
			}
		}
		/* Compact arr and orig in place, keeping the good items. */
		for (i = 0, k = 0, nbad = 0; i < n; i++) {
			if (bad[i]) {
				nbad++;
				continue;
			}
			orig[k] = orig[i];
			json_array_set(arr, k, json_array_get(arr, i));
			k++;
		}
		while (json_array_size(arr) > k)
			json_array_remove(arr, json_array_size(arr) - 1);
		n = k;
		if (n == 0) {
			ret = 0;
			goto out;
		}
	}
out:
	if (ret == -1)
		im->stopped = 1;
	free(bad);
	json_decref(half);
	json_decref(rest);
	json_decref(body);
	return ret;
}

/*
 * Takes one converted row (obs, owned) from origin o: validates it,
 * reports its errors, queues it for sending. Returns -1 when the import
 * must stop.
 */
static int
take_row(struct import *im, json_t *obs, const struct origin *o)
{
	struct observation_error errs[IMPORT_MAX_ERRORS];
	size_t nerr = 0, i, n;
	int ret = 0;

	if (check_observation(obs, im->now_ms, errs, IMPORT_MAX_ERRORS,
		&nerr) == -1) {
		n = nerr < IMPORT_MAX_ERRORS ? nerr : IMPORT_MAX_ERRORS;
		for (i = 0; i < n; i++)
			report_pointer(im, o, errs[i].pointer, errs[i].message,
			    "");
		if (nerr == 0)
			report(im, o->line, "invalid observation");
		tally(nerr, n, im, o);
		im->rejected++;
		goto out;
	}
	im->valid++;
	if (im->dry_run)
		goto out;
	im->origins[json_array_size(im->batch)] = *o;
	if (json_array_append(im->batch, obs) == -1) {
		report(im, 0, "out of memory");
		im->stopped = 1;
		ret = -1;
		goto out;
	}
	if (json_array_size(im->batch) >= im->batch_max)
		ret = send_batch(im);
out:
	json_decref(obs);
	draw_bar(im, 0);
	return ret;
}

/* Reports conversion errors (pointers into the input form) of a row. */
static void
report_conversion(struct import *im, const struct origin *o,
    const struct obsform_error *errs, size_t nerr, int raw_pointers)
{
	size_t i, n = nerr < IMPORT_MAX_ERRORS ? nerr : IMPORT_MAX_ERRORS;

	for (i = 0; i < n; i++) {
		if (raw_pointers) {
			char where[256];

			if (o->feature >= 0)
				snprintf(where, sizeof(where),
				    "/features/%ld%s", o->feature,
				    errs[i].pointer);
			else
				snprintf(where, sizeof(where), "%s",
				    errs[i].pointer[0] ? errs[i].pointer : "/");
			report(im, o->line, "%s: %s", where, errs[i].message);
		} else
			report_pointer(im, o, errs[i].pointer, errs[i].message,
			    "");
	}
	if (nerr == 0)
		report(im, o->line, "cannot read this row");
	tally(nerr, n, im, o);
	im->rejected++;
}

/* Counts a row against the limit; -1 (stop) past IMPORT_MAX_ROWS. */
static int
count_row(struct import *im, size_t line)
{
	if (im->rows == IMPORT_MAX_ROWS) {
		report(im, line, "more than %d rows: split the file",
		    IMPORT_MAX_ROWS);
		im->stopped = 1;
		return -1;
	}
	im->rows++;
	return 0;
}

/*
 * Reads the next physical line (without its line ending) into buf, which
 * holds IMPORT_MAX_LINE + 2 bytes. Returns its length, -1 at the end,
 * -2 when the line is too long (the rest of it is skipped), -3 on a read
 * error or past the file size limit.
 */
static long
next_line(struct import *im, char *buf)
{
	size_t n;
	int c, too_long = 0;

	if (fgets(buf, IMPORT_MAX_LINE + 2, im->in) == NULL)
		return ferror(im->in) ? -3 : -1;
	n = strlen(buf);
	im->consumed += (int64_t)n;
	if (n > 0 && buf[n - 1] != '\n' && n == IMPORT_MAX_LINE + 1) {
		too_long = 1;
		while ((c = getc(im->in)) != EOF && c != '\n')
			im->consumed++;
	}
	if (im->consumed > IMPORT_MAX_FILE) {
		report(im, 0, "larger than the limit of %lld bytes",
		    (long long)IMPORT_MAX_FILE);
		return -3;
	}
	if (too_long)
		return -2;
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (long)n;
}

static int
is_blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static int
import_jsonl(struct import *im)
{
	struct obsform_error ferrs[IMPORT_MAX_ERRORS];
	struct origin o = { 0, -1, 0, 0 };
	json_error_t jerr;
	json_t *doc, *obs;
	char *line = NULL;
	const char *type;
	size_t lineno = 0, nerr;
	long n;
	int ret = -1;

	if ((line = malloc(IMPORT_MAX_LINE + 2)) == NULL)
		goto out;
	while ((n = next_line(im, line)) != -1) {
		lineno++;
		if (n == -3)
			goto out;
		if (n == -2) {
			if (count_row(im, lineno) == -1)
				goto out;
			report(im, lineno, "line longer than %d bytes",
			    IMPORT_MAX_LINE);
			im->rejected++;
			continue;
		}
		if (is_blank(line))
			continue;
		if (count_row(im, lineno) == -1)
			goto out;
		o.line = lineno;
		o.is_feature = 0;
		doc =
		    json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL) {
			report(im, lineno, "column %d: %s", jerr.column,
			    jerr.text);
			im->rejected++;
			continue;
		}
		type = json_string_value(json_object_get(doc, "type"));
		if (type != NULL && strcmp(type, "Feature") == 0) {
			o.is_feature = 1;
			obs = obsform_from_feature(doc, &o.how, ferrs,
			    IMPORT_MAX_ERRORS, &nerr);
			json_decref(doc);
			if (obs == NULL) {
				report_conversion(im, &o, ferrs, nerr, 1);
				continue;
			}
		} else
			obs = doc;
		if (take_row(im, obs, &o) == -1)
			goto out;
	}
	ret = 0;
out:
	free(line);
	return ret;
}

static int
import_csv(struct import *im)
{
	struct obsform_error ferrs[IMPORT_MAX_ERRORS];
	struct origin o = { 0, -1, 0, 0 };
	struct obsform_csv *header = NULL;
	struct csv_record *rec = NULL;
	const char *fields[CSV_MAX_FIELDS];
	char *line = NULL, *record = NULL, err[256];
	size_t lineno = 0, start = 0, reclen = 0, i, nerr;
	long n;
	int rc, ret = -1;
	json_t *obs;

	line = malloc(IMPORT_MAX_LINE + 2);
	record = malloc(IMPORT_MAX_LINE + 2);
	rec = csv_record_new();
	if (line == NULL || record == NULL || rec == NULL)
		goto out;
	while ((n = next_line(im, line)) != -1) {
		lineno++;
		if (n == -3)
			goto out;
		if (lineno == 1 && n >= 3 &&
		    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
			/* A UTF-8 byte order mark, as spreadsheets write. */
			memmove(line, line + 3, (size_t)n - 2);
			n -= 3;
		}
		if (n == -2 ||
		    (reclen > 0 && reclen + 1 + (size_t)n > IMPORT_MAX_LINE)) {
			if (header == NULL) {
				report(im, lineno,
				    "header line longer than "
				    "%d bytes",
				    IMPORT_MAX_LINE);
				goto out;
			}
			if (count_row(im, lineno) == -1)
				goto out;
			report(im, reclen ? start : lineno,
			    "record longer than %d bytes", IMPORT_MAX_LINE);
			im->rejected++;
			reclen = 0;
			continue;
		}
		if (reclen == 0) {
			if (n == 0)
				continue; /* blank line between records */
			start = lineno;
			memcpy(record, line, (size_t)n);
			reclen = (size_t)n;
		} else {
			/* A quoted field goes on: keep its line break. */
			record[reclen++] = '\n';
			memcpy(record + reclen, line, (size_t)n);
			reclen += (size_t)n;
		}
		record[reclen] = '\0';
		err[0] = '\0';
		rc = csv_parse(rec, record, reclen, err, sizeof(err));
		if (rc == 0)
			continue;
		reclen = 0;
		if (header == NULL) {
			if (rc == -1) {
				report(im, start, "header: %s", err);
				goto out;
			}
			for (i = 0; i < csv_record_count(rec); i++)
				fields[i] = csv_record_field(rec, i);
			header = obsform_csv_new(fields, csv_record_count(rec),
			    err, sizeof(err));
			if (header == NULL) {
				report(im, start, "header: %s", err);
				goto out;
			}
			continue;
		}
		if (count_row(im, start) == -1)
			goto out;
		o.line = start;
		if (rc == -1) {
			report(im, start, "%s", err);
			im->rejected++;
			continue;
		}
		for (i = 0; i < csv_record_count(rec); i++)
			fields[i] = csv_record_field(rec, i);
		obs = obsform_csv_row(header, fields, csv_record_count(rec),
		    ferrs, IMPORT_MAX_ERRORS, &nerr);
		if (obs == NULL) {
			report_conversion(im, &o, ferrs, nerr, 0);
			continue;
		}
		if (take_row(im, obs, &o) == -1)
			goto out;
	}
	if (reclen > 0) {
		if (count_row(im, start) == -1)
			goto out;
		report(im, start,
		    "a quoted field is not closed before the end "
		    "of the file");
		im->rejected++;
	}
	if (header == NULL) {
		report(im, 0, "empty: a CSV file needs a header row");
		goto out;
	}
	ret = 0;
out:
	obsform_csv_free(header);
	csv_record_free(rec);
	free(line);
	free(record);
	return ret;
}

static int
import_geojson(struct import *im)
{
	struct obsform_error ferrs[IMPORT_MAX_ERRORS];
	struct origin o = { 0, -1, 0, 1 };
	json_error_t jerr;
	json_t *doc = NULL, *features, *f, *obs;
	char *text = NULL, *p;
	size_t len = 0, cap = 0, got, *lines = NULL, nlines = 0, i, nerr;
	const char *type;
	int ret = -1;

	/* Read it all (bounded): features are decoded from memory. */
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if ((p = realloc(text, cap + 1)) == NULL)
				goto nomem;
			text = p;
		}
		got = fread(text + len, 1, cap - len, im->in);
		len += got;
		im->consumed = (int64_t)len;
		if ((int64_t)len > IMPORT_MAX_GEOJSON) {
			report(im, 0,
			    "larger than the GeoJSON limit of %lld "
			    "MiB (use JSON lines for bigger sets)",
			    (long long)(IMPORT_MAX_GEOJSON >> 20));
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(im->in)) {
		report(im, 0, "read error: %s", strerror(errno));
		goto out;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		report(im, (size_t)(jerr.line > 0 ? jerr.line : 0),
		    "column %d: %s", jerr.column, jerr.text);
		goto out;
	}
	type = json_string_value(json_object_get(doc, "type"));
	features = json_object_get(doc, "features");
	if (type == NULL || strcmp(type, "FeatureCollection") != 0 ||
	    !json_is_array(features)) {
		report(im, 1,
		    "/type: not a GeoJSON FeatureCollection with a "
		    "\"features\" array");
		goto out;
	}
	if (obsform_feature_lines(text, len, &lines, &nlines) == -1 ||
	    nlines != json_array_size(features)) {
		free(lines);
		lines = NULL;
		nlines = 0; /* lines unknown: report line 1 */
	}
	json_array_foreach(features, i, f)
	{
		o.line = i < nlines ? lines[i] : 1;
		o.feature = (long)i;
		if (count_row(im, o.line) == -1)
			goto out;
		obs = obsform_from_feature(f, &o.how, ferrs, IMPORT_MAX_ERRORS,
		    &nerr);
		if (obs == NULL) {
			report_conversion(im, &o, ferrs, nerr, 1);
			continue;
		}
		if (take_row(im, obs, &o) == -1)
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	report(im, 0, "out of memory");
out:
	free(lines);
	free(text);
	json_decref(doc);
	return ret;
}

static enum format
parse_format(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return F_CSV;
	if (strcmp(s, "geojson") == 0)
		return F_GEOJSON;
	if (strcmp(s, "jsonl") == 0)
		return F_JSONL;
	return F_NONE;
}

static enum format
guess_format(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return F_NONE;
	if (strcasecmp(dot, ".csv") == 0)
		return F_CSV;
	if (strcasecmp(dot, ".geojson") == 0 || strcasecmp(dot, ".json") == 0)
		return F_GEOJSON;
	if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".ndjson") == 0)
		return F_JSONL;
	return F_NONE;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "batch", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "server", required_argument, NULL, 's' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "token", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import im;
	const char *server = NULL, *token = NULL;
	int64_t batch = IMPORT_DEFAULT_BATCH, timeout = 120;
	struct stat st;
	int ch, quiet = 0, ret = 2, rc;

	memset(&im, 0, sizeof(im));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((im.format = parse_format(optarg)) == F_NONE) {
				args_usage(CMD,
				    "--format: '%.32s' is not csv, "
				    "geojson or jsonl",
				    optarg);
				goto out;
			}
			break;
		case 'b':
			if (args_i64(CMD, "--batch", optarg, 1,
				IMPORT_MAX_BATCH, &batch) == -1)
				goto out;
			break;
		case 'n': im.dry_run = 1; break;
		case 's': server = optarg; break;
		case 'A': client_set_cacert(optarg); break;
		case 't': token = optarg; break;
		case 'T':
			if (args_i64(CMD, "--timeout", optarg, 1, 3600,
				&timeout) == -1)
				goto out;
			break;
		case 'q': quiet = 1; break;
		case 'h':
			help();
			ret = 0;
			goto out;
		default: args_bad_option(CMD, argv, optind, optopt); goto out;
		}
	}
	if (argc - optind != 1) {
		args_usage(CMD,
		    argc == optind ? "FILE is required" : "one FILE at a time");
		goto out;
	}
	im.path = argv[optind];
	im.name = strcmp(im.path, "-") == 0 ? "(stdin)" : im.path;
	if (im.format == F_NONE) {
		if (strcmp(im.path, "-") == 0 ||
		    (im.format = guess_format(im.path)) == F_NONE) {
			args_usage(CMD,
			    "cannot tell the format of '%.200s' "
			    "from its name: give --format "
			    "csv|geojson|jsonl",
			    im.path);
			goto out;
		}
	}
	im.batch_max = (size_t)batch;

	ret = 1;
	im.size = -1;
	if (strcmp(im.path, "-") == 0)
		im.in = stdin;
	else if ((im.in = fopen(im.path, "r")) == NULL) {
		log_warn("%s", im.path);
		goto out;
	}
	if (fstat(fileno(im.in), &st) == 0 && S_ISREG(st.st_mode)) {
		im.size = (int64_t)st.st_size;
		if (im.size > (im.format == F_GEOJSON ? IMPORT_MAX_GEOJSON
						      : IMPORT_MAX_FILE)) {
			report(&im, 0,
			    "%lld bytes is larger than the limit of "
			    "%lld bytes for this format",
			    (long long)im.size,
			    (long long)(im.format == F_GEOJSON
				    ? IMPORT_MAX_GEOJSON
				    : IMPORT_MAX_FILE));
			goto out;
		}
	} else if (fstat(fileno(im.in), &st) == 0 && S_ISDIR(st.st_mode)) {
		report(&im, 0, "is a directory");
		goto out;
	}
	if (!im.dry_run) {
		im.client = client_new(server, token, (long)timeout);
		im.batch = json_array();
		im.origins = calloc(im.batch_max, sizeof(*im.origins));
		if (im.client == NULL || im.batch == NULL || im.origins == NULL)
			goto out;
	}
	im.progress = !quiet && isatty(STDERR_FILENO);
	im.now_ms = timefmt_now_ms();
	switch (im.format) {
	case F_CSV: rc = import_csv(&im); break;
	case F_GEOJSON: rc = import_geojson(&im); break;
	default: rc = import_jsonl(&im); break;
	}
	if (rc == 0 && !im.stopped && !im.dry_run)
		rc = send_batch(&im);
	clear_bar(&im);
	if (im.dry_run)
		printf("dry run: %zu valid, rejected %zu (nothing sent)\n",
		    im.valid, im.rejected);
	else
		printf("imported %zu (new %zu, existing %zu), rejected %zu%s\n",
		    im.created + im.existing, im.created, im.existing,
		    im.rejected,
		    rc == 0 && !im.stopped ? "" : "; stopped early");
	if (rc == 0 && !im.stopped && im.rejected == 0)
		ret = 0;
out:
	if (im.in != NULL && im.in != stdin)
		fclose(im.in);
	client_free(im.client);
	json_decref(im.batch);
	free(im.origins);
	return ret;
}
