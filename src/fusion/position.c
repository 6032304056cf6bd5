/*
 * position: location forms to positions with covariances (see position.h
 * and docs/fusion.md, "Position models"). The geodesy is the geo module's
 * (Karney through PROJ), the solvers the locate module's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/nomem.h"
#include "fusion/position.h"
#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "locate/bearings.h"
#include "locate/ellipsoid.h"
#include "locate/tdoa.h"
#include "locate/uncertainty.h"

#define DEG (3.14159265358979323846 / 180)

/* One remembered lookup: a place name and what the gazetteer gave. */
struct cached_place {
	char *name;			     /* NULL: empty slot */
	const struct gazetteer_place *place; /* NULL: not in the gazetteer */
};

struct position_resolver {
	const struct gazetteer *g;
	struct cached_place *slot; /* open addressing, 2x the limit */
	size_t cap, used;
};

struct position_resolver *
position_resolver_new(const struct gazetteer *g)
{
	struct position_resolver *r;

	if ((r = nomem_calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->g = g;
	r->cap = 2 * POSITION_MAX_CACHED_PLACES;
	if ((r->slot = nomem_calloc(r->cap, sizeof(*r->slot))) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
position_resolver_free(struct position_resolver *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->cap; i++)
		free(r->slot[i].name);
	free(r->slot);
	free(r);
}

static uint64_t
hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * The place called name: the gazetteer's best-ranked match (settlements
 * before district labels, exact before folded before alias, then
 * population; geo/gazetteer.h). Sets *found to 0 when there is none.
 * Returns -1 only when the name cannot be looked up at all.
 */
static int
find_place(struct position_resolver *r, const char *name,
    const struct gazetteer_place **out, char *err, size_t errlen)
{
	struct gazetteer_match m[1];
	size_t i, n = 0;
	struct cached_place *c = NULL;

	i = hash_name(name) & (r->cap - 1);
	while (r->slot[i].name != NULL) {
		if (strcmp(r->slot[i].name, name) == 0) {
			*out = r->slot[i].place;
			return 0;
		}
		i = (i + 1) & (r->cap - 1);
	}
	if (r->used < POSITION_MAX_CACHED_PLACES)
		c = &r->slot[i];
	if (gazetteer_lookup(r->g, name, m, 1, &n, NULL, err, errlen) == -1)
		return -1;
	*out = n > 0 ? m[0].place : NULL;
	if (c != NULL && (c->name = nomem_strdup(name)) != NULL) {
		c->place = *out;
		r->used++;
	}
	return 0;
}

void
position_track_cov(double azi_deg, double sigma_along_m, double sigma_across_m,
    double sigma_iso_m, double cov[3])
{
	double s = sin(azi_deg * DEG), c = cos(azi_deg * DEG);
	double a2 = sigma_along_m * sigma_along_m;
	double x2 = sigma_across_m * sigma_across_m;
	double i2 = sigma_iso_m * sigma_iso_m;

	/* along = (s, c), across = (c, -s) in (east, north) */
	cov[0] = a2 * s * s + x2 * c * c + i2;
	cov[1] = (a2 - x2) * s * c;
	cov[2] = a2 * c * c + x2 * s * s + i2;
}

static void
isotropic(struct position *out, double sigma)
{
	out->cov[0] = out->cov[2] = sigma * sigma;
	out->cov[1] = 0;
}

static int64_t
int_of(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int
resolve_place(struct position_resolver *r, const json_t *loc,
    struct position *out)
{
	const char *name = json_string_value(json_object_get(loc, "place"));
	const struct gazetteer_place *pl = NULL;
	struct geodesy_point from, to;
	double bearing = (double)int_of(loc, "bearing_mdeg") / 1000.0;
	double dist = (double)int_of(loc, "distance_m");
	double derr, azi2 = bearing, iso;
	char err[160];

	if (name == NULL) {
		snprintf(out->note, sizeof(out->note), "place: no name");
		return -1;
	}
	if (r->g == NULL) {
		snprintf(out->note, sizeof(out->note),
		    "place '%.64s': no "
		    "gazetteer is loaded",
		    name);
		return -1;
	}
	if (find_place(r, name, &pl, err, sizeof(err)) == -1) {
		snprintf(out->note, sizeof(out->note), "place '%.64s': %.100s",
		    name, err);
		return -1;
	}
	if (pl == NULL) {
		snprintf(out->note, sizeof(out->note),
		    "place '%.64s' is not "
		    "in the gazetteer",
		    name);
		return -1;
	}
	from.lat = pl->lat;
	from.lon = pl->lon;
	if (geodesy_direct(&from, bearing, dist, &to, &azi2) == -1) {
		snprintf(out->note, sizeof(out->note),
		    "place '%.64s': the "
		    "direct problem has no solution",
		    name);
		return -1;
	}
	if (dist == 0)
		azi2 = bearing;
	if (json_object_get(loc, "distance_error_m") != NULL)
		derr = (double)int_of(loc, "distance_error_m");
	else
		derr = fmax(POSITION_MIN_DISTANCE_ERROR_M,
		    POSITION_DISTANCE_ERROR_SHARE * dist);
	iso = (pl->approximate || pl->kind != GAZETTEER_SETTLEMENT)
	    ? POSITION_AREA_ERROR_M
	    : POSITION_SETTLEMENT_ERROR_M;
	out->lat = to.lat;
	out->lon = to.lon;
	position_track_cov(azi2,
	    hypot(derr,
		uncertainty_polar_sag(dist, POSITION_BEARING_ERROR_DEG)),
	    dist * tan(POSITION_BEARING_ERROR_DEG * DEG), iso, out->cov);
	snprintf(out->note, sizeof(out->note), "from %.64s (%.6f, %.6f)",
	    pl->name, pl->lat, pl->lon);
	return 0;
}

static int
resolve_arrivals(const json_t *loc, int64_t t0_ms, struct position *out)
{
	struct tdoa_sensor s[TDOA_MAX_SENSORS];
	struct tdoa_fix fix;
	struct tdoa_result res;
	const json_t *list = json_object_get(loc, "sensors"), *it;
	double src[3], sen[3], d, sum = 0, lmax, tr, det;
	size_t i, n = json_array_size(list);

	if (n == 0 || n > TDOA_MAX_SENSORS) {
		snprintf(out->note, sizeof(out->note),
		    "arrivals: %zu sensors "
		    "(1 to %d)",
		    n, TDOA_MAX_SENSORS);
		return -1;
	}
	memset(&fix, 0, sizeof(fix));
	json_array_foreach(list, i, it)
	{
		memset(&s[i], 0, sizeof(s[i]));
		s[i].lat_deg = (double)int_of(it, "lat_e7") / 1e7;
		s[i].lon_deg = (double)int_of(it, "lon_e7") / 1e7;
		s[i].alt_m = (double)int_of(it, "alt_m");
		s[i].t_ns = int_of(it, "t_ns");
	}
	fix.sensors = s;
	fix.nsensors = n;
	fix.times_ns = 1;
	fix.speed_mps = (double)int_of(loc, "speed_mmps") / 1000.0;
	fix.sigma_t_s = (double)int_of(loc, "sigma_t_ns") / 1e9;
	if (json_object_get(loc, "source_alt_m") != NULL) {
		fix.known_alt = 1;
		fix.alt_m = (double)int_of(loc, "source_alt_m");
	}
	if (tdoa_solve(&fix, NULL, &res) == -1 || res.nused == 0) {
		snprintf(out->note, sizeof(out->note), "arrivals: %.170s",
		    res.message);
		return -1;
	}
	out->lat = res.lat_deg;
	out->lon = res.lon_deg;
	memcpy(out->cov, res.cov_en, sizeof(out->cov));
	if (res.status == TDOA_POOR_GEOMETRY && res.ambiguous) {
		for (i = 0; i < 3; i++)
			out->cov[i] *= POSITION_POOR_GEOMETRY_INFLATION;
		snprintf(out->note, sizeof(out->note),
		    "arrivals: poor "
		    "geometry, covariance inflated %gx: %.140s",
		    POSITION_POOR_GEOMETRY_INFLATION, res.message);
	} else if (res.status == TDOA_POOR_GEOMETRY)
		/* A wide fix (gdop) is not a wrong one: its honest
		 * covariance already says how wide. */
		snprintf(out->note, sizeof(out->note),
		    "arrivals: poor "
		    "geometry: %.170s",
		    res.message);
	/* Emission time: each arrival less its travel time, averaged. */
	ellipsoid_to_ecef(res.lat_deg, res.lon_deg, res.alt_m, src);
	for (i = 0; i < res.nused; i++) {
		const struct tdoa_sensor *u = &s[res.used[i]];

		ellipsoid_to_ecef(u->lat_deg, u->lon_deg, u->alt_m, sen);
		d = sqrt((src[0] - sen[0]) * (src[0] - sen[0]) +
		    (src[1] - sen[1]) * (src[1] - sen[1]) +
		    (src[2] - sen[2]) * (src[2] - sen[2]));
		sum += (double)u->t_ns / 1e6 - d / fix.speed_mps * 1000.0;
	}
	tr = out->cov[0] + out->cov[2];
	det = out->cov[0] * out->cov[2] - out->cov[1] * out->cov[1];
	lmax = tr / 2 + sqrt(fmax(0, tr * tr / 4 - det));
	out->has_time = 1;
	out->t_ms = (double)t0_ms + sum / (double)res.nused;
	out->t_sigma_ms = sqrt(fmax(0, lmax)) / fix.speed_mps * 1000.0 +
	    fix.sigma_t_s * 1000.0;
	if (!isfinite(out->lat) || !isfinite(out->lon) ||
	    !isfinite(out->t_ms)) {
		snprintf(out->note, sizeof(out->note),
		    "arrivals: the solver "
		    "gave no finite position");
		return -1;
	}
	return 0;
}

static int
resolve_bearings(const json_t *loc, struct position *out)
{
	struct bearings_obs b[BEARINGS_MAX];
	struct bearings_result res;
	const json_t *list = json_object_get(loc, "bearings"), *it;
	size_t i, n = json_array_size(list);

	if (n < 2 || n > BEARINGS_MAX) {
		snprintf(out->note, sizeof(out->note),
		    "bearings: %zu "
		    "bearings (2 to %d)",
		    n, BEARINGS_MAX);
		return -1;
	}
	json_array_foreach(list, i, it)
	{
		b[i].lat_deg = (double)int_of(it, "lat_e7") / 1e7;
		b[i].lon_deg = (double)int_of(it, "lon_e7") / 1e7;
		b[i].bearing_deg = (double)int_of(it, "bearing_mdeg") / 1000.0;
		b[i].sigma_deg = (double)int_of(it, "sigma_mdeg") / 1000.0;
	}
	if (bearings_solve(b, n, &res) == -1) {
		snprintf(out->note, sizeof(out->note), "bearings: %.170s",
		    res.message);
		return -1;
	}
	out->lat = res.lat_deg;
	out->lon = res.lon_deg;
	memcpy(out->cov, res.cov_en, sizeof(out->cov));
	if (res.status == BEARINGS_POOR_GEOMETRY) {
		for (i = 0; i < 3; i++)
			out->cov[i] *= POSITION_POOR_GEOMETRY_INFLATION;
		snprintf(out->note, sizeof(out->note),
		    "bearings: poor "
		    "geometry, covariance inflated %gx: %.140s",
		    POSITION_POOR_GEOMETRY_INFLATION, res.message);
	}
	return 0;
}

int
position_resolve(struct position_resolver *r, const json_t *loc, int64_t t0_ms,
    struct position *out)
{
	const char *form = json_string_value(json_object_get(loc, "form"));
	struct position p;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	if (form == NULL)
		snprintf(p.note, sizeof(p.note), "location has no form");
	else if (strcmp(form, "point") == 0 || strcmp(form, "uav_frame") == 0) {
		p.lat = (double)int_of(loc, "lat_e7") / 1e7;
		p.lon = (double)int_of(loc, "lon_e7") / 1e7;
		if (form[0] == 'p')
			isotropic(&p,
			    (double)int_of(loc, "precision_m") /
				POSITION_SIGMA_95);
		else
			isotropic(&p,
			    (double)int_of(loc, "ce90_m") / POSITION_SIGMA_90);
		rc = 0;
	} else if (strcmp(form, "place") == 0)
		rc = resolve_place(r, loc, &p);
	else if (strcmp(form, "arrivals") == 0)
		rc = resolve_arrivals(loc, t0_ms, &p);
	else if (strcmp(form, "bearings") == 0)
		rc = resolve_bearings(loc, &p);
	else
		snprintf(p.note, sizeof(p.note),
		    "unknown location form "
		    "'%.32s'",
		    form);
	if (rc == 0 &&
	    (!isfinite(p.cov[0]) || !isfinite(p.cov[1]) ||
		!isfinite(p.cov[2]) || p.cov[0] <= 0 || p.cov[2] <= 0 ||
		p.cov[0] * p.cov[2] - p.cov[1] * p.cov[1] <= 0)) {
		snprintf(p.note, sizeof(p.note),
		    "%s: the covariance is not "
		    "positive definite",
		    form);
		rc = -1;
	}
	p.resolved = rc == 0;
	*out = p;
	return rc;
}
