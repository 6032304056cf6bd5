/*
 * raster: PDF and PNG from the renderings (report/render.h), through
 * librsvg (SVG to cairo: the map, the trend chart) and cairo (PDF, PNG
 * surfaces; the pages of text drawn with cairo's own text API), in memory.
 *
 * Deterministic: the PDF's creation and modification dates are the ones
 * given (the report period's end), never "now"; the same pages give the
 * same bytes with the same librsvg, cairo and fonts. The verifiable
 * payload (render_payload) is appended to a PDF as a comment line after
 * its %%EOF, starting RENDER_PDF_MARK, so `truce verify-report` can check
 * the PDF: the payload's hash and signatures, and the PDF's own bytes
 * against a rendering of that payload.
 *
 * Pure: no files; memory only (librsvg and cairo keep caches of fonts).
 */
#ifndef TRUCE_RASTER_H
#define TRUCE_RASTER_H

#include <stddef.h>
#include <stdint.h>

#include "report/render.h"

/*
 * The PDF of pages[0..n-1] (A4 pages: SVG through librsvg, text runs
 * straight with cairo in DejaVu Sans), titled title, dated date_ms,
 * with payload (NULL: none) appended. 0 with *out (caller frees
 * out->data), or -1 with the reason in err.
 */
int raster_pdf(const struct render_page *pages, size_t n, const char *title,
    int64_t date_ms, const char *payload, struct render_out *out, char *err,
    size_t errlen);

/*
 * The PNG of one SVG document at scale (1: its own size in px). 0 with
 * *out, or -1 with err.
 */
int raster_png(const struct render_out *svg, double scale,
    struct render_out *out, char *err, size_t errlen);

#endif
