/*
 * render: HTML and SVG renderings of reports (see render.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "record/observation.h"
#include "report/render.h"
#include "report/report.h"
#include "report/tz.h"

/* ---- an output buffer ------------------------------------------------- */

struct buf {
	char *p;
	size_t n, cap;
	int failed;
};

static void
grow(struct buf *b, size_t more)
{
	char *np;
	size_t cap;

	if (b->failed || b->n + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->n + more + 1)
		cap *= 2;
	if (cap > RENDER_MAX_BYTES || (np = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void
put(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	grow(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->n, s, n + 1);
	b->n += n;
}

static void __attribute__((format(printf, 2, 3)))
putf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	grow(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

/* Text escaped for HTML and XML (element content and attributes). */
static void
esc(struct buf *b, const char *s)
{
	char one[2] = { 0, 0 };

	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&': put(b, "&amp;"); break;
		case '<': put(b, "&lt;"); break;
		case '>': put(b, "&gt;"); break;
		case '"': put(b, "&quot;"); break;
		case '\'': put(b, "&#39;"); break;
		default: one[0] = *s; put(b, one);
		}
	}
}

static int
finish(struct buf *b, struct render_out *out)
{
	if (b->failed || b->p == NULL) {
		free(b->p);
		return -1;
	}
	out->data = b->p;
	out->len = b->n;
	return 0;
}

/* ---- helpers over the report ------------------------------------------ */

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int64_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "YYYY-MM-DD HH:MM" of ms shifted by off_s. */
static void
when(int64_t ms, int64_t off_s, char buf[32])
{
	int64_t s = ms / 1000 - (ms % 1000 < 0) + off_s, y;
	int64_t days = (s >= 0 ? s : s - 86399) / 86400;
	int64_t sod = s - days * 86400;
	int m, d;

	tz_civil_from_days(days, &y, &m, &d);
	snprintf(buf, 32, "%04lld-%02d-%02d %02d:%02d", (long long)y, m, d,
	    (int)(sod / 3600), (int)(sod / 60 % 60));
}

static const char *
qual_words(const char *q)
{
	if (strcmp(q, "about") == 0)
		return "about ";
	if (strcmp(q, "at_least") == 0)
		return "at least ";
	return "";
}

/* Words for a category or state name into w: underscores as spaces. */
static const char *
category_words(const char *s, char w[64])
{
	size_t i;

	snprintf(w, 64, "%s", s);
	for (i = 0; w[i] != '\0'; i++)
		if (w[i] == '_')
			w[i] = ' ';
	return w;
}

static void
words(struct buf *b, const char *s)
{
	char w[64];

	esc(b, category_words(s, w));
}

void
render_status(const json_t *env, char *buf, size_t len)
{
	const json_t *sigs = json_object_get(env, "signatures"), *s;
	char signers[512] = "", refusers[512] = "";
	size_t i, ns = 0, nr = 0, off;
	const char *state = str(env, "state");
	char *dst;

	json_array_foreach(sigs, i, s)
	{
		int refuse = strcmp(str(s, "decision"), "refuse") == 0;

		dst = refuse ? refusers : signers;
		off = strlen(dst);
		snprintf(dst + off, sizeof(signers) - off, "%s%s",
		    (refuse ? nr : ns) ? " and " : "", str(s, "member"));
		if (refuse)
			nr++;
		else
			ns++;
	}
	if (strcmp(state, "released") == 0)
		snprintf(buf, len, "released, signed by %s, log index %lld",
		    signers, (long long)num(env, "state_index"));
	else if (ns > 0 || nr > 0)
		snprintf(buf, len,
		    "%s: signed by %s%s%s; %lld signatures "
		    "needed",
		    state, ns ? signers : "no member",
		    nr ? ", refused by " : "", refusers,
		    (long long)num(env, "needed"));
	else
		snprintf(buf, len, "%s: not signed; %lld signatures needed",
		    state[0] ? state : "draft", (long long)num(env, "needed"));
}

/* ---- the map ------------------------------------------------------------ */

#define MAP_W 800.0
#define MAP_H 560.0 /* the drawn area and its margin of MAP_PAD */
#define MAP_PAD 40.0
/* The legend's band under the map (outside the drawn area, which it would
 * hide a corner of): up to 12 categories and two notes, LEGEND_COLS a
 * row, rows of 15 px. */
#define LEGEND_COLS 4
#define LEGEND_H 74.0
#define MAP_SVG_H (MAP_H + LEGEND_H) /* the SVG's height */

struct proj {
	double lat0, lon0, lat1, lon1; /* view: south-west, north-east */
	double k;		       /* px per degree of latitude */
	double coslat;
};

static double
px(const struct proj *p, double lon)
{
	return MAP_PAD + (lon - p->lon0) * p->coslat * p->k;
}

static double
py(const struct proj *p, double lat)
{
	return MAP_PAD + (p->lat1 - lat) * p->k;
}

static const char *const colours[] = { "#d62728", "#ff7f0e", "#e377c2",
	"#bcbd22", "#1f77b4", "#17becf", "#9467bd", "#8c564b", "#2ca02c",
	"#7f7f7f", "#393b79", "#000000" };

static const char *
colour_of(const char *category)
{
	int c = observation_category_code(category);

	if (c < 0 || (size_t)c >= sizeof(colours) / sizeof(colours[0]))
		c = (int)(sizeof(colours) / sizeof(colours[0])) - 1;
	return colours[c];
}

static void
view(const json_t *annex, const struct render_geo *geo, struct proj *p)
{
	const json_t *row, *pos;
	double lat, lon, w, h, mid, sx, sy;
	size_t i;
	int any = 0;

	p->lat0 = p->lon0 = 1e9;
	p->lat1 = p->lon1 = -1e9;
	json_array_foreach(annex, i, row)
	{
		if (!json_is_object(pos = json_object_get(row, "position")))
			continue;
		lat = (double)num(pos, "lat_e7") / 1e7;
		lon = (double)num(pos, "lon_e7") / 1e7;
		p->lat0 = fmin(p->lat0, lat);
		p->lat1 = fmax(p->lat1, lat);
		p->lon0 = fmin(p->lon0, lon);
		p->lon1 = fmax(p->lon1, lon);
		any = 1;
	}
	if (!any && geo != NULL)
		for (i = 0; i < geo->nlines; i++) {
			size_t j;

			const struct render_path *r = &geo->lines[i];

			for (j = 0; j < r->n; j++) {
				lat = r->lat[j * r->stride];
				lon = r->lon[j * r->stride];
				p->lat0 = fmin(p->lat0, lat);
				p->lat1 = fmax(p->lat1, lat);
				p->lon0 = fmin(p->lon0, lon);
				p->lon1 = fmax(p->lon1, lon);
				any = 1;
			}
		}
	if (!any) {
		p->lat0 = 39.5;
		p->lat1 = 40.5;
		p->lon0 = 46.5;
		p->lon1 = 47.5;
	}
	/* At least 0.1 degrees across, and a margin of a fifth. */
	mid = (p->lat0 + p->lat1) / 2;
	h = fmax(p->lat1 - p->lat0, 0.1) * 1.4;
	p->lat0 = mid - h / 2;
	p->lat1 = mid + h / 2;
	mid = (p->lon0 + p->lon1) / 2;
	w = fmax(p->lon1 - p->lon0, 0.1) * 1.4;
	p->lon0 = mid - w / 2;
	p->lon1 = mid + w / 2;
	p->coslat = cos((p->lat0 + p->lat1) / 2 * M_PI / 180);
	sx = (MAP_W - 2 * MAP_PAD) / (w * p->coslat);
	sy = (MAP_H - 2 * MAP_PAD) / h;
	p->k = fmin(sx, sy);
}

static void
path_d(struct buf *b, const struct proj *p, const struct render_path *r,
    int close)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		putf(b, "%s%.1f %.1f", i ? " L" : "M",
		    px(p, r->lon[i * r->stride]), py(p, r->lat[i * r->stride]));
	if (close)
		put(b, " Z");
}

/* A scale bar of a round length near a fifth of the map's width. */
static void
scale_bar(struct buf *b, const struct proj *p)
{
	double m_per_px = 111320.0 / p->k, want = (MAP_W / 5) * m_per_px;
	double len = pow(10, floor(log10(want))), wpx;

	if (len * 5 <= want)
		len *= 5;
	else if (len * 2 <= want)
		len *= 2;
	wpx = len / m_per_px;
	putf(b,
	    "<g class=\"scale\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"4\" fill=\"#000\"/><text x=\"%.1f\" y=\"%.1f\" "
	    "font-size=\"11\">%g km</text></g>\n",
	    MAP_PAD, MAP_H - 22, wpx, MAP_PAD + wpx + 6, MAP_H - 17,
	    len / 1000);
}

static void
north_arrow(struct buf *b)
{
	putf(b,
	    "<g class=\"north\"><path d=\"M%.1f %.1f L%.1f %.1f L%.1f "
	    "%.1f Z\" fill=\"#000\"/><text x=\"%.1f\" y=\"%.1f\" "
	    "font-size=\"12\" text-anchor=\"middle\">N</text></g>\n",
	    MAP_W - 30, 20.0, MAP_W - 36, 42.0, MAP_W - 24, 42.0, MAP_W - 30,
	    56.0);
}

#define MAP_MAX_PLACES 40 /* settlements named on a map */

static int
place_cmp(const void *a, const void *b)
{
	const struct render_place *x = *(const struct render_place *const *)a;
	const struct render_place *y = *(const struct render_place *const *)b;

	if (x->population != y->population)
		return x->population > y->population ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* The largest settlements in view, named. */
static void
places(struct buf *b, const struct proj *p, const struct render_geo *geo)
{
	const struct render_place **v;
	double x, y;
	size_t i, n = 0;

	if (geo == NULL || geo->nplaces == 0)
		return;
	if ((v = calloc(geo->nplaces, sizeof(*v))) == NULL) {
		b->failed = 1;
		return;
	}
	for (i = 0; i < geo->nplaces; i++) {
		const struct render_place *pl = &geo->places[i];

		if (pl->lat >= p->lat0 && pl->lat <= p->lat1 &&
		    pl->lon >= p->lon0 && pl->lon <= p->lon1)
			v[n++] = pl;
	}
	qsort(v, n, sizeof(*v), place_cmp);
	for (i = 0; i < n && i < MAP_MAX_PLACES; i++) {
		x = px(p, v[i]->lon);
		y = py(p, v[i]->lat);
		putf(b,
		    "<circle class=\"place\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"2.5\" fill=\"#333\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "font-size=\"10\" fill=\"#333\">",
		    x, y, x + 4, y - 3);
		esc(b, v[i]->name);
		put(b, "</text>\n");
	}
	free(v);
}

/* Where the legend's entry i goes: its text's baseline (*x, *y). */
static void
legend_at(size_t i, double *x, double *y)
{
	*x = MAP_PAD +
	    (MAP_W - 2 * MAP_PAD) / LEGEND_COLS * (double)(i % LEGEND_COLS);
	*y = MAP_H + 10 + 15.0 * (double)(i / LEGEND_COLS);
}

static void
map_body(struct buf *b, const json_t *report, const struct render_geo *geo)
{
	const json_t *annex = json_object_get(report, "annex"), *row, *pos;
	const json_t *el;
	const char *cats[32];
	struct proj p;
	double x, y, mpx;
	size_t i, j, ncats = 0, nwide = 0;

	view(annex, geo, &p);
	mpx = p.k / 111320.0;
	putf(b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"sans-serif\">\n",
	    MAP_W, MAP_SVG_H, MAP_W, MAP_SVG_H);
	put(b, "<title>");
	esc(b, str(report, "number"));
	put(b, "</title>\n");
	putf(b,
	    "<defs><clipPath id=\"view\"><rect x=\"%.1f\" y=\"%.1f\" "
	    "width=\"%.1f\" height=\"%.1f\"/></clipPath></defs>\n",
	    MAP_PAD, MAP_PAD, MAP_W - 2 * MAP_PAD, MAP_H - 2 * MAP_PAD);
	putf(b, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#f7f5ef\"/>\n",
	    MAP_W, MAP_SVG_H);
	put(b, "<g clip-path=\"url(#view)\">\n");
	for (i = 0; geo != NULL && i < geo->nareas; i++) {
		put(b,
		    "<path class=\"area\" fill=\"#e4ecd8\" "
		    "stroke=\"#9bb08a\" stroke-width=\"0.6\" d=\"");
		path_d(b, &p, &geo->areas[i], 1);
		put(b, "\"/>\n");
	}
	for (i = 0; geo != NULL && i < geo->nboundaries; i++) {
		put(b,
		    "<path class=\"boundary\" fill=\"none\" stroke=\"#8a8a8a\" "
		    "stroke-width=\"0.8\" d=\"");
		path_d(b, &p, &geo->boundaries[i], 0);
		put(b, "\"/>\n");
	}
	for (i = 0; geo != NULL && i < geo->nlines; i++) {
		put(b,
		    "<path class=\"line\" fill=\"none\" stroke=\"#b00\" "
		    "stroke-width=\"2\" stroke-dasharray=\"6 3\" d=\"");
		path_d(b, &p, &geo->lines[i], 0);
		put(b, "\"/>\n");
	}
	places(b, &p, geo);
	json_array_foreach(annex, i, row)
	{
		if (!json_is_object(pos = json_object_get(row, "position")))
			continue;
		x = px(&p, (double)num(pos, "lon_e7") / 1e7);
		y = py(&p, (double)num(pos, "lat_e7") / 1e7);
		el = json_object_get(row, "ellipse95");
		/* An ellipse wider than the map says nothing on it and draws
		   a band across it: counted in the legend instead. */
		if (json_is_object(el) &&
		    (double)num(el, "semi_major_m") * mpx >
			(MAP_H - 2 * MAP_PAD) / 2) {
			nwide++;
			el = NULL;
		}
		if (json_is_object(el))
			putf(b,
			    "<ellipse class=\"e95\" cx=\"%.1f\" cy=\"%.1f\" "
			    "rx=\"%.1f\" ry=\"%.1f\" transform=\"rotate(%lld "
			    "%.1f %.1f)\" fill=\"%s\" fill-opacity=\"0.15\" "
			    "stroke=\"%s\" stroke-width=\"0.8\"/>\n",
			    x, y,
			    fmax((double)num(el, "semi_minor_m") * mpx, 0.5),
			    fmax((double)num(el, "semi_major_m") * mpx, 0.5),
			    (long long)num(el, "orientation_deg"), x, y,
			    colour_of(str(row, "category")),
			    colour_of(str(row, "category")));
		putf(b,
		    "<circle class=\"incident\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"3.5\" fill=\"%s\" stroke=\"#fff\" "
		    "stroke-width=\"0.8\">"
		    "<title>",
		    x, y, colour_of(str(row, "category")));
		esc(b, str(row, "incident"));
		put(b, "</title></circle>\n");
		for (j = 0; j < ncats; j++)
			if (strcmp(cats[j], str(row, "category")) == 0)
				break;
		if (j == ncats && ncats < 32)
			cats[ncats++] = str(row, "category");
	}
	put(b, "</g>\n");
	putf(b,
	    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	    "fill=\"none\" stroke=\"#555\"/>\n",
	    MAP_PAD, MAP_PAD, MAP_W - 2 * MAP_PAD, MAP_H - 2 * MAP_PAD);
	/* Legend: categories in the model's order, then the notes, in the
	   band under the map, LEGEND_COLS a row. */
	put(b, "<g class=\"legend\" font-size=\"10\">\n");
	for (i = 0, j = 0; observation_category(i) != NULL; i++) {
		size_t k;

		for (k = 0; k < ncats; k++)
			if (strcmp(cats[k], observation_category(i)) == 0)
				break;
		if (k == ncats)
			continue;
		legend_at(j++, &x, &y);
		putf(b,
		    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\">",
		    x + 4, y - 4, colour_of(cats[k]), x + 12, y);
		words(b, cats[k]);
		put(b, "</text>\n");
	}
	if (geo != NULL && geo->nlines > 0) {
		legend_at(j++, &x, &y);
		putf(b,
		    "<path d=\"M%.1f %.1fh14\" stroke=\"#b00\" "
		    "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\">",
		    x, y - 4, x + 18, y);
		esc(b,
		    geo->lines[0].name != NULL ? geo->lines[0].name
					       : "line of contact");
		put(b, "</text>\n");
	}
	legend_at(j++, &x, &y);
	putf(b, "<text x=\"%.1f\" y=\"%.1f\">ellipses: 95 %%</text>\n", x, y);
	if (nwide > 0) {
		legend_at(j++, &x, &y);
		putf(b,
		    "<text x=\"%.1f\" y=\"%.1f\">(%zu too wide to "
		    "draw)</text>\n",
		    x, y, nwide);
	}
	put(b, "</g>\n");
	scale_bar(b, &p);
	north_arrow(b);
	putf(b,
	    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#555\" "
	    "text-anchor=\"end\">",
	    MAP_W - MAP_PAD, MAP_H - 8);
	esc(b,
	    geo && geo->attribution ? geo->attribution
				    : "Geography: none loaded");
	put(b, "</text>\n</svg>\n");
}

int
render_map_svg(const json_t *report, const struct render_geo *geo,
    struct render_out *out)
{
	struct buf b = { NULL, 0, 0, 0 };

	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	map_body(&b, report, geo);
	return finish(&b, out);
}

/* ---- the trend chart ---------------------------------------------------- */

#define TREND_W 800.0
#define TREND_H 300.0
#define TREND_L 50.0  /* left margin: the counts */
#define TREND_R 215.0 /* right margin: the legend, its longest name too */
#define TREND_T 30.0
#define TREND_B 40.0 /* bottom margin: the dates */

/* A round step for an axis up to max with at most 5 gridlines. */
static int64_t
axis_step(int64_t max)
{
	int64_t step = 1;

	while (max / step > 5) {
		if (max / (step * 2) <= 5)
			return step * 2;
		if (max / (step * 5) <= 5)
			return step * 5;
		step *= 10;
	}
	return step;
}

/*
 * The trend chart of report (its "trend"): violations per day as bars
 * stacked by category in the model's order, a gridded count axis, dates
 * under the bars, a legend of the categories that occur. Nothing but the
 * report's own numbers goes in, so the same report draws the same bytes.
 */
static void
trend_body(struct buf *b, const json_t *report)
{
	const json_t *trend = json_object_get(report, "trend");
	const json_t *series = json_object_get(trend, "series"), *day, *t;
	const char *cat;
	double bw, x, y, h, plot_w = TREND_W - TREND_L - TREND_R;
	double plot_h = TREND_H - TREND_T - TREND_B;
	int64_t max = 0, step, v, every;
	size_t i, c, n = json_array_size(series), nl = 0;

	putf(b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	    "font-family=\"sans-serif\" class=\"trend\">\n",
	    TREND_W, TREND_H, TREND_W, TREND_H);
	putf(b, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n",
	    TREND_W, TREND_H);
	put(b,
	    "<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">"
	    "Violations per day by category, ");
	esc(b, str(trend, "first_date"));
	put(b, " to ");
	esc(b, str(trend, "last_date"));
	put(b, "</text>\n");
	json_array_foreach(series, i, day) if (num(day, "incidents") > max)
	    max = num(day, "incidents");
	step = axis_step(max > 0 ? max : 1);
	max = (max / step + (max % step != 0 || max == 0)) * step;
	for (v = 0; v <= max; v += step) {
		y = TREND_T + plot_h - plot_h * (double)v / (double)max;
		putf(b,
		    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "font-size=\"10\" text-anchor=\"end\">%lld</text>\n",
		    TREND_L, y, TREND_L + plot_w, y, TREND_L - 4, y + 3,
		    (long long)v);
	}
	bw = n > 0 ? plot_w / (double)n : plot_w;
	every = n > 0 ? (int64_t)((n + 9) / 10) : 1;
	json_array_foreach(series, i, day)
	{
		x = TREND_L + bw * (double)i;
		y = TREND_T + plot_h;
		for (c = 0; (cat = observation_category(c)) != NULL; c++) {
			t = json_object_get(json_object_get(day, "by_category"),
			    cat);
			if ((v = num(t, "incidents")) <= 0)
				continue;
			h = plot_h * (double)v / (double)max;
			y -= h;
			putf(b,
			    "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			    "height=\"%.2f\" fill=\"%s\"><title>",
			    x + bw * 0.1, y, bw * 0.8, h, colour_of(cat));
			esc(b, str(day, "date"));
			putf(b, " %lld ", (long long)v);
			words(b, cat);
			put(b, "</title></rect>\n");
		}
		if ((int64_t)i % every == 0 || i + 1 == n) {
			putf(b,
			    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
			    "text-anchor=\"middle\">",
			    x + bw / 2, TREND_T + plot_h + 14);
			/* MM-DD; the title has the years. */
			esc(b, str(day, "date") ? str(day, "date") + 5 : "");
			put(b, "</text>\n");
		}
	}
	putf(b,
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#333\"/>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
	    "text-anchor=\"middle\">report days (cut-off to cut-off); bars: "
	    "incidents</text>\n",
	    TREND_L, TREND_T + plot_h, TREND_L + plot_w, TREND_T + plot_h,
	    TREND_L + plot_w / 2, TREND_H - 8);
	put(b, "<g class=\"legend\" font-size=\"10\">\n");
	for (c = 0; (cat = observation_category(c)) != NULL; c++) {
		v = 0;
		json_array_foreach(series, i, day) v +=
		    num(json_object_get(json_object_get(day, "by_category"),
			    cat),
			"incidents");
		if (v == 0)
			continue;
		putf(b,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
		    "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
		    TREND_W - TREND_R + 15, TREND_T + 15.0 * (double)nl,
		    colour_of(cat), TREND_W - TREND_R + 30,
		    TREND_T + 9 + 15.0 * (double)nl);
		words(b, cat);
		putf(b, " (%lld)</text>\n", (long long)v);
		nl++;
	}
	if (nl == 0)
		putf(b, "<text x=\"%.1f\" y=\"%.1f\">no violations</text>\n",
		    TREND_W - TREND_R + 15, TREND_T + 9);
	put(b, "</g>\n</svg>\n");
}

int
render_trend_svg(const json_t *report, struct render_out *out)
{
	struct buf b = { NULL, 0, 0, 0 };

	if (!json_is_object(json_object_get(report, "trend")))
		return -1;
	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	trend_body(&b, report);
	return finish(&b, out);
}

/* ---- HTML ------------------------------------------------------------- */

static const char css[] =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;"
    "color:#111}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;"
    "vertical-align:top}th{background:#eee}"
    "footer{border-top:2px solid #333;margin-top:2em;padding-top:.5em;"
    "font-size:.9em}code{font-size:.85em}";

static void
mean(struct buf *b, int64_t x10)
{
	putf(b, "%lld.%lld", (long long)(x10 / 10), (long long)(x10 % 10));
}

static void
summary_rows(struct buf *b, const json_t *rows, const char *key, int daily,
    int compare)
{
	const json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
	{
		put(b, "<tr><td>");
		words(b, str(row, key));
		putf(b, "</td><td>%lld</td><td>%s%lld</td>",
		    (long long)num(row, "incidents"),
		    qual_words(str(row, "qualifier")),
		    (long long)num(row, "events"));
		if (compare)
			putf(b, "<td>%lld</td><td>%lld</td>",
			    (long long)num(json_object_get(row, "previous"),
				"incidents"),
			    (long long)num(json_object_get(row, "previous"),
				"events"));
		if (daily) {
			put(b, "<td>");
			mean(b,
			    num(json_object_get(row, "mean_7d_x10"), "events"));
			put(b, "</td>");
		}
		put(b, "</tr>\n");
	}
}

static void
summary_table(struct buf *b, const json_t *report, const char *title,
    const char *key, const json_t *rows, int with_total)
{
	int daily = strcmp(str(report, "kind"), "daily") == 0;
	int compare = strcmp(str(report, "kind"), "spot") != 0;
	json_t *total;

	putf(b,
	    "<h3>%s</h3>\n<table><tr><th>%s</th><th>incidents</th>"
	    "<th>events</th>%s%s</tr>\n",
	    title, strcmp(key, "zone") == 0 ? "zone" : "category",
	    compare ? "<th>incidents, previous period"
		      "</th><th>events, previous period</th>"
		    : "",
	    daily ? "<th>events, 7-day mean</th>" : "");
	summary_rows(b, rows, key, daily, compare);
	if (with_total) {
		total = json_array();
		json_array_append(total,
		    json_object_get(json_object_get(report, "summary"),
			"total"));
		summary_rows(b, total, "category", daily, compare);
		json_decref(total);
	}
	put(b, "</table>\n");
}

static void
id_list(struct buf *b, const char *title, const json_t *ids)
{
	const json_t *v;
	size_t i;

	putf(b, "<h3>%s (%zu)</h3>\n<p>", title, json_array_size(ids));
	json_array_foreach(ids, i, v)
	{
		put(b, i ? ", <code>" : "<code>");
		esc(b, json_string_value(v));
		put(b, "</code>");
	}
	if (json_array_size(ids) == 0)
		put(b, "none");
	put(b, "</p>\n");
}

static void
by_state(struct buf *b, const json_t *report)
{
	const json_t *st = json_object_get(report, "incidents_by_state");
	const json_t *d, *v;
	size_t i, j;

	put(b, "<h2>2. Incidents by state</h2>\n");
	id_list(b, "Agreed violation", json_object_get(st, "agreed_violation"));
	id_list(b, "Agreed no violation",
	    json_object_get(st, "agreed_no_violation"));
	id_list(b, "Unverifiable", json_object_get(st, "unverifiable"));
	putf(b, "<h3>Disputed (%zu)</h3>\n",
	    json_array_size(json_object_get(st, "disputed")));
	json_array_foreach(json_object_get(st, "disputed"), i, d)
	{
		put(b, "<p><code>");
		esc(b, str(d, "incident"));
		put(b,
		    "</code></p>\n<table><tr><th>member</th><th>verdict</th>"
		    "<th>attribution</th><th>confidence</th><th>rationale</th>"
		    "</tr>\n");
		json_array_foreach(json_object_get(d, "views"), j, v)
		{
			put(b, "<tr><td>");
			esc(b, str(v, "member"));
			put(b, "</td><td>");
			words(b, str(v, "verdict"));
			put(b, "</td><td>");
			esc(b, str(v, "attribution"));
			put(b, "</td><td>");
			esc(b, str(v, "confidence"));
			put(b, "</td><td>");
			esc(b, str(v, "rationale"));
			put(b, "</td></tr>\n");
		}
		put(b, "</table>\n");
	}
	id_list(b, "Pending", json_object_get(st, "pending"));
	id_list(b, "Escalated", json_object_get(st, "escalated"));
	id_list(b, "Closed", json_object_get(st, "closed"));
}

static void
complaints(struct buf *b, const json_t *report)
{
	const json_t *g, *c, *l;
	size_t i, j, k;

	put(b, "<h2>3. Complaints received</h2>\n");
	if (json_array_size(json_object_get(report, "complaints")) == 0)
		put(b, "<p>None.</p>\n");
	json_array_foreach(json_object_get(report, "complaints"), i, g)
	{
		put(b, "<h3>From ");
		esc(b, str(g, "party"));
		putf(b,
		    " (%zu)</h3>\n<table><tr><th>complaint</th><th>"
		    "category</th><th>count</th><th>linked to</th></tr>\n",
		    json_array_size(json_object_get(g, "complaints")));
		json_array_foreach(json_object_get(g, "complaints"), j, c)
		{
			put(b, "<tr><td><code>");
			esc(b, str(c, "incident"));
			put(b, "</code></td><td>");
			words(b, str(c, "category"));
			putf(b, "</td><td>%s%lld</td><td>",
			    qual_words(str(c, "qualifier")),
			    (long long)num(c, "count"));
			json_array_foreach(json_object_get(c, "linked"), k, l)
			{
				put(b, k ? ", <code>" : "<code>");
				esc(b, json_string_value(l));
				put(b, "</code>");
			}
			if (json_array_size(json_object_get(c, "linked")) == 0)
				put(b, "uncorroborated");
			put(b, "</td></tr>\n");
		}
		put(b, "</table>\n");
	}
}

static void
sources(struct buf *b, const json_t *report)
{
	const json_t *s;
	size_t i;

	put(b,
	    "<h2>4. Sources</h2>\n<table><tr><th>type</th><th>member</th>"
	    "<th>organisation</th><th>unit</th><th>observations</th></tr>\n");
	json_array_foreach(json_object_get(report, "sources"), i, s)
	{
		put(b, "<tr><td>");
		words(b, str(s, "type"));
		put(b, "</td><td>");
		esc(b, str(s, "member"));
		put(b, "</td><td>");
		esc(b, str(s, "organisation"));
		put(b, "</td><td>");
		esc(b, str(s, "unit"));
		putf(b, "</td><td>%lld</td></tr>\n",
		    (long long)num(s, "observations"));
	}
	put(b, "</table>\n");
	if (!json_is_array(json_object_get(report, "not_operational")))
		return;
	put(b, "<h3>Sources not operational in the period</h3>\n");
	if (json_array_size(json_object_get(report, "not_operational")) == 0) {
		put(b, "<p>None reported.</p>\n");
		return;
	}
	put(b,
	    "<table class=\"not-operational\"><tr><th>unit</th><th>type</th>"
	    "<th>member</th><th>status</th><th>from (UTC)</th>"
	    "<th>to (UTC)</th><th>reason</th><th>log index</th></tr>\n");
	json_array_foreach(json_object_get(report, "not_operational"), i, s)
	{
		char a[32], z[32];

		when(num(s, "from_ms"), 0, a);
		when(num(s, "to_ms"), 0, z);
		put(b, "<tr><td>");
		esc(b, str(s, "unit"));
		put(b, "</td><td>");
		words(b, str(s, "type"));
		put(b, "</td><td>");
		esc(b,
		    str(s, "member") ? str(s, "member")
				     : str(s, "organisation"));
		put(b, "</td><td>");
		esc(b, str(s, "status"));
		putf(b, "</td><td>%s</td><td>%s</td><td>", a, z);
		esc(b, str(s, "reason"));
		putf(b, "</td><td>%lld</td></tr>\n",
		    (long long)num(s, "log_index"));
	}
	put(b, "</table>\n");
}

static void
annex(struct buf *b, const json_t *report)
{
	const json_t *row, *line, *m;
	char lt[32], ut[32], lt2[32];
	size_t i, j;

	put(b,
	    "<h2>6. Annex: every incident in the period</h2>\n<table><tr>"
	    "<th>time (local)</th><th>time (UTC)</th><th>place</th>"
	    "<th>zone</th><th>line</th><th>category</th><th>count</th>"
	    "<th>sources</th><th>members</th><th>state</th><th>log index</th>"
	    "<th>incident</th></tr>\n");
	json_array_foreach(json_object_get(report, "annex"), i, row)
	{
		when(num(row, "time_from_ms"), num(row, "utc_offset_s"), lt);
		when(num(row, "time_to_ms"), num(row, "utc_offset_s"), lt2);
		when(num(row, "time_from_ms"), 0, ut);
		putf(b, "<tr><td>%s – %s</td><td>%s</td><td>", lt, lt2 + 11,
		    ut);
		esc(b, str(row, "description"));
		put(b, "</td><td>");
		esc(b, str(row, "zone"));
		put(b, "</td><td>");
		line = json_object_get(row, "line");
		if (json_is_object(line)) {
			putf(b, "%.1f km, ",
			    (double)num(line, "distance_m") / 1000);
			esc(b, str(line, "side"));
		}
		put(b, "</td><td>");
		words(b, str(row, "category"));
		putf(b, "</td><td>%s%lld</td><td>%lld</td><td>",
		    qual_words(str(row, "qualifier")),
		    (long long)num(row, "count"),
		    (long long)num(row, "independent_sources"));
		json_array_foreach(json_object_get(row, "members"), j, m)
		{
			put(b, j ? ", " : "");
			esc(b, json_string_value(m));
		}
		put(b, "</td><td>");
		words(b, str(row, "state"));
		putf(b, "</td><td>%lld</td><td><code>",
		    (long long)num(row, "log_index"));
		esc(b, str(row, "incident"));
		put(b, "</code></td></tr>\n");
	}
	put(b, "</table>\n");
}

char *
render_payload(const json_t *env)
{
	json_t *p = NULL;
	char *bytes = NULL, *text = NULL, id[REPORT_ID_LEN + 1], *b64 = NULL;
	size_t len, n;

	if (report_encode(json_object_get(env, "report"), &bytes, &len, id) ==
	    -1)
		return NULL;
	if ((p = json_deep_copy(env)) == NULL)
		goto done;
	json_object_set_new(p, "sha256", json_string(id));
	json_object_set_new(p, "report", json_stringn(bytes, len));
	if ((text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto done;
	n = sodium_base64_encoded_len(strlen(text),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(n)) != NULL)
		sodium_bin2base64(b64, n, (const unsigned char *)text,
		    strlen(text), sodium_base64_VARIANT_ORIGINAL);
done:
	free(text);
	free(bytes);
	json_decref(p);
	return b64;
}

json_t *
render_payload_read(const char *b64, size_t len)
{
	unsigned char *bin;
	size_t binlen;
	json_t *o = NULL, *r;
	const char *bytes;

	if ((bin = malloc(len + 1)) == NULL)
		return NULL;
	if (sodium_base642bin(bin, len, b64, len, NULL, &binlen, NULL,
		sodium_base64_VARIANT_ORIGINAL) == 0)
		o = json_loadb((const char *)bin, binlen, 0, NULL);
	free(bin);
	bytes = json_string_value(json_object_get(o, "report"));
	if (bytes == NULL ||
	    (r = json_loadb(bytes,
		 json_string_length(json_object_get(o, "report")), 0, NULL)) ==
		NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "report", r);
	return o;
}

int
render_html(const json_t *env, const struct render_geo *geo,
    struct render_out *out)
{
	const json_t *report = json_object_get(env, "report");
	const json_t *period = json_object_get(report, "period");
	struct buf b = { NULL, 0, 0, 0 };
	char status[1024], from[32], to[32], ufrom[32], uto[32], *b64;
	int spot = strcmp(str(report, "kind"), "spot") == 0;

	if (!json_is_object(report))
		return -1;
	render_status(env, status, sizeof(status));
	/* The period in UTC; local times are in the annex rows. */
	when(num(period, "from_ms"), 0, ufrom);
	when(num(period, "to_ms"), 0, uto);
	snprintf(from, sizeof(from), "%s", ufrom);
	snprintf(to, sizeof(to), "%s", uto);
	put(&b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><title>");
	esc(&b, str(report, "number"));
	putf(&b, "</title><style>%s</style></head><body>\n<header><p>", css);
	esc(&b, str(report, "center"));
	put(&b, "</p><h1>");
	esc(&b, str(report, "number"));
	put(&b, "</h1>\n<p>");
	if (!spot) {
		put(&b,
		    "Based on information from the monitoring teams as of ");
		esc(&b, str(period, "cutoff"));
		put(&b, " ");
		esc(&b, str(period, "time_zone"));
		put(&b, ". ");
	}
	putf(&b, "Period: %s to %s UTC. Log size %lld.</p>\n<p><strong>", from,
	    to, (long long)num(report, "log_size"));
	esc(&b, status);
	put(&b, "</strong></p></header>\n");
	if (spot) {
		put(&b, "<h2>Narrative</h2>\n<p>");
		esc(&b, str(report, "narrative"));
		put(&b, "</p>\n");
	}
	put(&b, "<h2>1. Summary</h2>\n");
	summary_table(&b, report, "Violations by category", "category",
	    json_object_get(json_object_get(report, "summary"), "by_category"),
	    1);
	summary_table(&b, report, "Violations by zone", "zone",
	    json_object_get(json_object_get(report, "summary"), "by_zone"), 0);
	by_state(&b, report);
	complaints(&b, report);
	sources(&b, report);
	put(&b, "<h2>5. The map and the trend chart</h2>\n");
	map_body(&b, report, geo);
	if (json_is_object(json_object_get(report, "trend"))) {
		put(&b, "<h3>Violations per day</h3>\n");
		trend_body(&b, report);
	}
	annex(&b, report);
	put(&b, "<footer><p>");
	esc(&b, str(report, "number"));
	putf(&b, " · log size %lld · SHA-256 <code>",
	    (long long)num(report, "log_size"));
	esc(&b, str(env, "sha256"));
	put(&b, "</code></p><p>");
	esc(&b, status);
	put(&b,
	    "</p><p>Check it: <code>truce verify-report FILE</code> "
	    "(the report's bytes and the members' signed notes are in this "
	    "page).</p></footer>\n");
	if ((b64 = render_payload(env)) == NULL)
		b.failed = 1;
	put(&b,
	    "<script type=\"application/vnd.truce.report\" "
	    "id=\"truce-report\">");
	put(&b, b64 ? b64 : "");
	put(&b, "</script>\n");
	free(b64);
	put(&b, "</body></html>\n");
	return finish(&b, out);
}

/* ---- pages for print (PDF) --------------------------------------------- */

#define PAGE_W 595.0 /* A4 portrait, points; the annex's pages are landscape */
#define PAGE_H 842.0
#define PAGE_M 42.0
#define PAGE_BOTTOM 88.0 /* from the page's foot to the last baseline */
#define MAX_CELLS 12
#define CELL_LINES 3  /* lines a table's cell wraps onto, at most */
#define CELL_GAP 5.0  /* between a cell and the next column */
#define SUB_LEAD 1.15 /* a wrapped cell's lines: its size times this */
#define CELL_MAX 1024 /* bytes of a cell, of a line of text: 110 */

enum line_kind {
	L_TITLE,
	L_HEAD,
	L_TEXT,
	L_ROW,
	L_HEADER_ROW,
	L_MAP,
	L_LANDSCAPE /* the next pages are landscape */
};

/*
 * A table for print: the x of each column (points from the left margin),
 * the width of the whole (the last column ends there), its font size and
 * the advance from one row to the next. A cell wider than its column is
 * wrapped at spaces (and after hyphens) onto at most CELL_LINES lines of
 * the column, the row growing to its tallest cell; a word wider than the
 * column, or what the last line cannot hold, is cut and ends with "…".
 * No cell is ever drawn over the next column, nor in a smaller font.
 */
struct table {
	const double *tabs;
	size_t ncols;
	double width, size, row_h;
};

static const double summary_tabs[] = { 0, 170, 250, 340, 430 };
static const struct table summary_table_print = { summary_tabs, 5, 511, 9,
	13.5 };
/* The annex, on landscape pages (758 points across): the HTML's columns
 * but the incident's id. */
static const double annex_tabs[] = { 0, 46, 70, 232, 330, 430, 530, 572, 588,
	630, 706 };
static const struct table annex_table_print = { annex_tabs, 11, 758, 6.5, 8.5 };

struct line {
	enum line_kind kind;
	char *cell[MAX_CELLS];
	size_t ncells;
	const struct table *table; /* rows */
};

struct doc {
	struct line *v;
	size_t n, cap;
	int failed;
	const struct table *table; /* of the rows added now */
};

/* The first max bytes of s, cut at a character boundary. */
static char *
clip(const char *s, size_t max)
{
	size_t n = strlen(s ? s : "");
	char *out;

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s ? s : "", n);
	out[n] = '\0';
	return out;
}

static void __attribute__((format(printf, 3, 4)))
line(struct doc *d, enum line_kind kind, const char *fmt, ...)
{
	struct line *nv, *l;
	char *cells, *p, *tab;
	va_list ap;
	int n;

	if (d->failed)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		if ((nv = realloc(d->v, d->cap * sizeof(*nv))) == NULL) {
			d->failed = 1;
			return;
		}
		d->v = nv;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (cells = malloc((size_t)n + 1)) == NULL) {
		d->failed = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(cells, (size_t)n + 1, fmt, ap);
	va_end(ap);
	l = &d->v[d->n++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->table = d->table;
	/* A row's cells are separated by tabs; other lines are one. */
	for (p = cells; p != NULL && l->ncells < MAX_CELLS; p = tab) {
		if ((kind != L_ROW && kind != L_HEADER_ROW) ||
		    (tab = strchr(p, '\t')) == NULL)
			tab = NULL;
		else
			*tab++ = '\0';
		if ((l->cell[l->ncells++] = clip(p,
			 kind == L_ROW || kind == L_HEADER_ROW ? CELL_MAX
							       : 110)) == NULL)
			d->failed = 1;
	}
	free(cells);
}

static void
doc_free(struct doc *d)
{
	size_t i, j;

	for (i = 0; i < d->n; i++)
		for (j = 0; j < d->v[i].ncells; j++)
			free(d->v[i].cell[j]);
	free(d->v);
}

/*
 * Advance widths of DejaVu Sans, the PDF's font (raster.c), for ASCII
 * 32..126 in thousandths of an em, regular and bold, as cairo measures
 * them (cairo_text_extents' x_advance at 1,000 points). A character
 * outside ASCII counts as WIDE_EM, more than most of the font's Latin,
 * Cyrillic and Armenian letters: a cell is wrapped a little early rather
 * than drawn over the next one.
 */
static const unsigned short dejavu_em[2][95] = {
	{ 318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361,
	    318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337,
	    337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
	    752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611,
	    732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
	    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634,
	    612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636,
	    337, 636, 838 },
	{ 348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415,
	    380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400,
	    400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821,
	    837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682,
	    812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
	    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712,
	    687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712,
	    365, 712, 838 }
};
#define WIDE_EM 800
#define ELLIPSIS "…"
#define ELLIPSIS_EM 1000

/* The width in points of the first n bytes of s in DejaVu Sans. */
static double
text_width(const char *s, size_t n, double size, int bold)
{
	unsigned char c;
	double em = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 32 && c < 127)
			em += dejavu_em[bold != 0][c - 32];
		else if ((c & 0xc0) != 0x80)
			em += WIDE_EM;
	}
	return em * size / 1000;
}

/*
 * The bytes of s that go on one line of room points: up to the last break
 * that fits (before a space, after a hyphen, the end), else the longest
 * run of whole characters that fits (a word wider than room), at least
 * one character.
 */
static size_t
fit(const char *s, double room, double size, int bold)
{
	size_t i, brk = 0, whole = 0;
	double w = 0;

	for (i = 0;; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			/* s[0..i) is whole characters. */
			if (w > room)
				break;
			whole = i;
			if (s[i] == '\0' || s[i] == ' ' ||
			    (i > 0 && s[i - 1] == '-'))
				brk = i;
			if (s[i] == '\0')
				break;
		}
		w += text_width(s + i, 1, size, bold);
	}
	if (brk > 0)
		return brk;
	if (whole > 0)
		return whole;
	for (i = 1; s[i] != '\0' && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
		;
	return i;
}

/*
 * Wraps s onto at most CELL_LINES lines of room points (struct table's
 * rule): new strings in out[], their count returned (0 for an empty s),
 * or -1 when out of memory.
 */
static int
wrap(const char *s, double room, double size, int bold, char *out[CELL_LINES])
{
	size_t n, len;
	int k = 0, cut;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0' || k == CELL_LINES)
			break;
		len = strlen(s);
		n = fit(s, room, size, bold);
		/* The last line that cannot hold the rest, or a word wider
		   than the column: what fits beside the ellipsis. */
		cut = n < len &&
		    (k == CELL_LINES - 1 || (s[n] != ' ' && s[n - 1] != '-'));
		if (cut)
			n = fit(s, room - ELLIPSIS_EM * size / 1000, size,
			    bold);
		while (n > 1 && s[n - 1] == ' ')
			n--;
		if ((out[k] = malloc(n + sizeof(ELLIPSIS))) == NULL)
			goto fail;
		memcpy(out[k], s, n);
		out[k][n] = '\0';
		if (cut) {
			memcpy(out[k] + n, ELLIPSIS, sizeof(ELLIPSIS));
			/* The rest of a word that was cut is dropped. */
			while (s[n] != '\0' && s[n] != ' ')
				n++;
		}
		k++;
		s += n;
	}
	return k;
fail:
	while (k > 0)
		free(out[--k]);
	return -1;
}

/* Appends a run of text to page pg (a copy of text). */
static void
page_run(struct render_page *pg, int *failed, double x, double y, double size,
    int bold, const char *text)
{
	struct render_text *nv;
	size_t cap;

	if (*failed)
		return;
	if (pg->ntext == pg->cap) {
		cap = pg->cap ? pg->cap * 2 : 64;
		if ((nv = realloc(pg->text, cap * sizeof(*nv))) == NULL) {
			*failed = 1;
			return;
		}
		pg->text = nv;
		pg->cap = cap;
	}
	if ((pg->text[pg->ntext].text = clip(text, 4096)) == NULL) {
		*failed = 1;
		return;
	}
	/* Sizes in tenths of a point, as the SVG pages had them. */
	pg->text[pg->ntext].x = round(x * 10) / 10;
	pg->text[pg->ntext].y = round(y * 10) / 10;
	pg->text[pg->ntext].size = round(size * 10) / 10;
	pg->text[pg->ntext].bold = bold;
	pg->ntext++;
}

/* The room of cell i of a row of table t, in points. */
static double
cell_room(const struct table *t, size_t i)
{
	double end = i + 1 < t->ncols ? t->tabs[i + 1] : t->width;

	return end - t->tabs[i] - (i + 1 < t->ncols ? CELL_GAP : 0);
}

/* From the bottom of the line before to line l's (first) baseline. */
static double
advance(const struct line *l)
{
	if (l->kind == L_ROW || l->kind == L_HEADER_ROW)
		return l->table->row_h;
	return l->kind == L_TITLE ? 22 : l->kind == L_HEAD ? 18 : 13.5;
}

/*
 * The height of line l on the page: a row's grows by a sub-line for each
 * line its tallest cell wraps onto; pg NULL measures, else the line is
 * drawn on pg with its first baseline at y.
 */
static double
page_text(struct render_page *pg, int *failed, const struct line *l, double y)
{
	const struct table *t = l->table;
	char *sub[CELL_LINES];
	int bold = l->kind != L_ROW && l->kind != L_TEXT, k, j, most = 1;
	double size = l->kind == L_TITLE ? 16 : l->kind == L_HEAD ? 12 : 9;
	size_t i;

	if (l->kind != L_ROW && l->kind != L_HEADER_ROW) {
		if (pg != NULL)
			page_run(pg, failed, PAGE_M, y, size, bold,
			    l->ncells ? l->cell[0] : "");
		return advance(l);
	}
	for (i = 0; i < l->ncells && i < t->ncols; i++) {
		if ((k = wrap(l->cell[i], cell_room(t, i), t->size, bold,
			 sub)) == -1) {
			*failed = 1;
			return t->row_h;
		}
		for (j = 0; j < k; j++) {
			if (pg != NULL)
				page_run(pg, failed, PAGE_M + t->tabs[i],
				    y + t->size * SUB_LEAD * j, t->size, bold,
				    sub[j]);
			free(sub[j]);
		}
		most = k > most ? k : most;
	}
	return t->row_h + t->size * SUB_LEAD * (most - 1);
}

static void
page_open(struct buf *b)
{
	putf(b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns="
	    "\"http://www.w3.org/2000/svg\" width=\"%.0fpt\" height=\"%.0fpt\" "
	    "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans\">\n"
	    "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n",
	    PAGE_W, PAGE_H, PAGE_W, PAGE_H, PAGE_W, PAGE_H);
}

/* The footer's first line: number, log size, page and hash. */
static void
footer_line(char *buf, size_t len, const char *number, const char *hash,
    int64_t log_size, size_t page)
{
	snprintf(buf, len, "%s · log size %lld · page %zu · SHA-256 %s", number,
	    (long long)log_size, page, hash);
}

/* Closes an SVG page (the map's) with the footer. */
static void
page_close_svg(struct buf *b, const char *number, const char *hash,
    int64_t log_size, const char *status, size_t page)
{
	char foot[512];

	footer_line(foot, sizeof(foot), number, hash, log_size, page);
	putf(b,
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	    "stroke=\"#333\"/>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"7\">",
	    PAGE_M, PAGE_H - 46, PAGE_W - PAGE_M, PAGE_H - 46, PAGE_M,
	    PAGE_H - 36);
	esc(b, foot);
	putf(b, "</text>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"7\">", PAGE_M,
	    PAGE_H - 27);
	esc(b, status);
	put(b, "</text>\n</svg>\n");
}

/* Closes a page of text with the footer. */
static void
page_close_text(struct render_page *pg, int *failed, const char *number,
    const char *hash, int64_t log_size, const char *status, size_t page)
{
	char foot[512];

	footer_line(foot, sizeof(foot), number, hash, log_size, page);
	pg->rule_x0 = PAGE_M;
	pg->rule_x1 = pg->width - PAGE_M;
	pg->rule_y = pg->height - 46;
	page_run(pg, failed, PAGE_M, pg->height - 36, 7, 0, foot);
	page_run(pg, failed, PAGE_M, pg->height - 27, 7, 0, status);
}

/* The report's lines, in the sections' order; L_MAP marks the map. */
static void
doc_of(struct doc *d, const json_t *report, const char *status)
{
	const json_t *sum = json_object_get(report, "summary"), *row, *v, *g;
	const json_t *st = json_object_get(report, "incidents_by_state");
	const json_t *period = json_object_get(report, "period"), *c;
	static const char *const states[] = { "agreed_violation",
		"agreed_no_violation", "unverifiable", "disputed", "pending",
		"escalated", "closed", NULL };
	char a[32], z[32], mean[32], lt[32], ut[32];
	size_t i, j;
	const json_t *ln, *m;
	char side[160], members[256], cat[64], state[64];
	size_t k;
	int daily = strcmp(str(report, "kind"), "daily") == 0;

	d->table = &summary_table_print;
	line(d, L_TEXT, "%s", str(report, "center"));
	line(d, L_TITLE, "%s", str(report, "number"));
	when(num(period, "from_ms"), 0, a);
	when(num(period, "to_ms"), 0, z);
	line(d, L_TEXT, "Period %s to %s UTC (cut-off %s %s). Log size %lld.",
	    a, z, str(period, "cutoff"), str(period, "time_zone"),
	    (long long)num(report, "log_size"));
	line(d, L_TEXT, "%s", status);
	if (json_is_string(json_object_get(report, "narrative"))) {
		line(d, L_HEAD, "Narrative");
		line(d, L_TEXT, "%s", str(report, "narrative"));
	}
	line(d, L_HEAD, "1. Summary: violations by category");
	line(d, L_HEADER_ROW,
	    "category\tincidents\tevents\tprevious\t"
	    "7-day mean");
	for (i = 0; i <= json_array_size(json_object_get(sum, "by_category"));
	     i++) {
		row = i < json_array_size(json_object_get(sum, "by_category"))
		    ? json_array_get(json_object_get(sum, "by_category"), i)
		    : json_object_get(sum, "total");
		snprintf(mean, sizeof(mean), "%lld.%lld",
		    (long long)(num(json_object_get(row, "mean_7d_x10"),
				    "events") /
			10),
		    (long long)(num(json_object_get(row, "mean_7d_x10"),
				    "events") %
			10));
		line(d, L_ROW, "%s\t%lld\t%s%lld\t%lld\t%s",
		    category_words(str(row, "category"), cat),
		    (long long)num(row, "incidents"),
		    qual_words(str(row, "qualifier")),
		    (long long)num(row, "events"),
		    (long long)num(json_object_get(row, "previous"), "events"),
		    daily ? mean : "");
	}
	line(d, L_HEAD, "Violations by zone");
	json_array_foreach(json_object_get(sum, "by_zone"), i, row) line(d,
	    L_ROW, "%s\t%lld\t%s%lld\t%lld", str(row, "zone"),
	    (long long)num(row, "incidents"), qual_words(str(row, "qualifier")),
	    (long long)num(row, "events"),
	    (long long)num(json_object_get(row, "previous"), "events"));
	line(d, L_HEAD, "2. Incidents by state");
	for (i = 0; states[i] != NULL; i++)
		line(d, L_ROW, "%s\t%zu", category_words(states[i], cat),
		    json_array_size(json_object_get(st, states[i])));
	json_array_foreach(json_object_get(st, "disputed"), i, row)
	{
		line(d, L_TEXT, "Disputed %s:", str(row, "incident"));
		json_array_foreach(json_object_get(row, "views"), j, v) line(d,
		    L_TEXT,
		    "  %s: %s, attribution %s, %s "
		    "confidence: %s",
		    str(v, "member"), str(v, "verdict"), str(v, "attribution"),
		    str(v, "confidence"), str(v, "rationale"));
	}
	line(d, L_HEAD, "3. Complaints received");
	json_array_foreach(json_object_get(report, "complaints"), i, g)
	    json_array_foreach(json_object_get(g, "complaints"), j, c)
		line(d, L_TEXT, "%s: %s %s%lld, %s", str(g, "party"),
		    category_words(str(c, "category"), cat),
		    qual_words(str(c, "qualifier")), (long long)num(c, "count"),
		    json_array_size(json_object_get(c, "linked"))
			? "corroborated"
			: "uncorroborated");
	line(d, L_HEAD, "4. Sources");
	json_array_foreach(json_object_get(report, "sources"), i, row) line(d,
	    L_ROW, "%s\t%s\t%s\t%lld", category_words(str(row, "type"), cat),
	    str(row, "member")[0] ? str(row, "member")
				  : str(row, "organisation"),
	    str(row, "unit"), (long long)num(row, "observations"));
	if (json_is_array(json_object_get(report, "not_operational"))) {
		line(d, L_TEXT, "Sources not operational in the period:%s",
		    json_array_size(json_object_get(report, "not_operational"))
			? ""
			: " none reported");
		json_array_foreach(json_object_get(report, "not_operational"),
		    i, row)
		{
			when(num(row, "from_ms"), 0, a);
			when(num(row, "to_ms"), 0, z);
			line(d, L_TEXT, "  %s (%s, %s): %s %s to %s UTC: %s",
			    str(row, "unit"),
			    category_words(str(row, "type"), cat),
			    str(row, "member") ? str(row, "member")
					       : str(row, "organisation"),
			    str(row, "status"), a, z, str(row, "reason"));
		}
	}
	line(d, L_MAP, "5. Map and trend");
	/* The annex has the HTML's columns (but the incident's id), on
	   landscape pages. */
	line(d, L_LANDSCAPE, "%s", "");
	d->table = &annex_table_print;
	line(d, L_HEAD, "6. Annex: every incident in the period");
	line(d, L_HEADER_ROW,
	    "local\tUTC\tplace\tzone\tline (distance, side)\tcategory\t"
	    "count\tsrc\tmembers\tstate\tindex");
	json_array_foreach(json_object_get(report, "annex"), i, row)
	{
		when(num(row, "time_from_ms"), num(row, "utc_offset_s"), lt);
		when(num(row, "time_from_ms"), 0, ut);
		side[0] = '\0';
		if (json_is_object(ln = json_object_get(row, "line")))
			snprintf(side, sizeof(side), "%.1f km, %s",
			    (double)num(ln, "distance_m") / 1000,
			    str(ln, "side"));
		/* Members' names are short (verify/member.h); a list
		   longer than the buffer ends where it stops, and the cell
		   wraps what there is. */
		members[0] = '\0';
		json_array_foreach(json_object_get(row, "members"), k, m)
		{
			size_t used = strlen(members);
			int w = snprintf(members + used, sizeof(members) - used,
			    "%s%s", k ? ", " : "",
			    json_is_string(m) ? json_string_value(m) : "");

			if (w < 0 || (size_t)w >= sizeof(members) - used) {
				members[used] = '\0';
				break;
			}
		}
		line(d, L_ROW,
		    "%s\t%s\t%s\t%s\t%s\t%s\t%s%lld\t%lld\t%s\t%s\t%lld",
		    lt + 5, ut + 11, str(row, "description"), str(row, "zone"),
		    side, category_words(str(row, "category"), cat),
		    qual_words(str(row, "qualifier")),
		    (long long)num(row, "count"),
		    (long long)num(row, "independent_sources"), members,
		    category_words(str(row, "state"), state),
		    (long long)num(row, "log_index"));
	}
}

void
render_pages_free(struct render_page *pages, size_t n)
{
	size_t i, j;

	for (i = 0; pages != NULL && i < n; i++) {
		free(pages[i].svg.data);
		for (j = 0; j < pages[i].ntext; j++)
			free(pages[i].text[j].text);
		free(pages[i].text);
	}
	free(pages);
}

/* The map page's SVG: its heading, the map and the trend chart under it,
 * and the footer of page number page. */
static int
map_page(const json_t *env, const struct render_geo *geo, const char *status,
    size_t page, struct render_out *out)
{
	const json_t *report = json_object_get(env, "report");
	struct buf b = { NULL, 0, 0, 0 };
	double y = PAGE_M + 10;

	page_open(&b);
	putf(&b,
	    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
	    "font-weight=\"bold\">5. Map</text>\n<svg "
	    "x=\"%.1f\" "
	    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
	    "viewBox=\"0 0 %.0f %.0f\">\n",
	    PAGE_M, y, PAGE_M, y + 10, PAGE_W - 2 * PAGE_M,
	    (PAGE_W - 2 * PAGE_M) * MAP_SVG_H / MAP_W, MAP_W, MAP_SVG_H);
	map_body(&b, report, geo);
	put(&b, "</svg>\n");
	/* The trend chart under it, on the same page. */
	y += 10 + (PAGE_W - 2 * PAGE_M) * MAP_SVG_H / MAP_W + 20;
	if (json_is_object(json_object_get(report, "trend"))) {
		putf(&b,
		    "<text x=\"%.1f\" y=\"%.1f\" "
		    "font-size=\"12\" font-weight=\"bold\">"
		    "Trend</text>\n<svg x=\"%.1f\" "
		    "y=\"%.1f\" width=\"%.1f\" "
		    "height=\"%.1f\" viewBox=\"0 0 %.0f "
		    "%.0f\">\n",
		    PAGE_M, y, PAGE_M, y + 10, PAGE_W - 2 * PAGE_M,
		    (PAGE_W - 2 * PAGE_M) * TREND_H / TREND_W, TREND_W,
		    TREND_H);
		trend_body(&b, report);
		put(&b, "</svg>\n");
	}
	page_close_svg(&b, str(report, "number"), str(env, "sha256"),
	    num(report, "log_size"), status, page);
	return finish(&b, out);
}

/* Opens page *n of v (growing it) of w by h points; NULL when out of
 * memory. No other page is open: none points into v. */
static struct render_page *
page_new(struct render_page **v, size_t *n, size_t *cap, double w, double h)
{
	struct render_page *nv, *pg;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((nv = realloc(*v, *cap * sizeof(*nv))) == NULL)
			return NULL;
		*v = nv;
	}
	pg = &(*v)[(*n)++];
	memset(pg, 0, sizeof(*pg));
	pg->width = w;
	pg->height = h;
	return pg;
}

