/*
 * bench_locate: the localization benchmarks of issue 4, driven by
 * bench/locate/run.sh (which builds this against build/release/libtruce.a).
 *
 *   bench_locate locards DIR        LocaRDS (Schaefer et al. 2021): all
 *                                   messages, 3-D and at the known height;
 *                                   error quartiles, statuses, ellipse hits
 *   bench_locate crb                synthetic TDOA: RMSE against the
 *                                   Cramer-Rao bound, share of truths inside
 *                                   the 95 % ellipse
 *   bench_locate speed DIR MODE N   solver-only throughput over the LocaRDS
 *                                   fixes (MODE 2d|3d), N passes, one core,
 *                                   CPU time
 *   bench_locate emit DIR MODE      the LocaRDS fixes as `truce locate` JSON
 *                                   lines (MODE 2d|3d)
 *
 * Output is Markdown table rows (and key=value lines for run.sh).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "locards.h"
#include "locate/ellipsoid.h"
#include "locate/tdoa.h"
#include "locate/uncertainty.h"

#define C_LIGHT 299792458.0
#define SIGMA_LOCARDS 100e-9 /* s: the data's pooled residual, ~33 m */
/*
 * Radio in the troposphere: refractivity N = 315e-6 exp(-h / 7.35 km) at
 * height h (ITU-R P.453 reference atmosphere) averaged from the receivers
 * (~0.4 km) to the aircraft (~9 km) is ~1.8e-4: a model, not a fit.
 */
#define C_AIR (C_LIGHT / 1.00018)

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q of the sorted v[0..n-1] (linear interpolation). */
static double
quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

static void
enu_of(double lat0, double lon0, double h0, double lat, double lon, double h,
    double enu[3])
{
	struct ellipsoid_enu f;
	double x[3];

	ellipsoid_enu_init(&f, lat0, lon0, h0);
	ellipsoid_to_ecef(lat, lon, h, x);
	ellipsoid_enu_from_ecef(&f, x, enu);
}

/* Squared Mahalanobis distance of the horizontal offset enu. */
static double
mahal2(const double cov[3], const double enu[3])
{
	double det = cov[0] * cov[2] - cov[1] * cov[1];

	return (cov[2] * enu[0] * enu[0] - 2 * cov[1] * enu[0] * enu[1] +
		   cov[0] * enu[1] * enu[1]) /
	    det;
}

static void
fix_of(const struct locards *d, const struct locards_msg *m, int known,
    struct tdoa_sensor *s, struct tdoa_fix *fix)
{
	int i;

	for (i = 0; i < m->n; i++) {
		const struct locards_sensor *q = &d->sensor[m->serial[i]];

		s[i].lat_deg = q->lat;
		s[i].lon_deg = q->lon;
		s[i].alt_m = q->h;
		s[i].t_ns = m->toa_ns[i];
		s[i].t_s = 0;
	}
	fix->sensors = s;
	fix->nsensors = (size_t)m->n;
	fix->times_ns = 1;
	fix->speed_mps = C_LIGHT;
	fix->sigma_t_s = SIGMA_LOCARDS;
	fix->known_alt = known;
	fix->alt_m = m->geo_alt;
}

static void
quartile_row(const char *label, double *v, size_t n, size_t total)
{
	qsort(v, n, sizeof(double), cmp);
	printf("| %s | %zu / %zu | %.1f | %.1f | **%.1f** | %.1f | %.1f |\n",
	    label, n, total, v[0], quantile(v, n, 0.25), quantile(v, n, 0.5),
	    quantile(v, n, 0.75), v[n - 1]);
}

