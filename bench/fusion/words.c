/*
 * bench/fusion/words.c: the per-call CPU of fusion's words (fusion_describe)
 * and of its parts -- the zones, the nearest line of each line layer, the
 * reference settlement -- on the positions bench/ledger/gen.awk writes
 * (39.xxxxxx N, 46.xxxxxx E: one square degree of Karabakh, k * 7919 and
 * k * 104729 modulo 1e6), and a digest of every answer (distances, points,
 * segments, sides, places, bearings, texts as bits) so that two builds can
 * be shown to answer the same.
 *
 * Usage: words DATADIR [REGION [N [REPEAT]]]   (karabakh, 20000, 3;
 * REPEAT 1..100). Build: cc -O2 -D_GNU_SOURCE -Isrc bench/fusion/words.c
 * build/release/libtruce.a $(pkg-config --libs proj jansson libsodium)
 * -lpthread -lm
 * Prints one line of key=value: CPU µs per call of each part (the best of
 * REPEAT passes): describe (fusion_describe), lines (every line layer),
 * first_line (the first line layer, which fusion words), reference
 * (describe_reference_indexed), zones (every zone of every layer); and
 * digest=, of an extra pass's answers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fusion/fusion.h"
#include "geo/describe.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "geo/lines.h"
#include "geo/polygon.h"

static uint64_t digest = 1469598103934665603ULL;

static void
mix(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		digest ^= b[i];
		digest *= 1099511628211ULL;
	}
}

static void
mix_str(const char *s)
{
	mix(s, strlen(s) + 1);
}

/* Every field of the answers, not their padding. */
static void
mix_words(const struct fusion_words *w)
{
	size_t i;

	mix(&w->nzones, sizeof(w->nzones));
	for (i = 0; i < w->nzones; i++) {
		mix_str(w->zone_layer[i]);
		mix_str(w->zone[i]);
	}
	mix_str(w->primary_zone);
	mix(&w->has_line, sizeof(w->has_line));
	mix_str(w->line);
	mix(&w->line_m, sizeof(w->line_m));
	mix_str(w->line_side);
	mix_str(w->text);
}

static void
mix_nearest(const struct lines_nearest *n)
{
	mix(&n->feature, sizeof(n->feature));
	mix(&n->part, sizeof(n->part));
	mix(&n->where.distance_m, sizeof(double));
	mix(&n->where.at.lat, sizeof(double));
	mix(&n->where.at.lon, sizeof(double));
	mix(&n->where.segment, sizeof(n->where.segment));
	mix(&n->where.along_m, sizeof(double));
	mix(&n->where.side, sizeof(n->where.side));
	mix_str(n->feature_name ? n->feature_name : "-");
	mix_str(n->side_name ? n->side_name : "-");
}

static void
mix_ref(const struct describe_ref *r)
{
	mix_str(r->place ? r->place->name : "-");
	mix(&r->distance_m, sizeof(double));
	mix(&r->bearing_deg, sizeof(double));
	mix(&r->score, sizeof(double));
	mix_str(r->compass ? r->compass : "-");
}

