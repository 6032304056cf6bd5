/*
 * Unit test of the reports' PDF (center/products.h products_pdf through
 * report/render.h and report/raster.h): a daily report of a peak day, 2,000
 * incidents in its annex, prints (its CPU time is reported, not judged:
 * the 1 s bar is bench/products' to measure, `make bench-products`);
 * the same record gives the same bytes; and, when poppler's pdftotext is
 * installed, the text is in the PDF: the number, the totals, Azerbaijani,
 * Russian and Armenian place names, the footer with hash and log size and
 * the release; the annex's columns (the HTML's: line and members too); and,
 * from the words' boxes (pdftotext -bbox), the layout: a zone name too long
 * for its column wraps in the summary's font beside a count that stays in
 * its column, and no cell of the annex reaches the next column. The map's
 * legend is outside the area the map draws.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "center/products.h"
#include "report/render.h"
#include "tap.h"

#define NROWS 2000

/* fontconfig (under cairo and librsvg) keeps its caches for the life of
 * the process by design (tests/lib/lsan.supp): not leaks of truce's. */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

const char *__lsan_default_options(void);
const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

/* Longer than three lines of the annex's place column: cut, with "…". */
#define LONG_PLACE                                                        \
	"12 km north-north-east of the crossroads between the old mill, " \
	"the school, the three poplars by the river bank and the road "   \
	"that leads to the upper pastures beyond the orchard"
/* One word wider than the annex's zone column: cut, with "…". */
#define LONG_WORD "Shahbuzrayonunakhchivanautonomousrespublikasi"
#define LONG_ZONE "Nagorno-Karabakh Autonomous Oblast (1991)"

static const char *const places[] = { "Ağdam, 3 km NE", "Шуша, 2 km S",
	"Երևան, 5 km W", "Tərtər & <Barda>" };
static const char *const cats[] = { "explosion", "burst_or_shot",
	"small_arms_fire" };

static json_t *
peak_day(void)
{
	json_t *annex = json_array(), *report, *env, *bycat = json_array();
	size_t i;

	for (i = 0; i < NROWS; i++)
		json_array_append_new(annex,
		    json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:I,"
			      "s:{s:I,s:I},s:{s:s,s:I,s:s},s:[ss]}",
			"incident", "inc-0001", "time_from_ms",
			(json_int_t)(1795200000000LL + (json_int_t)i * 40000),
			"utc_offset_s", (json_int_t)14400, "description",
			i == 0 ? LONG_PLACE : places[i % 4], "zone",
			i == 1		 ? LONG_WORD
			    : i % 3 == 0 ? LONG_ZONE
			    : i % 2	 ? "north"
					 : "south",
			"category", cats[i % 3], "qualifier",
			i % 5 ? "exact" : "about", "count",
			(json_int_t)(1 + i % 9), "independent_sources",
			(json_int_t)(1 + i % 3), "state", "agreed_violation",
			"log_index", (json_int_t)(1000 + i), "position",
			"lat_e7", (json_int_t)(400000000 + (i % 97) * 100000),
			"lon_e7", (json_int_t)(466000000 + (i % 89) * 100000),
			"line", "name", "Ceasefire Line 1994", "distance_m",
			(json_int_t)(2400 + i % 7), "side",
			i % 2 ? "Azerbaijan" : "Nagorno-Karabakh", "members",
			"RU", "TR"));
	for (i = 0; i < 3; i++)
		json_array_append_new(bycat,
		    json_pack("{s:s,s:I,s:I,s:s}", "category", cats[i],
			"incidents", (json_int_t)667, "events",
			(json_int_t)3000, "qualifier", "exact"));
	report = json_pack("{s:s,s:s,s:s,s:I,s:{s:I,s:I,s:s,s:s},s:o,"
			   "s:{s:o,s:{s:s,s:I,s:I,s:s}}}",
	    "kind", "daily", "number", "Daily Report 324/2026", "center",
	    "Joint Monitoring Center", "log_size", (json_int_t)123456, "period",
	    "from_ms", (json_int_t)1795200000000LL, "to_ms",
	    (json_int_t)1795286400000LL, "cutoff", "19:30", "time_zone",
	    "Asia/Baku", "annex", annex, "summary", "by_category", bycat,
	    "total", "category", "all", "incidents", (json_int_t)2000, "events",
	    (json_int_t)9000, "qualifier", "about");
	/* Sources by type code: printed in words. */
	json_object_set_new(report, "sources",
	    json_pack("[{s:s,s:s,s:s,s:I}]", "type", "acoustic_sensor",
		"member", "RU", "unit", "AS-2", "observations", (json_int_t)4));
	json_object_set_new(report, "not_operational",
	    json_pack("[{s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:I}]", "unit", "OP-7",
		"type", "observation_post", "member", "TR", "status", "down",
		"from_ms", (json_int_t)1795200000000LL, "to_ms",
		(json_int_t)1795210000000LL, "reason", "power cut", "log_index",
		(json_int_t)77));
	json_object_set_new(json_object_get(report, "summary"), "by_zone",
	    json_pack("[{s:s,s:I,s:I,s:s},{s:s,s:I,s:I,s:s},"
		      "{s:s,s:I,s:I,s:s}]",
		"zone", "Armenia", "incidents", (json_int_t)1201, "events",
		(json_int_t)1401, "qualifier", "exact", "zone", LONG_ZONE,
		"incidents", (json_int_t)4531, "events", (json_int_t)4731,
		"qualifier", "exact", "zone", "unknown", "incidents",
		(json_int_t)7001, "events", (json_int_t)7201, "qualifier",
		"exact"));
	env = json_pack("{s:s,s:s,s:I,s:I,s:[{s:s,s:s},{s:s,s:s}],s:o}",
	    "sha256",
	    "3b1f0c5e9a7d2c4b6e8f0a1c3e5d7b9f1a2c4e6d8b0f2a4c6e8d0b2f4a6c8e0d",
	    "state", "released", "state_index", (json_int_t)4242, "needed",
	    (json_int_t)2, "signatures", "member", "RU", "decision", "sign",
	    "member", "TR", "decision", "sign", "report", report);
	return env;
}