static int
bench_locards(const char *dir)
{
	static struct locards d;
	static double err[4][LOCARDS_MAX_MSGS], ok_err[2][LOCARDS_MAX_MSGS];
	struct tdoa_sensor s[LOCARDS_MAX_MEAS];
	struct tdoa_fix fix;
	struct tdoa_result r;
	double enu[3];
	size_t k, n[4] = { 0 }, nok[2] = { 0 }, status[2][3] = { { 0 } };
	size_t inside[2] = { 0 }, timing[2] = { 0 }, dropped[2] = { 0 };
	struct tdoa_options bare;
	struct tdoa_result rb;
	int mode;

	/* The timing covariance alone, as before the honest ellipses. */
	tdoa_options_default(&bare);
	bare.variance_factor = 0;
	bare.model_floor = 0;

	if (locards_load(&d, dir) == -1) {
		fprintf(stderr, "bench_locate: cannot load %s\n", dir);
		return 1;
	}
	for (k = 0; k < d.nmsg; k++) {
		const struct locards_msg *m = &d.msg[k];

		for (mode = 0; mode < 2; mode++) {
			fix_of(&d, m, mode, s, &fix);
			tdoa_solve(&fix, NULL, &r);
			status[mode][r.status]++;
			if (r.status == TDOA_FAILED)
				continue;
			dropped[mode] += r.nused < fix.nsensors;
			enu_of(r.lat_deg, r.lon_deg, r.alt_m, m->lat, m->lon,
			    r.alt_m, enu);
			err[mode][n[mode]++] = hypot(enu[0], enu[1]);
			if (r.status == TDOA_OK)
				ok_err[mode][nok[mode]++] = hypot(enu[0],
				    enu[1]);
			if (r.has_ellipse &&
			    mahal2(r.cov_en, enu) <= ELLIPSOID_CHI2_95_2D)
				inside[mode]++;
			if (tdoa_solve(&fix, &bare, &rb) == 0 &&
			    rb.has_ellipse &&
			    mahal2(rb.cov_en, enu) <= ELLIPSOID_CHI2_95_2D)
				timing[mode]++;
			if (mode == 0) {
				enu_of(r.lat_deg, r.lon_deg, r.alt_m, m->lat,
				    m->lon, m->geo_alt, enu);
				err[2][n[2]++] = sqrt(enu[0] * enu[0] +
				    enu[1] * enu[1] + enu[2] * enu[2]);
				err[3][n[3]++] = fabs(r.alt_m - m->geo_alt);
			}
		}
	}
	printf("| solve | fixes | min | Q1 | median | Q3 | max |\n");
	printf("|---|---|---|---|---|---|---|\n");
	quartile_row("3-D, horizontal error", err[0], n[0], d.nmsg);
	quartile_row("3-D, 3-D error", err[2], n[2], d.nmsg);
	quartile_row("3-D, height error", err[3], n[3], d.nmsg);
	quartile_row("3-D, status ok only", ok_err[0], nok[0], d.nmsg);
	quartile_row("known height (geoAltitude)", err[1], n[1], d.nmsg);
	quartile_row("known height, status ok only", ok_err[1], nok[1],
	    d.nmsg);
	/* The same, at the tropospheric speed. */
	for (mode = 0; mode < 2; mode++) {
		n[mode] = 0;
		for (k = 0; k < d.nmsg; k++) {
			const struct locards_msg *m = &d.msg[k];

			fix_of(&d, m, mode, s, &fix);
			fix.speed_mps = C_AIR;
			if (tdoa_solve(&fix, NULL, &r) == -1)
				continue;
			enu_of(r.lat_deg, r.lon_deg, r.alt_m, m->lat, m->lon,
			    r.alt_m, enu);
			err[mode][n[mode]++] = hypot(enu[0], enu[1]);
		}
		quartile_row(mode ? "known height, speed c / 1.00018 "
				    "(troposphere)" :
				    "3-D, speed c / 1.00018 (troposphere)",
		    err[mode], n[mode], d.nmsg);
	}
	printf("| published (MPyC least-squares demo) | 1439 | 0.3 | 67.9 | "
	       "**183.6** | 487.6 | 17650.6 |\n\n");
	for (mode = 0; mode < 2; mode++)
		printf("- %s: status ok %zu, poor_geometry %zu, failed %zu; "
		       "a sensor dropped in %zu; truth inside the 95 %% "
		       "ellipse **%.1f %%** (honest: variance factor, radio "
		       "model error), %.1f %% with the timing covariance "
		       "alone (sigma_t %.0f ns)\n",
		    mode ? "known height" : "3-D", status[mode][0],
		    status[mode][1], status[mode][2], dropped[mode],
		    100.0 * (double)inside[mode] / (double)n[mode],
		    100.0 * (double)timing[mode] / (double)n[mode],
		    SIGMA_LOCARDS * 1e9);
	free(d.msg);
	return 0;
}

/* xorshift64* and Box-Muller: seeded, reproducible noise. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static double
uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) * 0x1p-53;
}

static double
gauss(void)
{
	double u1 = uniform(), u2 = uniform();

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

struct scenario {
	const char *name;
	double speed, sigma;
	int known;
	size_t n;
	double sensors[8][3]; /* ENU offsets from 40 N 47 E, m */
	double source[3];
};

static void
geodetic_of(const double enu[3], double *lat, double *lon, double *h)
{
	struct ellipsoid_enu f;
	double x[3];

	ellipsoid_enu_init(&f, 40.0, 47.0, 0);
	ellipsoid_enu_to_ecef(&f, enu, x);
	ellipsoid_from_ecef(x, lat, lon, h);
}