int
render_pages(const json_t *env, const struct render_geo *geo,
    struct render_page **pages, size_t *npages)
{
	const json_t *report = json_object_get(env, "report");
	const struct line *l, *header = NULL;
	struct render_page *v = NULL, *pg = NULL;
	struct doc d = { NULL, 0, 0, 0, NULL };
	char status[1024];
	size_t i, n = 0, cap = 0;
	double y = 0, h, need, pw = PAGE_W, ph = PAGE_H;
	int rc = -1, failed = 0;

	if (!json_is_object(report))
		return -1;
	render_status(env, status, sizeof(status));
	doc_of(&d, report, status);
	if (d.failed)
		goto done;
	for (i = 0; i <= d.n && !failed; i++) {
		l = i < d.n ? &d.v[i] : NULL;
		h = l == NULL || l->kind == L_MAP || l->kind == L_LANDSCAPE
		    ? 0
		    : page_text(NULL, &failed, l, 0);
		/* A heading keeps two lines under it on its page. */
		need = h + (l != NULL && l->kind == L_HEAD ? 2 * 13.5 : 0);
		if (pg != NULL &&
		    (l == NULL || l->kind == L_MAP || l->kind == L_LANDSCAPE ||
			y + need > pg->height - PAGE_BOTTOM)) {
			page_close_text(pg, &failed, str(report, "number"),
			    str(env, "sha256"), num(report, "log_size"), status,
			    n);
			pg = NULL;
		}
		if (l == NULL || failed)
			break;
		if (l->kind == L_LANDSCAPE) {
			pw = PAGE_H;
			ph = PAGE_W;
			continue;
		}
		if (l->kind == L_MAP) {
			/* The map has a page of its own. */
			if ((pg = page_new(&v, &n, &cap, PAGE_W, PAGE_H)) ==
			    NULL)
				goto done;
			pg = NULL;
			if (map_page(env, geo, status, n, &v[n - 1].svg) == -1)
				goto done;
			continue;
		}
		if (l->kind == L_HEAD || l->kind == L_TITLE)
			header = NULL;
		else if (l->kind == L_HEADER_ROW)
			header = l;
		if (pg == NULL) {
			if ((pg = page_new(&v, &n, &cap, pw, ph)) == NULL)
				goto done;
			y = PAGE_M + 10;
			/* A table that goes on repeats its header row. */
			if (l->kind == L_ROW && header != NULL &&
			    header->table == l->table) {
				page_text(pg, &failed, header,
				    y + advance(header));
				y += page_text(NULL, &failed, header, 0);
			}
		}
		page_text(pg, &failed, l, y + advance(l));
		y += h;
	}
	if (failed)
		goto done;
	*pages = v;
	*npages = n;
	v = NULL;
	rc = 0;
done:
	render_pages_free(v, n);
	doc_free(&d);
	return rc;
}
