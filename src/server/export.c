/*
 * export: streamed exports of the listings (see export.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "format/csv.h"
#include "server/export.h"

/* A streamed answer: what is buffered and where the rows come from. */
struct stream {
	enum export_format f;
	struct obsfeature_text buf;
	size_t off; /* sent of buf */
	int rows_done, tail_sent, failed;
	export_page_fn page;
	void *ctx;
	void (*ctx_free)(void *);
	char tail[64];
};

int
export_format_parse(const char *s, enum export_format *f)
{
	if (strcmp(s, "geojson") == 0)
		*f = EXPORT_GEOJSON;
	else if (strcmp(s, "csv") == 0)
		*f = EXPORT_CSV;
	else if (strcmp(s, "kml") == 0)
		*f = EXPORT_KML;
	else
		return -1;
	return 0;
}

static int
add(struct obsfeature_text *t, const char *s)
{
	return obsfeature_text_add(t, s, strlen(s));
}

/* Appends s with XML's five characters escaped. */
static int
add_xml(struct obsfeature_text *t, const char *s)
{
	const char *e;
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		default: e = NULL; break;
		}
		rc = e ? add(t, e) : obsfeature_text_add(t, s, 1);
	}
	return rc;
}

/* Appends s as a JSON string (the filter: printable ASCII and UTF-8). */
static int
json_quote(struct obsfeature_text *t, const char *s)
{
	char u[8];
	int rc = add(t, "\"");

	for (; *s != '\0' && rc == 0; s++) {
		if (*s == '"' || *s == '\\') {
			u[0] = '\\';
			u[1] = *s;
			rc = obsfeature_text_add(t, u, 2);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(u, sizeof(u), "\\u%04x", (unsigned char)*s);
			rc = add(t, u);
		} else
			rc = obsfeature_text_add(t, s, 1);
	}
	return rc || add(t, "\"");
}

int
export_kml_placemark(struct obsfeature_text *out, const char *name,
    const char *description, double lon, double lat)
{
	char pt[96];

	snprintf(pt, sizeof(pt), "%.7f,%.7f", lon, lat);
	return add(out, "<Placemark><name>") || add_xml(out, name) ||
		add(out, "</name><description>") || add_xml(out, description) ||
		add(out, "</description><Point><coordinates>") ||
		add(out, pt) || add(out, "</coordinates></Point></Placemark>\n")
	    ? -1
	    : 0;
}

int
export_csv_row(struct obsfeature_text *out, const char *const *fields, size_t n)
{
	char *line;
	int rc;

	if ((line = csv_format(fields, n)) == NULL)
		return -1;
	rc = add(out, line);
	free(line);
	return rc;
}

/* libmicrohttpd's reader: what is buffered, else the next page. */
static ssize_t
reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	size_t n;

	(void)pos;
	while (st->off == st->buf.len) {
		st->buf.len = st->off = 0;
		if (st->tail_sent || st->failed)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (st->rows_done) {
			if (add(&st->buf, st->tail) == -1)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			st->tail_sent = 1;
			continue;
		}
		if (st->page(st->ctx, &st->buf, &st->rows_done) == -1) {
			/* The status is sent: cut the file short, visibly. */
			st->failed = 1;
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
	n = st->buf.len - st->off < max ? st->buf.len - st->off : max;
	memcpy(out, st->buf.p + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream *st = cls;

	if (st->ctx_free != NULL)
		st->ctx_free(st->ctx);
	free(st->buf.p);
	free(st);
}

enum MHD_Result
export_stream(struct request *r, enum export_format f, const char *name,
    int64_t log_size, export_page_fn page, void *ctx, void (*ctx_free)(void *))
{
	static const char *const ctype[] = { "application/geo+json",
		"text/csv; charset=utf-8",
		"application/vnd.google-earth.kml+xml" };
	static const char *const ext[] = { "geojson", "csv", "kml" };
	const char *const *k, *v;
	char size[32], disp[128], head[160], filter[1200] = "", *q = filter;
	size_t used = 0;
	struct MHD_Response *resp;
	struct stream *st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		if (ctx_free != NULL)
			ctx_free(ctx);
		return http_problem(r, 503, "out of memory");
	}
	/* What the export is of: the filters given, in the route's order. */
	for (k = r->route->params; k != NULL && *k != NULL; k++)
		if ((v = http_query(r, *k)) != NULL && used < sizeof(filter))
			used += (size_t)snprintf(filter + used,
			    sizeof(filter) - used, "%s%s=%s", used ? "&" : "",
			    *k, v);
	if (used >= sizeof(filter))
		filter[sizeof(filter) - 1] = '\0';
	st->f = f;
	st->page = page;
	st->ctx = ctx;
	st->ctx_free = ctx_free;
	snprintf(size, sizeof(size), "%lld", (long long)log_size);
	switch (f) {
	case EXPORT_GEOJSON:
		snprintf(head, sizeof(head),
		    "{\"type\":\"FeatureCollection\","
		    "\"log_size\":%lld,\"filter\":",
		    (long long)log_size);
		snprintf(st->tail, sizeof(st->tail), "]}\n");
		break;
	case EXPORT_KML:
		snprintf(head, sizeof(head),
		    "<?xml version=\"1.0\" "
		    "encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/"
		    "kml/2.2\"><Document>\n");
		snprintf(st->tail, sizeof(st->tail), "</Document></kml>\n");
		break;
	case EXPORT_CSV:
		head[0] = '\0';
		st->tail[0] = '\0';
		break;
	}
	if (add(&st->buf, head) == -1 ||
	    (f == EXPORT_GEOJSON &&
		(json_quote(&st->buf, q) ||
		    add(&st->buf, ",\"features\":["))) ||
	    (f == EXPORT_KML &&
		(add(&st->buf, "<name>truce ") || add_xml(&st->buf, name) ||
		    add(&st->buf, ", log size ") || add(&st->buf, size) ||
		    add(&st->buf, "</name><description>") ||
		    add_xml(&st->buf, q) ||
		    add(&st->buf, "</description>\n")))) {
		stream_free(st);
		return http_problem(r, 503, "out of memory");
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
	    reader, st, stream_free);
	if (resp == NULL) {
		stream_free(st);
		return http_problem(r, 503, "out of memory");
	}
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"", name,
	    ext[f]);
	MHD_add_response_header(resp, "Content-Type", ctype[f]);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Truce-Log-Size", size);
	MHD_add_response_header(resp, "X-Truce-Filter", q);
	return http_queue(r, 200, resp);
}