/* A whole number in lo..hi, or exits with a message. */
static long long
number(const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "words: %s: not a number in %lld..%lld\n", s,
		    lo, hi);
		exit(2);
	}
	return v;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	const char *region = argc > 2 ? argv[2] : "karabakh";
	long long nn = argc > 3 ? number(argv[3], 1, 10000000) : 20000;
	int repeat = argc > 4 ? (int)number(argv[4], 1, 100) : 3;
	size_t n = (size_t)nn;
	const struct polygon_layer *const *zones;
	const struct lines_layer *const *lines;
	struct fusion_geography geo;
	struct geodesy_point *pts;
	struct describe_index *ix;
	struct fusion_words w;
	struct lines_nearest ln;
	struct describe_ref ref;
	struct fusion *f;
	struct layers *l;
	size_t nz, nl, i, k, z, hits = 0;
	double t, best[5] = { 1e9, 1e9, 1e9, 1e9, 1e9 };
	char err[512];
	int r, rc;

	if (argc < 2) {
		fprintf(stderr, "usage: words DATADIR [REGION [N [REPEAT]]]\n");
		return 2;
	}
	if ((l = layers_load_region(argv[1], region, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	zones = layers_zones(l, &nz);
	lines = layers_lines(l, &nl);
	geo.gazetteer = layers_gazetteer(l);
	geo.zones = zones;
	geo.nzones = nz;
	geo.lines = lines;
	geo.nlines = nl;
	f = fusion_new(&geo);
	ix = describe_index_new(layers_gazetteer(l));
	pts = calloc(n, sizeof(*pts));
	if (f == NULL || ix == NULL || pts == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		uint64_t kk = i;

		if (strcmp(region, "donbas") == 0) {
			pts[i].lat = 47.5 + (double)(kk * 7919 % 1000000) / 1e6;
			pts[i].lon = 37.5 + (double)(kk * 104729 % 1000000) /
			    1e6;
		} else {
			pts[i].lat = 39 + (double)(kk * 7919 % 1000000) / 1e6;
			pts[i].lon = 46 + (double)(kk * 104729 % 1000000) / 1e6;
		}
	}
	for (r = 0; r <= repeat; r++) {
		int last = r == repeat; /* untimed: the digest */

		t = cpu_now();
		for (i = 0; i < n; i++) {
			rc = fusion_describe(f, pts[i].lat, pts[i].lon, &w);
			if (last) {
				mix(&rc, sizeof(rc));
				mix_words(&w);
			}
		}
		t = cpu_now() - t;
		if (!last && t < best[0])
			best[0] = t;
		t = cpu_now();
		for (i = 0; i < n; i++)
			for (k = 0; k < nl; k++) {
				memset(&ln, 0, sizeof(ln));
				rc = lines_layer_nearest(lines[k], &pts[i],
				    &ln);
				if (last) {
					mix(&rc, sizeof(rc));
					mix_nearest(&ln);
				}
			}
		t = cpu_now() - t;
		if (!last && t < best[1])
			best[1] = t;
		t = cpu_now(); /* the first layer alone, as fusion words */
		for (i = 0; i < n && nl > 0; i++) {
			memset(&ln, 0, sizeof(ln));
			rc = lines_layer_nearest(lines[0], &pts[i], &ln);
			if (last) {
				mix(&rc, sizeof(rc));
				mix_nearest(&ln);
			}
		}
		t = cpu_now() - t;
		if (!last && t < best[4])
			best[4] = t;
		t = cpu_now();
		for (i = 0; i < n; i++) {
			memset(&ref, 0, sizeof(ref));
			rc = describe_reference_indexed(ix, &pts[i], &ref);
			if (last) {
				mix(&rc, sizeof(rc));
				mix_ref(&ref);
			}
		}
		t = cpu_now() - t;
		if (!last && t < best[2])
			best[2] = t;
		t = cpu_now();
		for (i = 0; i < n; i++)
			for (k = 0; k < nz; k++)
				for (z = 0; z < polygon_layer_zone_count(
						    zones[k]);
				     z++)
					if (polygon_layer_zone_contains(
						zones[k], z, &pts[i]) == 1 &&
					    last)
						hits += z + 1;
		t = cpu_now() - t;
		if (!last && t < best[3])
			best[3] = t;
	}
	mix(&hits, sizeof(hits));
	for (k = 0; k < nl; k++) {
		size_t parts = 0, j;

		for (j = 0; j < lines_layer_feature_count(lines[k]); j++)
			parts += lines_layer_part_count(lines[k], j);
		printf("# line layer %s: %zu features, %zu parts, %zu "
		       "vertices\n",
		    lines_layer_name(lines[k]),
		    lines_layer_feature_count(lines[k]), parts,
		    lines_layer_vertex_count(lines[k]));
	}
	printf("region=%s n=%zu line_layers=%zu zone_layers=%zu "
	       "describe_us=%.2f lines_us=%.2f first_line_us=%.2f "
	       "reference_us=%.2f "
	       "zones_us=%.2f digest=%016llx\n",
	    region, n, nl, nz, best[0] / (double)n * 1e6,
	    best[1] / (double)n * 1e6, best[4] / (double)n * 1e6,
	    best[2] / (double)n * 1e6,
	    best[3] / (double)n * 1e6, (unsigned long long)digest);
	free(pts);
	describe_index_free(ix);
	fusion_free(f);
	layers_free(l);
	return 0;
}