/* pdf written to a new file at path (a mkstemp template). 0 or -1. */
static int
write_pdf(const struct render_out *pdf, char *path)
{
	int fd;

	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, pdf->data, pdf->len) != (ssize_t)pdf->len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* What the command cmd prints, as a new string (NULL if it cannot run). */
static char *
output_of(const char *cmd)
{
	char *t = NULL;
	size_t n = 0;
	FILE *f, *p;

	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	f = open_memstream(&t, &n);
	for (int c; f != NULL && (c = fgetc(p)) != EOF;)
		fputc(c, f);
	if (f != NULL)
		fclose(f);
	pclose(p);
	return t;
}

/* The PDF's text by pdftotext -layout. */
static char *
text_of(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "pdftotext -layout %s - 2>/dev/null", path);
	return output_of(cmd);
}

/* A word of a page and its box, in points from the page's top left. */
struct word {
	double x0, y0, x1, y1;
	char t[128];
};

/* The words of page `page` (pdftotext -bbox), *n of them; a new array. */
static struct word *
words_of(const char *path, int page, size_t *n)
{
	char cmd[256], *out, *l;
	struct word *v = NULL, w, *nv;
	size_t cap = 0;

	*n = 0;
	snprintf(cmd, sizeof(cmd),
	    "pdftotext -bbox -f %d -l %d %s - 2>/dev/null", page, page, path);
	if ((out = output_of(cmd)) == NULL)
		return NULL;
	for (l = strstr(out, "<word "); l != NULL; l = strstr(l + 1, "<word "))
		if (sscanf(l,
			"<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" "
			"yMax=\"%lf\">%127[^<]",
			&w.x0, &w.y0, &w.x1, &w.y1, w.t) == 5) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
					break;
				v = nv;
			}
			v[(*n)++] = w;
		}
	free(out);
	return v;
}

/* The first word of v that is t, or NULL. */
static const struct word *
word(const struct word *v, size_t n, const char *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].t, t) == 0)
			return &v[i];
	return NULL;
}

/*
 * The summary's zone table on page 1: the long zone name wraps in the
 * rows' font (as tall as "Armenia"), each of its words ends before its
 * count, and the counts of the rows start at the same x.
 */
