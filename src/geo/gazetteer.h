/*
 * gazetteer: the places monitors name ("3 km south-west of Ağdam"), found by
 * any of their spellings, and the places near a position.
 *
 * Places come from GeoNames (cities500, the postal dump) and Natural Earth
 * admin-1 label points, loaded by geo/layers.c; the model is GeoNames' (name,
 * alternate names, WGS84 lat/lon, population, ISO country, admin codes).
 *
 * Name lookup (docs/geography.md, "Gazetteer"):
 *  - every name is reduced to a *folding key*: case, diacritics, spaces,
 *    hyphens, apostrophes (Armenian transliteration: Zarrit’ap’) and
 *    parenthesised qualifiers dropped; Cyrillic and Armenian letters
 *    transliterated; then the spelling variants of Azerbaijani, Russian and
 *    English transliteration made equal: kh = x, sh = s, ch = c, gh = g,
 *    dzh = j = c, q = g, y = i, w = v, doubled letters single; ə matches a or e
 *    (Xankəndi = Xankandi = Khankendi), Cyrillic г matches g or h, and a '?'
 *    in the data (garbled source names) matches any one letter;
 *  - aliases tie names that no folding can join (Stepanakert = Xankəndi,
 *    Shushi = Şuşa, Martuni = Xocavənd): a built-in table of the pilot
 *    regions' known names (gazetteer_add_known_aliases) and the center's own
 *    (gazetteer_add_alias);
 *  - candidates are ranked: settlements before district label points; then
 *    exact (same name up to case) before folded before alias; then larger
 *    population; then the seat of an administrative unit; then places with
 *    surveyed coordinates before approximate ones; then name and load order.
 *    Every matching place is reported: duplicate names (Avşar in Azerbaijan
 *    and Avshar in Armenia) are never collapsed.
 *
 * Limits: GAZETTEER_MAX_PLACES places, GAZETTEER_MAX_NAMES names per place,
 * GAZETTEER_MAX_ALIASES aliases, names and queries up to GAZETTEER_MAX_NAME
 * bytes of UTF-8.
 *
 * Pure: no I/O. Not thread-safe while places are being added; lookups on a
 * gazetteer no longer being changed may run concurrently.
 */
#ifndef TRUCE_GAZETTEER_H
#define TRUCE_GAZETTEER_H

#include <stddef.h>
#include <stdint.h>

#define GAZETTEER_MAX_PLACES 200000
#define GAZETTEER_MAX_NAMES 64
#define GAZETTEER_MAX_ALIASES 100000
#define GAZETTEER_MAX_NAME 200
#define GAZETTEER_KEY_MAX (4 * GAZETTEER_MAX_NAME + 1)
#define GAZETTEER_CODE_MAX 16 /* country, admin codes, source: bytes */

struct geodesy_point;
struct gazetteer;

enum gazetteer_kind {
	GAZETTEER_SETTLEMENT = 0, /* a populated place */
	GAZETTEER_DISTRICT = 1,	  /* an admin-1 label point, not a town */
};

/*
 * A place. The gazetteer owns every place and its strings; pointers stay
 * valid until gazetteer_free (adding places never moves them). Callers read
 * the fields (a view is clearer than a dozen accessors) but never write
 * them. As a template for gazetteer_add, names/nnames are ignored.
 */
struct gazetteer_place {
	int64_t id;	     /* GeoNames id; 0 if the source has none */
	const char *name;    /* primary name, UTF-8 */
	const char *country; /* ISO 3166-1 alpha-2, "" if unknown */
	const char *admin1;  /* admin-1 code of the source, "" if none */
	const char *admin2;  /* admin-2 code, "" if none */
	const char *source;  /* "cities500", "postal", "admin1" ... */
	double lat, lon;     /* WGS84 degrees */
	int64_t population;  /* 0 when unknown */
	enum gazetteer_kind kind;
	int seat;		  /* 1: seat of an administrative unit */
	int approximate;	  /* 1: coordinates are an area estimate */
	const char *const *names; /* names[0] == name, then alternates */
	size_t nnames;
};

/* How a lookup matched a place. */
enum gazetteer_how {
	GAZETTEER_EXACT = 0,  /* a name equal up to case */
	GAZETTEER_FOLDED = 1, /* equal folding keys */
	GAZETTEER_ALIAS = 2,  /* through an alias */
};

struct gazetteer_match {
	const struct gazetteer_place *place;
	enum gazetteer_how how;
	const char *matched; /* the name or alias that matched (owned by g) */
};

struct gazetteer_near {
	const struct gazetteer_place *place;
	double distance_m;  /* geodesic, place to point */
	double azimuth_deg; /* bearing from the place to the point */
};

/* Flags of gazetteer_nearby / gazetteer_nearest. */
#define GAZETTEER_NEAR_SETTLEMENTS 0x1 /* skip district label points */
#define GAZETTEER_NEAR_LOCATED 0x2     /* skip approximate coordinates */

/* A new empty gazetteer; NULL if out of memory. */
struct gazetteer *gazetteer_new(void);

/* Frees g and all its places; NULL does nothing. */
void gazetteer_free(struct gazetteer *g);

/* Number of places. */
size_t gazetteer_count(const struct gazetteer *g);

