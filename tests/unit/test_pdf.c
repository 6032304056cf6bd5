/*
 * Unit test of the reports' PDF (center/products.h products_pdf through
 * report/render.h and report/raster.h): a daily report of a peak day, 2,000
 * incidents in its annex, prints (its CPU time is reported, not judged:
 * the 1 s bar is bench/products' to measure, `make bench-products`);
 * the same record gives the same bytes; and, when poppler's pdftotext is
 * installed, the text is in the PDF: the number, the totals, Azerbaijani,
 * Russian and Armenian place names, the footer with hash and log size and
 * the release.
 */
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
			      "s:{s:I,s:I}}",
			"incident", "inc-0001", "time_from_ms",
			(json_int_t)(1795200000000LL + (json_int_t)i * 40000),
			"utc_offset_s", (json_int_t)14400, "description",
			places[i % 4], "zone", i % 2 ? "north" : "south",
			"category", cats[i % 3], "qualifier",
			i % 5 ? "exact" : "about", "count",
			(json_int_t)(1 + i % 9), "independent_sources",
			(json_int_t)(1 + i % 3), "state", "agreed_violation",
			"log_index", (json_int_t)(1000 + i), "position",
			"lat_e7", (json_int_t)(400000000 + (i % 97) * 100000),
			"lon_e7", (json_int_t)(466000000 + (i % 89) * 100000)));
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
	env = json_pack("{s:s,s:s,s:I,s:I,s:[{s:s,s:s},{s:s,s:s}],s:o}",
	    "sha256",
	    "3b1f0c5e9a7d2c4b6e8f0a1c3e5d7b9f1a2c4e6d8b0f2a4c6e8d0b2f4a6c8e0d",
	    "state", "released", "state_index", (json_int_t)4242, "needed",
	    (json_int_t)2, "signatures", "member", "RU", "decision", "sign",
	    "member", "TR", "decision", "sign", "report", report);
	return env;
}

/* The PDF's text by pdftotext, or NULL when it is not installed. */
static char *
text_of(const struct render_out *pdf)
{
	char in[] = "/tmp/test_pdf.XXXXXX", cmd[256], *t = NULL;
	size_t n = 0;
	FILE *f, *p;
	int fd;

	if (system("command -v pdftotext >/dev/null 2>&1") != 0 ||
	    (fd = mkstemp(in)) == -1)
		return NULL;
	if (write(fd, pdf->data, pdf->len) != (ssize_t)pdf->len) {
		close(fd);
		unlink(in);
		return NULL;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "pdftotext -layout %s - 2>/dev/null", in);
	if ((p = popen(cmd, "r")) != NULL) {
		f = open_memstream(&t, &n);
		for (int c; f != NULL && (c = fgetc(p)) != EOF;)
			fputc(c, f);
		if (f != NULL)
			fclose(f);
		pclose(p);
	}
	unlink(in);
	return t;
}

int
main(void)
{
	json_t *env = peak_day();
	struct render_out a = { NULL, 0 }, b = { NULL, 0 };
	char err[256] = "", *t;
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
	if ((t = text_of(&a)) == NULL) {
		diag("pdftotext is not installed: the text is not read");
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
		ok(strstr(t, "agreed_violation, 2999") != NULL,
		    "the annex's last row");
	}
	free(t);
	free(a.data);
	free(b.data);
	json_decref(env);
	return done_testing();
}