static void
summary_layout(const char *path)
{
	const struct word *arm, *ob, *au, *yr, *c1, *c2, *c3;
	struct word *v;
	size_t n;

	v = words_of(path, 1, &n);
	arm = word(v, n, "Armenia");
	au = word(v, n, "Autonomous");
	ob = word(v, n, "Oblast");
	yr = word(v, n, "(1991)");
	c1 = word(v, n, "1201");
	c2 = word(v, n, "4531");
	c3 = word(v, n, "7001");
	ok(arm && au && ob && yr && c1 && c2 && c3,
	    "summary: the zones and their counts are on page 1");
	if (arm && au && ob && yr && c1 && c2 && c3) {
		ok(fabs((ob->y1 - ob->y0) - (arm->y1 - arm->y0)) < 0.5 &&
			fabs((au->y1 - au->y0) - (arm->y1 - arm->y0)) < 0.5,
		    "summary: the long zone name in the rows' font "
		    "(%.1f, %.1f high; Armenia %.1f)",
		    ob->y1 - ob->y0, au->y1 - au->y0, arm->y1 - arm->y0);
		ok(au->x1 < c2->x0 - 2 && ob->x1 < c2->x0 - 2 &&
			yr->x1 < c2->x0 - 2,
		    "summary: no word of the name reaches its count "
		    "(ends %.1f, %.1f, %.1f; count at %.1f)",
		    au->x1, ob->x1, yr->x1, c2->x0);
		ok(fabs(c1->x0 - c2->x0) < 0.5 && fabs(c3->x0 - c2->x0) < 0.5,
		    "summary: the counts stay aligned (%.1f, %.1f, %.1f)",
		    c1->x0, c2->x0, c3->x0);
		ok(ob->y1 > c2->y1 + 5 && yr->y1 > c2->y1 + 5,
		    "summary: the name wraps onto a second line");
	}
	free(v);
}

/*
 * The annex's first page: its header names the HTML's columns, and every
 * word below the header ends before the next column's header begins.
 */
static void
annex_layout(const char *path)
{
	static const char *const cols[] = { "local", "UTC", "place", "zone",
		"line", "category", "count", "src", "members", "state",
		"index" };
	const size_t ncols = sizeof(cols) / sizeof(cols[0]);
	const struct word *h[sizeof(cols) / sizeof(cols[0])];
	struct word *v = NULL;
	size_t n = 0, i, c, over = 0, checked = 0;
	int page, found = 0, cut = 0;

	for (page = 1; page <= 6 && !found; page++) {
		free(v);
		v = words_of(path, page, &n);
		found = word(v, n, "Annex:") != NULL;
	}
	ok(found, "annex: its first page is found");
	if (!found) {
		free(v);
		return;
	}
	for (c = 0; c < ncols; c++)
		if ((h[c] = word(v, n, cols[c])) == NULL)
			break;
	ok(c == ncols,
	    "annex: the header names %zu columns, line and "
	    "members among them",
	    ncols);
	if (c == ncols) {
		for (i = 0; i < n; i++) {
			if (v[i].y0 <= h[0]->y1 || v[i].y0 > h[0]->y1 + 420)
				continue; /* the header, the footer */
			cut |= strstr(v[i].t, "…") != NULL;
			for (c = ncols - 1; c > 0 && v[i].x0 < h[c]->x0 - 0.5;
			     c--)
				;
			checked++;
			if (c + 1 < ncols && v[i].x1 > h[c + 1]->x0 - 1) {
				if (over++ < 5)
					diag("  %s at %.1f-%.1f reaches %s at "
					     "%.1f",
					    v[i].t, v[i].x0, v[i].x1,
					    cols[c + 1], h[c + 1]->x0);
			}
		}
		ok(checked > 500 && over == 0,
		    "annex: of %zu words, none reaches the next column (%zu)",
		    checked, over);
		ok(cut,
		    "annex: a place too long for three lines is cut "
		    "with an ellipsis");
		for (i = 0; i < n; i++)
			if (strncmp(v[i].t, "Shahbuz", 7) == 0)
				break;
		ok(i < n && strlen(v[i].t) > strlen("…") &&
			strcmp(v[i].t + strlen(v[i].t) - strlen("…"), "…") ==
			    0 &&
			strlen(v[i].t) < strlen(LONG_WORD),
		    "annex: a word wider than its column is cut with an "
		    "ellipsis too (%s)",
		    i < n ? v[i].t : "not found");
	}
	free(v);
}