/* Place i in load order (0 .. count-1); NULL if out of range. */
const struct gazetteer_place *gazetteer_place(const struct gazetteer *g,
    size_t i);

/*
 * Adds a copy of the place described by tmpl (strings copied; NULL string
 * fields become ""), and writes the stored place into *out if out is not
 * NULL. Returns -1 with a message in err if the name is empty or longer than
 * GAZETTEER_MAX_NAME, a code longer than GAZETTEER_CODE_MAX, a coordinate
 * out of range (-90..90, -180..180), the population negative, the limit of
 * GAZETTEER_MAX_PLACES reached, or memory runs out. Cost: O(name length).
 */
int gazetteer_add(struct gazetteer *g, const struct gazetteer_place *tmpl,
    const struct gazetteer_place **out, char *err, size_t errlen);

/*
 * Adds name (copied) as an alternate name of place p (one of g's). A name
 * equal to one the place has (up to case) is ignored. -1 with a message if
 * the name is invalid or the place already has GAZETTEER_MAX_NAMES names.
 */
int gazetteer_add_name(struct gazetteer *g, const struct gazetteer_place *p,
    const char *name, char *err, size_t errlen);

/*
 * Makes `alias` find the place named `target` (matched exactly or folded,
 * never through another alias), restricted to country and admin1 when they
 * are not NULL. If several places match, settlements are preferred to
 * district label points; if several remain the alias is refused as
 * ambiguous (the message says how many, and to give the admin-1 code).
 * Returns -1 with a message naming the alias for: no such place, ambiguity,
 * an invalid alias (empty, longer than GAZETTEER_MAX_NAME, no letter),
 * GAZETTEER_MAX_ALIASES reached. Adding the same alias twice is harmless.
 */
int gazetteer_add_alias(struct gazetteer *g, const char *alias,
    const char *target, const char *country, const char *admin1, char *err,
    size_t errlen);

/*
 * Adds the built-in aliases of the pilot regions: in Karabakh the Armenian
 * names (Stepanakert, Shushi, Askeran, Martuni, Martakert/Ağdərə, Berdzor,
 * Karvachar, ...) and the Azerbaijani names of the places GeoNames cities500
 * lists under a Russian-era spelling (Füzuli = Fizuli, Cəbrayıl = Jebrail,
 * Kəlbəcər = Kerbakhiar, Xocavənd = Novyy Karanlug); in Donbas the Russian
 * and pre-2016 names. Entries whose target is not (yet) in g are skipped,
 * and adding them again is harmless, so the loader calls this after each
 * gazetteer file. Writes the number added into *added (may be NULL).
 * Returns -1 only if memory runs out.
 */
int gazetteer_add_known_aliases(struct gazetteer *g, size_t *added);

/*
 * Writes name's folding key (see above) into key (keylen bytes, at most
 * GAZETTEER_KEY_MAX needed). Returns -1 if name is NULL, longer than
 * GAZETTEER_MAX_NAME or not valid UTF-8, or if the key would not fit.
 */
int gazetteer_fold(const char *name, char *key, size_t keylen);

/* 1 if two folding keys match (with the ə, г and ? wildcards), else 0. */
int gazetteer_key_match(const char *a, const char *b);

/*
 * Finds the places matching query, best first (the ranking above), into
 * out[0..max-1]; *n gets the number written and *total, if not NULL, the
 * number found. Returns -1 with a message naming the limit if the query is
 * empty, longer than GAZETTEER_MAX_NAME or has no letter or digit; no match
 * is not an error (*n = 0). Cost: O(names + aliases) key comparisons plus
 * sorting the matches.
 */
int gazetteer_lookup(const struct gazetteer *g, const char *query,
    struct gazetteer_match *out, size_t max, size_t *n, size_t *total,
    char *err, size_t errlen);

/* "exact", "folded" or "alias". */
const char *gazetteer_how_name(enum gazetteer_how how);

/* "settlement" or "district". */
const char *gazetteer_kind_name(enum gazetteer_kind kind);

/*
 * The places within radius_m of p (geodesic), nearest first (ties in load
 * order), filtered by flags (GAZETTEER_NEAR_*), into out[0..max-1]; *n gets
 * the number written, *total (if not NULL) the number within the radius.
 * Returns -1 if p is invalid or radius_m is negative or not finite, or
 * memory runs out. Cost: a grid of 0.25° cells; O(places in the cells
 * covering the radius) geodesic problems, O(places) for a radius beyond
 * about 2,000 km.
 */
int gazetteer_nearby(const struct gazetteer *g, const struct geodesy_point *p,
    double radius_m, int flags, struct gazetteer_near *out, size_t max,
    size_t *n, size_t *total);

/*
 * The nearest place to p passing flags, at any distance, into *out.
 * Returns -1 if there is none or p is invalid.
 */
int gazetteer_nearest(const struct gazetteer *g, const struct geodesy_point *p,
    int flags, struct gazetteer_near *out);

/*
 * The nearest place within radius_m of p that has a name whose folding key
 * matches name's and, if country is not NULL, that country; NULL if none.
 * The loader uses it to merge the same place listed by two sources.
 */
const struct gazetteer_place *gazetteer_find_near(const struct gazetteer *g,
    const char *name, const char *country, const struct geodesy_point *p,
    double radius_m);

#endif