static int
bench_crb(void)
{
	static const struct scenario sc[] = {
		{ "acoustic 2-D, 5 sensors on a 3 km ring, source inside, "
		  "1 ms",
		    343.0, 1e-3, 1, 5,
		    { { 3000, 0, 5 }, { 927, 2853, 20 }, { -2427, 1763, 0 },
			{ -2427, -1763, 12 }, { 927, -2853, 30 } },
		    { 700, -400, 0 } },
		{ "acoustic 2-D, same ring, source 6 km outside, 1 ms", 343.0,
		    1e-3, 1, 5,
		    { { 3000, 0, 5 }, { 927, 2853, 20 }, { -2427, 1763, 0 },
			{ -2427, -1763, 12 }, { 927, -2853, 30 } },
		    { 6000, 5000, 0 } },
		{ "acoustic 3-D, 6 sensors, 60 m height spread, source 200 m "
		  "up, 0.5 ms",
		    343.0, 5e-4, 0, 6,
		    { { 0, 0, 5 }, { 2000, 300, 60 }, { -1200, 1800, -10 },
			{ -900, -1700, 0 }, { 1500, -1300, 30 },
			{ 300, 2200, 15 } },
		    { 400, 600, 200 } },
		{ "radio 2-D, 5 receivers over 150 km, aircraft at 9 km, "
		  "100 ns",
		    C_LIGHT, 100e-9, 1, 5,
		    { { 0, 0, 300 }, { 60000, 10000, 500 },
			{ -40000, 50000, 200 }, { -30000, -55000, 900 },
			{ 50000, -40000, 100 } },
		    { 15000, -10000, 9000 } },
		{ "radio 3-D, same receivers and aircraft, 100 ns", C_LIGHT,
		    100e-9, 0, 5,
		    { { 0, 0, 300 }, { 60000, 10000, 500 },
			{ -40000, 50000, 200 }, { -30000, -55000, 900 },
			{ 50000, -40000, 100 } },
		    { 15000, -10000, 9000 } },
	};
	const int trials = 10000;
	struct tdoa_sensor s[8];
	struct tdoa_fix fix;
	struct tdoa_options timing, full;
	struct tdoa_result r;
	struct uncertainty_tdoa_model mod;
	double lat, lon, h, crb[3], vu, enu[3], x[3], xs[3], sum2, d, speed;
	double tlat, tlon, th, tx[3], off[3];
	size_t i, j, st[3];
	int t, inside, solved, inside_full, solved_full;

	tdoa_options_default(&timing);
	timing.model_floor = 0;
	tdoa_options_default(&full);
	printf("| scenario | trials | CRB (horizontal RMS) | RMSE | RMSE / "
	       "CRB | inside 95 %% ellipse (timing noise, timing part) | "
	       "inside 95 %% ellipse (stated model, default options) | "
	       "ok / poor / failed |\n");
	printf("|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		geodetic_of(sc[i].source, &lat, &lon, &h);
		ellipsoid_to_ecef(lat, lon, h, x);
		for (j = 0; j < sc[i].n; j++)
			geodetic_of(sc[i].sensors[j], &s[j].lat_deg,
			    &s[j].lon_deg, &s[j].alt_m);
		memset(&fix, 0, sizeof(fix));
		fix.sensors = s;
		fix.nsensors = sc[i].n;
		fix.speed_mps = sc[i].speed;
		fix.sigma_t_s = sc[i].sigma;
		fix.known_alt = sc[i].known;
		fix.alt_m = h;
		if (tdoa_crb(&fix, lat, lon, h, crb, &vu) == -1)
			return 1;
		sum2 = 0;
		inside = solved = 0;
		memset(st, 0, sizeof(st));
		for (t = 0; t < trials; t++) {
			for (j = 0; j < sc[i].n; j++) {
				ellipsoid_to_ecef(s[j].lat_deg, s[j].lon_deg,
				    s[j].alt_m, xs);
				d = sqrt((x[0] - xs[0]) * (x[0] - xs[0]) +
				    (x[1] - xs[1]) * (x[1] - xs[1]) +
				    (x[2] - xs[2]) * (x[2] - xs[2]));
				s[j].t_s = 100.0 + d / sc[i].speed +
				    sc[i].sigma * gauss();
			}
			tdoa_solve(&fix, &timing, &r);
			st[r.status]++;
			if (r.status == TDOA_FAILED)
				continue;
			solved++;
			enu_of(r.lat_deg, r.lon_deg, r.alt_m, lat, lon, r.alt_m,
			    enu);
			sum2 += enu[0] * enu[0] + enu[1] * enu[1];
			if (r.has_ellipse &&
			    mahal2(r.cov_en, enu) <= ELLIPSOID_CHI2_95_2D)
				inside++;
		}
		/* The stated model: the speed off by its share, every sensor
		 * misplaced by the survey error, the truth off the emitter by
		 * the floor. */
		uncertainty_tdoa_model(sc[i].speed, &mod);
		inside_full = solved_full = 0;
		for (t = 0; t < trials; t++) {
			off[0] = mod.floor_m * gauss();
			off[1] = mod.floor_m * gauss();
			off[2] = 0;
			{
				struct ellipsoid_enu f;

				ellipsoid_enu_init(&f, lat, lon, h);
				ellipsoid_enu_to_ecef(&f, off, tx);
				ellipsoid_from_ecef(tx, &tlat, &tlon, &th);
			}
			speed = sc[i].speed * (1 + mod.speed_share * gauss());
			for (j = 0; j < sc[i].n; j++) {
				struct ellipsoid_enu f;
				double so[3] = { mod.survey_m * gauss(),
					mod.survey_m * gauss(), 0 };

				ellipsoid_enu_init(&f, s[j].lat_deg,
				    s[j].lon_deg, s[j].alt_m);
				ellipsoid_enu_to_ecef(&f, so, xs);
				d = sqrt((x[0] - xs[0]) * (x[0] - xs[0]) +
				    (x[1] - xs[1]) * (x[1] - xs[1]) +
				    (x[2] - xs[2]) * (x[2] - xs[2]));
				s[j].t_s = 100.0 + d / speed +
				    sc[i].sigma * gauss();
			}
			if (tdoa_solve(&fix, &full, &r) == -1)
				continue;
			solved_full++;
			enu_of(r.lat_deg, r.lon_deg, r.alt_m, tlat, tlon,
			    r.alt_m, enu);
			if (r.has_ellipse &&
			    mahal2(r.cov_en, enu) <= ELLIPSOID_CHI2_95_2D)
				inside_full++;
		}
		printf("| %s | %d | %.3g m | %.3g m | %.3f | %.1f %% | %.1f %% "
		       "| %zu / %zu / %zu |\n",
		    sc[i].name, trials, sqrt(crb[0] + crb[2]),
		    sqrt(sum2 / solved), sqrt(sum2 / solved) /
			sqrt(crb[0] + crb[2]),
		    100.0 * inside / solved,
		    100.0 * inside_full / solved_full, st[0], st[1], st[2]);
	}
	return 0;
}

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
bench_speed(const char *dir, int known, int passes)
{
	static struct locards d;
	static struct tdoa_sensor s[LOCARDS_MAX_MSGS][LOCARDS_MAX_MEAS];
	static struct tdoa_fix fix[LOCARDS_MAX_MSGS];
	struct tdoa_result r;
	double t0, t, sink = 0;
	size_t k;
	int p;

	if (locards_load(&d, dir) == -1)
		return 1;
	for (k = 0; k < d.nmsg; k++)
		fix_of(&d, &d.msg[k], known, s[k], &fix[k]);
	t0 = cpu_seconds();
	for (p = 0; p < passes; p++)
		for (k = 0; k < d.nmsg; k++) {
			tdoa_solve(&fix[k], NULL, &r);
			sink += r.lat_deg;
		}
	t = cpu_seconds() - t0;
	printf("fixes=%zu seconds=%.4f fixes_per_s=%.0f us_per_fix=%.2f "
	       "sink=%g\n",
	    d.nmsg * (size_t)passes, t, (double)(d.nmsg * (size_t)passes) / t,
	    t / (double)(d.nmsg * (size_t)passes) * 1e6, sink > 0 ? 1.0 : 0.0);
	free(d.msg);
	return 0;
}