/* The map's legend lies under the area the map draws (its frame). */
static void
legend_outside(const json_t *report)
{
	struct render_out svg = { NULL, 0 };
	const char *g, *end, *p;
	double y, lowest = 1e9, fy = 0, fh = 0;
	int frame = 0;

	ok(render_map_svg(report, NULL, &svg) == 0, "map: rendered");
	if (svg.data == NULL)
		return;
	/* The frame: the unfilled rectangle around the drawn area. */
	for (p = svg.data; (p = strstr(p, "<rect x=\"")) != NULL; p++) {
		double r[4];
		int len = 0;

		if (sscanf(p,
			"<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" "
			"height=\"%lf\" fill=\"none\"%n",
			&r[0], &r[1], &r[2], &r[3], &len) == 4 &&
		    len > 0) {
			fy = r[1];
			fh = r[3];
			frame = 1;
		}
	}
	g = strstr(svg.data, "<g class=\"legend\"");
	end = g ? strstr(g, "</g>") : NULL;
	for (p = g; end != NULL && (p = strstr(p, " y=\"")) != NULL && p < end;
	     p++)
		if (sscanf(p, " y=\"%lf\"", &y) == 1 && y < lowest)
			lowest = y;
	ok(frame && g && end && lowest < 1e9, "map: its frame and its legend");
	if (frame && lowest < 1e9)
		ok(lowest - 10 > fy + fh,
		    "map: the legend (from y %.1f) is under the drawn area "
		    "(to y %.1f), hiding none of it",
		    lowest - 10, fy + fh);
	free(svg.data);
}

int
main(void)
{
	json_t *env = peak_day();
	struct render_out a = { NULL, 0 }, b = { NULL, 0 };
	char err[256] = "", *t, path[] = "/tmp/test_pdf.XXXXXX";
	clock_t c0, c1;
	double cpu;

	c0 = clock();
	ok(products_pdf(env, NULL, &a, err, sizeof(err)) == 0,
	    "the PDF of %d incidents %s", NROWS, err);
	c1 = clock();
	cpu = (double)(c1 - c0) / CLOCKS_PER_SEC;
	diag("printed in %.2f s of CPU (sanitizer build)", cpu);
	ok(a.len > 5 && memcmp(a.data, "%PDF-", 5) == 0, "is a PDF");
	ok(products_pdf(env, NULL, &b, err, sizeof(err)) == 0 &&
		a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "the same record, the same bytes");
	legend_outside(json_object_get(env, "report"));
	if (system("command -v pdftotext >/dev/null 2>&1") != 0 ||
	    write_pdf(&a, path) == -1 || (t = text_of(path)) == NULL) {
		diag("pdftotext is not installed: the text is not read");
		t = NULL;
	} else {
		ok(strstr(t, "Daily Report 324/2026") != NULL, "the number");
		ok(strstr(t, "Ağdam") != NULL, "Azerbaijani: Ağdam");
		ok(strstr(t, "Шуша") != NULL, "Russian: Шуша");
		ok(strstr(t, "Երևան") != NULL, "Armenian: Երևան");
		ok(strstr(t, "Tərtər & <Barda>") != NULL,
		    "markup characters as they are");
		ok(strstr(t, "released, signed by RU and TR, log index 4242") !=
			NULL,
		    "the release");
		ok(strstr(t, "log size 123456") != NULL &&
			strstr(t, "3b1f0c5e9a7d2c4b6e8f0a1c3e5d7b9f") != NULL,
		    "the footer: log size and hash");
		ok(strstr(t, "page 40") != NULL, "the annex's pages numbered");
		ok(strstr(t, "agreed violation") != NULL &&
			strstr(strstr(t, "agreed violation"), "2999") != NULL,
		    "the annex's last row");
		ok(strstr(t, "_") == NULL,
		    "categories and states in words, no underscores");
		ok(strstr(t, "burst or shot") != NULL,
		    "the summary's categories in words");
		ok(strstr(t, "acoustic sensor") != NULL &&
			strstr(t, "OP-7 (observation post, TR)") != NULL,
		    "the sources' types in words");
		ok(strstr(t, "2.4 km, Nagorno-Karabakh") != NULL &&
			strstr(t, "2.4 km, Azerbaijan") != NULL,
		    "the annex: distance to the line and its side");
		ok(strstr(t, "RU, TR") != NULL, "the annex: the members");
		summary_layout(path);
		annex_layout(path);
		unlink(path);
	}
	free(t);
	free(a.data);
	free(b.data);
	json_decref(env);
	return done_testing();
}
