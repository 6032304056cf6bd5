/*
 * render: the renderings of a report (report/report.h) — HTML and an SVG
 * map — written by the code, byte for byte the same for the same input
 * (no clock, no locale, no randomness: docs/products.md "Renderings").
 *
 * The HTML carries, besides what a reader sees, the report's canonical
 * bytes and the members' signed notes (base64, in a <script> element of
 * type application/vnd.truce.report), so `truce verify-report` checks an
 * HTML file as it checks the JSON; its footer names the report's hash,
 * number, log size and signature status ("released, signed by RU and TR,
 * log index I").
 *
 * The map is drawn from the center's own geography (struct render_geo:
 * lines of contact, areas and settlements, from data/ through geo/
 * layers.h) in an equirectangular projection about the incidents' mean
 * latitude: incidents by category with their 95 % ellipses, a scale bar,
 * a north arrow, a legend and the data's attribution. No tiles.
 *
 * Pure: no I/O.
 */
#ifndef TRUCE_RENDER_H
#define TRUCE_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define RENDER_MAX_BYTES ((size_t)256 * 1024 * 1024) /* one rendering */

/* A rendering: data[0..len-1] (malloc'd, NUL-terminated). */
struct render_out {
	char *data;
	size_t len;
};

/* A polyline or ring of the geography, in degrees: point i is
 * (lat[i * stride], lon[i * stride]). */
struct render_path {
	const double *lat, *lon;
	size_t n, stride;
	const char *name; /* may be NULL */
};

/* A settlement. */
struct render_place {
	double lat, lon;
	const char *name;
	int64_t population;
};

/* The geography a map shows (all borrowed). */
struct render_geo {
	const struct render_path *lines; /* the line of contact */
	size_t nlines;
	const struct render_path *boundaries; /* other lines: borders */
	size_t nboundaries;
	const struct render_path *areas; /* zone rings */
	size_t nareas;
	const struct render_place *places;
	size_t nplaces;
	const char *attribution; /* the data's sources */
};

/*
 * The HTML page of env: GET /v1/reports/{id}'s record ({"sha256",
 * "state","state_index","signatures","needed","report",...}), its map
 * over geo (NULL: incidents only). 0 with *out (caller frees out->data),
 * or -1.
 */
int render_html(const json_t *env, const struct render_geo *geo,
    struct render_out *out);

/*
 * The SVG map of report (its annex) over geo (NULL: incidents only). 0
 * with *out, or -1.
 */
int render_map_svg(const json_t *report, const struct render_geo *geo,
    struct render_out *out);

/*
 * The trend chart of report (its "trend": daily and summary reports) as
 * SVG: violations per report day, bars stacked by category. 0 with *out
 * (caller frees out->data), or -1 (no trend, out of memory).
 */
int render_trend_svg(const json_t *report, struct render_out *out);

/*
 * The verifiable payload of env, embedded in the HTML and PDF renderings:
 * base64 of env as JSON (sorted keys) with "report" replaced by the
 * report's canonical bytes (a string) and "sha256" by their hash. A new
 * NUL-terminated string (caller frees), or NULL.
 */
char *render_payload(const json_t *env);

/*
 * Reads a payload (len bytes of base64) back into an env whose "report"
 * is the object again (its "sha256" is the hash the payload names, to be
 * checked). A new object, or NULL if it is not one.
 */
json_t *render_payload_read(const char *b64, size_t len);

/*
 * The signature status line of env, e.g. "released, signed by RU and TR,
 * log index 42" or "draft: signed by RU; 2 of 2 signatures needed", into
 * buf (len bytes).
 */
void render_status(const json_t *env, char *buf, size_t len);

/* A run of text on a page for print: UTF-8 text from (x, y), its
 * baseline's start in points from the page's top-left corner, in DejaVu
 * Sans of size points, bold or not. */
struct render_text {
	double x, y, size;
	int bold;
	char *text;
};

/*
 * A page for print, width by height points (A4, portrait or landscape).
 * Either SVG (svg.data not NULL: the map
 * and trend chart, drawn by librsvg) or runs of text (text[0..ntext-1])
 * and a rule from (rule_x0, rule_y) to (rule_x1, rule_y) (none when
 * rule_x1 <= rule_x0), drawn straight with cairo: the tables of the annex
 * are thousands of cells, which librsvg lays out a hundred times slower
 * (bench/RESULTS.md "Products").
 */
struct render_page {
	struct render_out svg;
	struct render_text *text;
	size_t ntext, cap;
	double rule_x0, rule_x1, rule_y;
	double width, height;
};

/*
 * The report as A4 pages for print: the sections, the map and the trend
 * chart on a page of their own (SVG), the annex; each page's footer names
 * number, log size, page, hash and signature status. *pages (npages of
 * them) is freed with render_pages_free. 0 or -1 (out of memory, past
 * RENDER_MAX_BYTES).
 */
int render_pages(const json_t *env, const struct render_geo *geo,
    struct render_page **pages, size_t *npages);
void render_pages_free(struct render_page *pages, size_t n);

/* What precedes the payload appended to a PDF rendering (a comment). */
#define RENDER_PDF_MARK "%TRUCE-REPORT "

#endif