static int
bench_emit(const char *dir, int known)
{
	static struct locards d;
	size_t k;
	int i;

	if (locards_load(&d, dir) == -1)
		return 1;
	for (k = 0; k < d.nmsg; k++) {
		const struct locards_msg *m = &d.msg[k];

		printf("{\"id\":\"%ld\",\"speed_mps\":%.1f,\"sigma_t_s\":%g,",
		    m->id, C_LIGHT, SIGMA_LOCARDS);
		if (known)
			printf("\"alt_m\":%.2f,", m->geo_alt);
		printf("\"sensors\":[");
		for (i = 0; i < m->n; i++) {
			const struct locards_sensor *q =
			    &d.sensor[m->serial[i]];

			printf("%s{\"lat\":%.8f,\"lon\":%.8f,\"alt_m\":%.4f,"
			       "\"t_ns\":%lld}",
			    i ? "," : "", q->lat, q->lon, q->h,
			    (long long)m->toa_ns[i]);
		}
		printf("]}\n");
	}
	free(d.msg);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "locards") == 0)
		return bench_locards(argv[2]);
	if (argc == 2 && strcmp(argv[1], "crb") == 0)
		return bench_crb();
	if (argc == 5 && strcmp(argv[1], "speed") == 0)
		return bench_speed(argv[2], strcmp(argv[3], "2d") == 0,
		    (int)strtol(argv[4], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "emit") == 0)
		return bench_emit(argv[2], strcmp(argv[3], "2d") == 0);
	fprintf(stderr, "usage: bench_locate locards DIR | crb | speed DIR "
			"2d|3d N | emit DIR 2d|3d\n");
	return 2;
}
