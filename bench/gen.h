/*
 * gen: the benchmark's deterministic observations and queries.
 *
 * Observation i of a set of n is a pure function of (i, n): every tool of
 * the benchmark (HTTP ingest, the 1,000,000-row query set, the CSV that
 * PostgreSQL COPYs) generates the same bytes for the same i, in any order
 * and from any thread. Observations are spread over one year
 * (2025-11-01 .. 2026-11-01 UTC) and over the Karabakh region (lon 46.0 ..
 * 47.5, lat 39.3 .. 40.5), half uniformly and half in clusters around
 * settlements near the former line of contact (GeoNames cities500
 * coordinates, ../shared/data/geo), with OSCE-SMM-like category
 * frequencies. Observation i starts in its own slot of span/n seconds, so
 * no two observations of a set are equal and the server never answers
 * "exists": n must be at most GEN_SPAN_S.
 *
 * Queries are a bbox of about 10 km x 10 km around Agdam (39.99N 46.93E,
 * centre jittered by up to +-0.02 degree), a 1-day or 1-week window inside
 * the year, and one category; query j is a pure function of j.
 */
#ifndef GEN_H
#define GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_START_S 1761955200LL /* 2025-11-01T00:00:00Z */
#define GEN_SPAN_S (365LL * 86400)
#define GEN_N 1000000		/* the query set */

struct gen_obs {
	int64_t from_s, to_s;	/* to_s == from_s: an instant */
	int32_t lat_e7, lon_e7;
	int precision_m;
	const char *category, *source_type, *member, *qualifier;
	int count;
	char unit[16];
	const char *narrative;	/* NULL: none */
};

struct gen_query {
	char bbox[96];		/* minlon,minlat,maxlon,maxlat (7 decimals) */
	char from[24], to[24];	/* RFC 3339 */
	int64_t from_s, to_s;
	const char *category;
};

/* Fills o with observation i of a set of n. */
void gen_observation(uint64_t i, uint64_t n, struct gen_obs *o);

/*
 * Writes o as the API's input JSON into buf (cap bytes, NUL-terminated).
 * Returns the length, or 0 when cap is too small.
 */
size_t gen_json(const struct gen_obs *o, char *buf, size_t cap);

/* Fills q with query j. */
void gen_query(uint64_t j, struct gen_query *q);

/* Formats epoch seconds as RFC 3339 UTC ("2026-01-02T03:04:05Z"). */
void gen_rfc3339(int64_t s, char out[24]);

#endif
