/* Unit test of sim/region: the simulator's line, area and settlements. */
#include <math.h>

#include "sim/prng.h"
#include "sim/region.h"
#include "tap.h"

int
main(void)
{
	struct region *r = region_new();
	/* A 1-degree square around (40, 47) as side B's area. */
	const double ring[] = { 46.5, 39.5, 47.5, 39.5, 47.5, 40.5, 46.5, 40.5,
		46.5, 39.5 };
	struct prng p;
	double lat, lon, dir, km;
	int on_line = 1, i;
	long s;

	/* A north-south line along lon 47 from lat 39.5 to 40.5. */
	ok(region_add_segment(r, 47.0, 39.5, 47.0, 40.0) == 0 &&
		region_add_segment(r, 47.0, 40.0, 47.0, 40.5) == 0,
	    "segments added");
	ok(fabs(region_line_km(r) - 110.6) < 0.5, "line length %.2f km",
	    region_line_km(r));
	ok(region_add_ring(r, ring, 5) == 0, "ring added");
	is_int(region_side(r, 40.0, 47.0), 1, "inside is side B");
	is_int(region_side(r, 41.0, 47.0), 0, "outside is side A");
	ok(fabs(region_line_km_from(r, 40.0, 47.1) - 8.5) < 0.2,
	    "distance to the line");
	is_int(region_add_settlement(r, "Near", 40.0, 47.05, 20), 1,
	    "near settlement kept");
	is_int(region_add_settlement(r, "Far", 40.0, 48.0, 20), 0,
	    "far settlement skipped");
	is_int(region_add_settlement(r, "Near again", 40.001, 47.051, 20), 0,
	    "a second spelling within 2 km is skipped");
	is_int(region_add_settlement(r, "Other", 39.8, 46.95, 20), 1,
	    "another settlement kept");
	is_int(region_nsettlements(r), 2, "two settlements");
	s = region_nearest_settlement(r, 39.81, 46.95, &km);
	is_int(s, 1, "nearest settlement");
	ok(km < 1.2, "at %.2f km", km);
	prng_seed(&p, 3);
	for (i = 0; i < 1000; i++) {
		region_line_point(r, &p, &lat, &lon, &dir);
		if (fabs(lon - 47.0) > 1e-9 || lat < 39.5 || lat > 40.5 ||
		    fabs(dir) > 1e-6)
			on_line = 0;
	}
	ok(on_line, "line points lie on the line, heading north");
	region_free(r);
	region_free(NULL);
	return done_testing();
}
