/*
 * raster: librsvg + cairo (see raster.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <librsvg/rsvg.h>

#include "report/raster.h"
#include "report/tz.h"

/* A cairo write function into a growing buffer. */
struct sink {
	unsigned char *p;
	size_t n, cap;
	int failed;
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;
	unsigned char *np;
	size_t cap;

	if (s->n + len + 1 > s->cap) {
		cap = s->cap ? s->cap : 65536;
		while (cap < s->n + len + 1)
			cap *= 2;
		if (cap > RENDER_MAX_BYTES ||
		    (np = realloc(s->p, cap)) == NULL) {
			s->failed = 1;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->n, data, len);
	s->n += len;
	return CAIRO_STATUS_SUCCESS;
}

/* Draws one SVG document onto cr over width x height. 0 or -1. */
static int
draw(cairo_t *cr, const struct render_out *svg, double width, double height,
    char *err, size_t errlen)
{
	RsvgRectangle vp = { 0, 0, width, height };
	GError *e = NULL;
	RsvgHandle *h;
	int rc = -1;

	h = rsvg_handle_new_from_data((const guint8 *)svg->data, svg->len, &e);
	if (h == NULL) {
		snprintf(err, errlen, "the SVG does not load: %s",
		    e ? e->message : "?");
		goto done;
	}
	if (!rsvg_handle_render_document(h, cr, &vp, &e)) {
		snprintf(err, errlen, "the SVG does not render: %s",
		    e ? e->message : "?");
		goto done;
	}
	rc = 0;
done:
	if (e != NULL)
		g_error_free(e);
	if (h != NULL)
		g_object_unref(h);
	return rc;
}

/*
 * Draws a page of text runs and its rule onto cr, in DejaVu Sans through
 * cairo's own text API (fontconfig finds the font; DejaVu has the Latin,
 * Cyrillic and Armenian of the gazetteer's names). Each run is placed
 * where the page says: no layout, so thousands of cells cost little.
 */
static void
draw_text(cairo_t *cr, const struct render_page *pg,
    cairo_font_face_t *const face[2])
{
	const struct render_text *t;
	double size = -1;
	int bold = -1;
	size_t i;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (pg->rule_x1 > pg->rule_x0) {
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		cairo_set_line_width(cr, 1);
		cairo_move_to(cr, pg->rule_x0, pg->rule_y);
		cairo_line_to(cr, pg->rule_x1, pg->rule_y);
		cairo_stroke(cr);
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (i = 0; i < pg->ntext; i++) {
		t = &pg->text[i];
		if (t->bold != bold) {
			bold = t->bold != 0;
			cairo_set_font_face(cr, face[bold]);
			size = -1;
		}
		if (t->size != size) {
			size = t->size;
			cairo_set_font_size(cr, size);
		}
		cairo_move_to(cr, t->x, t->y);
		cairo_show_text(cr, t->text);
	}
	cairo_new_path(cr);
}

int
raster_pdf(const struct render_page *pages, size_t n, const char *title,
    int64_t date_ms, const char *payload, struct render_out *out, char *err,
    size_t errlen)
{
	struct sink s = { NULL, 0, 0, 0 };
	cairo_font_face_t *face[2];
	cairo_surface_t *surf;
	cairo_t *cr;
	char date[32];
	int64_t secs = date_ms / 1000, days, sod, y;
	double w, h;
	int m, d, rc = -1;
	size_t i;

	face[0] = cairo_toy_font_face_create("DejaVu Sans",
	    CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	face[1] = cairo_toy_font_face_create("DejaVu Sans",
	    CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	days = (secs >= 0 ? secs : secs - 86399) / 86400;
	sod = secs - days * 86400;
	tz_civil_from_days(days, &y, &m, &d);
	/* ISO 8601, as cairo_pdf_surface_set_metadata takes it. */
	snprintf(date, sizeof(date), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
	    (long long)y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
	    (int)(sod % 60));
	surf = cairo_pdf_surface_create_for_stream(sink_write, &s, 595, 842);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR,
	    "truce");
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE,
	    date);
	cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_MOD_DATE, date);
	cr = cairo_create(surf);
	for (i = 0; i < n; i++) {
		w = pages[i].width > 0 ? pages[i].width : 595;
		h = pages[i].height > 0 ? pages[i].height : 842;
		/* Before anything is drawn on the page. */
		cairo_pdf_surface_set_size(surf, w, h);
		if (pages[i].svg.data == NULL)
			draw_text(cr, &pages[i], face);
		else if (draw(cr, &pages[i].svg, w, h, err, errlen) == -1)
			goto done;
		cairo_show_page(cr);
	}
	cairo_destroy(cr);
	cr = NULL;
	cairo_surface_finish(surf);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS || s.failed) {
		snprintf(err, errlen, "cairo: %s",
		    cairo_status_to_string(cairo_surface_status(surf)));
		goto done;
	}
	if (payload != NULL &&
	    (sink_write(&s, (const unsigned char *)RENDER_PDF_MARK,
		 (unsigned)strlen(RENDER_PDF_MARK)) != 0 ||
		sink_write(&s, (const unsigned char *)payload,
		    (unsigned)strlen(payload)) != 0 ||
		sink_write(&s, (const unsigned char *)"\n", 1) != 0)) {
		snprintf(err, errlen, "the PDF is too large");
		goto done;
	}
	s.p[s.n] = '\0';
	out->data = (char *)s.p;
	out->len = s.n;
	s.p = NULL;
	rc = 0;
done:
	if (cr != NULL)
		cairo_destroy(cr);
	cairo_surface_destroy(surf);
	cairo_font_face_destroy(face[0]);
	cairo_font_face_destroy(face[1]);
	free(s.p);
	return rc;
}

int
raster_png(const struct render_out *svg, double scale, struct render_out *out,
    char *err, size_t errlen)
{
	struct sink s = { NULL, 0, 0, 0 };
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	RsvgHandle *h;
	GError *e = NULL;
	gdouble w = 0, hgt = 0;
	int rc = -1;

	if ((h = rsvg_handle_new_from_data((const guint8 *)svg->data, svg->len,
		 &e)) == NULL) {
		snprintf(err, errlen, "the SVG does not load: %s",
		    e ? e->message : "?");
		goto done;
	}
	if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &hgt) || w < 1 ||
	    hgt < 1 || w * scale > 8192 || hgt * scale > 8192) {
		snprintf(err, errlen,
		    "the SVG has no usable size (at most "
		    "8192 px a side)");
		goto done;
	}
	surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)(w * scale),
	    (int)(hgt * scale));
	cr = cairo_create(surf);
	if (draw(cr, svg, w * scale, hgt * scale, err, errlen) == -1)
		goto done;
	cairo_surface_flush(surf);
	if (cairo_surface_write_to_png_stream(surf, sink_write, &s) !=
		CAIRO_STATUS_SUCCESS ||
	    s.failed) {
		snprintf(err, errlen, "the PNG cannot be written");
		goto done;
	}
	s.p[s.n] = '\0';
	out->data = (char *)s.p;
	out->len = s.n;
	s.p = NULL;
	rc = 0;
done:
	if (e != NULL)
		g_error_free(e);
	if (h != NULL)
		g_object_unref(h);
	if (cr != NULL)
		cairo_destroy(cr);
	if (surf != NULL)
		cairo_surface_destroy(surf);
	free(s.p);
	return rc;
}
