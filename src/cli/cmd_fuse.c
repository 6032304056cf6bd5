/*
 * truce fuse: fusion offline. Reads observations as JSON lines (the API's
 * input form, as `truce simulate` writes them), validates and locates each
 * (record/observation, fusion/position), associates them in input order
 * into an in-memory book (fusion/incident_set) with the same rules the
 * store applies (fusion/associate), and writes the incidents as JSON
 * lines. Member observations are named by their 0-based input line, so the
 * output can be scored against `truce simulate --truth` (bench/fusion).
 * Timings of each stage go to standard error with --stats.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/clock.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "fusion/fusion.h"
#include "fusion/incident_set.h"
#include "geo/layers.h"
#include "locate/ellipsoid.h"
#include "record/observation.h"
#include "record/timefmt.h"

#define CMD "fuse"
#define FUSE_MAX_LINE (1024 * 1024) /* bytes of one input line */
#define FUSE_MAX_OBS 20000000	    /* observations per run */

static void
help(void)
{
	printf("usage: truce fuse [--region NAME | --no-geo] [--data DIR] "
	       "[--describe]\n"
	       "                  [--points FILE] [--stats] [-o FILE] [FILE]\n"
	       "\n"
	       "Associates observations into incidents offline, with the rules "
	       "of the\n"
	       "center's store (docs/fusion.md). Reads JSON lines in the API's "
	       "input\n"
	       "form from FILE or standard input (as `truce simulate` writes "
	       "them; lines\n"
	       "up to %d bytes), validates and locates each, associates them "
	       "in input\n"
	       "order and writes one JSON line per incident: id, kind, "
	       "category, count,\n"
	       "qualifier, position with its 95 %% ellipse, time window, "
	       "independent\n"
	       "sources, and \"lines\": the 0-based input lines of its "
	       "observations\n"
	       "(\"complaints\": the lines of the complaints linked to it).\n"
	       "\n"
	       "  --region NAME   the geography for places: karabakh (default) "
	       "or donbas\n"
	       "  --data DIR      the data directory (default: $TRUCE_DATA, "
	       "else the\n"
	       "                  data/ of the source tree, else ./data)\n"
	       "  --no-geo        no gazetteer: place + bearing observations "
	       "stay\n"
	       "                  unlocated\n"
	       "  --describe      add zone and \"2.4 km north-east of Ağdam\" "
	       "to each\n"
	       "                  incident\n"
	       "  --points FILE   also write the located observations as CSV "
	       "(line, lat,\n"
	       "                  lon, t_s, group) for other clustering tools\n"
	       "  --stats         timings of each stage on standard error\n"
	       "  -o FILE         write the incidents to FILE, not standard "
	       "output\n"
	       "  -h, --help      this text\n",
	    FUSE_MAX_LINE);
}

struct line_list {
	json_t *arr;
};

static int
add_line(void *arg, const struct associate_obs *o)
{
	json_array_append_new(((struct line_list *)arg)->arr,
	    json_integer(o->index));
	return 0;
}

static json_t *
time_json(int64_t ms)
{
	char buf[TIMEFMT_LEN];

	timefmt_format(ms, buf);
	return json_string(buf);
}

static json_t *
incident_json(struct fusion *f, struct incident_set *set,
    const struct associate_incident *inc, int describe)
{
	struct ellipsoid_ellipse el;
	struct fusion_words w;
	struct line_list l;
	json_t *o, *links;
	int64_t idx[256];
	long n, i;

	o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:i,s:i}", "id", inc->id,
	    "kind", inc->kind == ASSOCIATE_OBSERVED ? "observed" : "complaint",
	    "group", associate_group_name(inc->group), "category",
	    associate_category_name(inc->category)
		? associate_category_name(inc->category)
		: "other",
	    "count", (json_int_t)inc->count, "qualifier",
	    associate_qualifier_name(inc->qualifier), "nobs", inc->nobs,
	    "independent_sources", inc->nsources);
	if (o == NULL)
		return NULL;
	if (!inc->live)
		json_object_set_new(o, "merged_into",
		    json_string(inc->merged_into));
	if (inc->located) {
		json_object_set_new(o, "lat", json_real(inc->lat));
		json_object_set_new(o, "lon", json_real(inc->lon));
		if (ellipsoid_ellipse95(inc->cov, &el) == 0)
			json_object_set_new(o, "ellipse",
			    json_pack("{s:f,s:f,s:f}", "semi_major_m",
				el.semi_major_m, "semi_minor_m",
				el.semi_minor_m, "orientation_deg",
				el.orientation_deg));
		if (describe &&
		    fusion_describe(f, inc->lat, inc->lon, &w) == 0) {
			json_object_set_new(o, "zone",
			    json_string(w.primary_zone));
			json_object_set_new(o, "description",
			    json_string(w.text));
		}
	}
	json_object_set_new(o, "time",
	    json_pack("{s:o,s:o}", "from", time_json(inc->g_from), "to",
		time_json(inc->g_to)));
	l.arr = json_array();
	incident_set_ops.members(set, inc->id, add_line, &l);
	json_object_set_new(o, "lines", l.arr);
	n = incident_set_links(set, inc->id, idx, 256);
	links = json_array();
	for (i = 0; i < n && i < 256; i++)
		json_array_append_new(links, json_integer(idx[i]));
	json_object_set_new(o, "complaints", links);
	return o;
}

struct fuse {
	const char *region, *data, *points, *output, *input;
	int no_geo, describe, stats;
};

static int
parse(int argc, char **argv, struct fuse *fz)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "data", required_argument, NULL, 'd' },
		{ "no-geo", no_argument, NULL, 'n' },
		{ "describe", no_argument, NULL, 'D' },
		{ "points", required_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(fz, 0, sizeof(*fz));
	fz->region = "karabakh";
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (strcmp(optarg, "karabakh") != 0 &&
			    strcmp(optarg, "donbas") != 0) {
				args_usage(CMD,
				    "--region: '%.32s' is not "
				    "karabakh or donbas",
				    optarg);
				return 2;
			}
			fz->region = optarg;
			break;
		case 'd':
			if (args_string(CMD, "--data", optarg, 4000) == -1)
				return 2;
			fz->data = optarg;
			break;
		case 'n': fz->no_geo = 1; break;
		case 'D': fz->describe = 1; break;
		case 'p': fz->points = optarg; break;
		case 's': fz->stats = 1; break;
		case 'o': fz->output = optarg; break;
		case 'h': help(); return 0;
		default: args_bad_option(CMD, argv, optind, optopt); return 2;
		}
	}
	if (argc - optind > 1) {
		args_usage(CMD, "one input file at most");
		return 2;
	}
	fz->input = optind < argc ? argv[optind] : "-";
	return -1;
}

/* Reads, validates and locates every line into *obs. */
static int
read_all(struct fusion *f, FILE *in, struct associate_obs **obs, size_t *nobs,
    size_t *invalid, size_t *unlocated)
{
	struct observation_error errs[4];
	struct associate_obs *v = NULL, *nv;
	size_t n = 0, cap = 0, nerr, len, lineno = 0;
	char *line = NULL, *bytes, id[OBSERVATION_ID_LEN + 1];
	size_t linecap = 0;
	ssize_t got;
	json_t *j, *entry;
	int64_t now = timefmt_now_ms();
	int rc = -1;

	while ((got = getline(&line, &linecap, in)) != -1) {
		lineno++;
		if (got > FUSE_MAX_LINE) {
			fprintf(stderr,
			    "truce fuse: line %zu: longer than %d "
			    "bytes\n",
			    lineno, FUSE_MAX_LINE);
			(*invalid)++;
			continue;
		}
		if (n >= FUSE_MAX_OBS) {
			fprintf(stderr,
			    "truce fuse: more than %d "
			    "observations\n",
			    FUSE_MAX_OBS);
			goto out;
		}
		j = json_loadb(line, (size_t)got, 0, NULL);
		entry =
		    j ? observation_from_input(j, now, errs, 4, &nerr) : NULL;
		json_decref(j);
		if (entry == NULL ||
		    observation_encode(entry, &bytes, &len, id) == -1) {
			if (*invalid < 10)
				fprintf(stderr,
				    "truce fuse: line %zu: %s%s%s\n", lineno,
				    entry || j == NULL ? "" : errs[0].pointer,
				    entry || j == NULL ? "" : ": ",
				    j == NULL	? "not JSON"
					: entry ? "too long"
						: errs[0].message);
			(*invalid)++;
			json_decref(entry);
			continue;
		}
		free(bytes);
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				json_decref(entry);
				fprintf(stderr, "truce fuse: out of memory\n");
				goto out;
			}
			v = nv;
		}
		if (fusion_observation(f, (int64_t)(lineno - 1), entry, id,
			&v[n], NULL, 0) == 0) {
			if (!v[n].located)
				(*unlocated)++;
			n++;
		} else
			(*invalid)++;
		json_decref(entry);
	}
	rc = 0;
out:
	free(line);
	if (rc == 0) {
		*obs = v;
		*nobs = n;
	} else
		free(v);
	return rc;
}

static int
write_points(const char *path, const struct associate_obs *obs, size_t n)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL) {
		fprintf(stderr, "truce fuse: %s: cannot write\n", path);
		return -1;
	}
	fprintf(f, "line,lat,lon,t_s,group\n");
	for (i = 0; i < n; i++)
		if (obs[i].located && !obs[i].complaint)
			fprintf(f, "%lld,%.7f,%.7f,%.3f,%d\n",
			    (long long)obs[i].index, obs[i].lat, obs[i].lon,
			    (double)(obs[i].t_from + obs[i].t_to) / 2000.0,
			    obs[i].group);
	return fclose(f) == 0 ? 0 : -1;
}

int
cmd_fuse(int argc, char **argv)
{
	struct fuse fz;
	struct layers *layers = NULL;
	struct fusion_geography geo;
	struct fusion *f = NULL;
	struct incident_set *set = NULL;
	struct associate_obs *obs = NULL;
	size_t nobs = 0, invalid = 0, unlocated = 0, i, ninc, live = 0;
	char dir[4096], err[512], id[ASSOCIATE_ID_LEN + 1];
	FILE *in = stdin, *out = stdout;
	double t0, t1, t2, t3, c2, c3;
	json_t *o;
	int ret;

	if ((ret = parse(argc, argv, &fz)) >= 0)
		return ret;
	ret = 1;
	memset(&geo, 0, sizeof(geo));
	t0 = clock_now_s();
	if (!fz.no_geo) {
		if (fz.data != NULL) {
			if ((size_t)snprintf(dir, sizeof(dir), "%s", fz.data) >=
			    sizeof(dir)) {
				fprintf(stderr,
				    "truce fuse: --data: path "
				    "longer than %zu bytes\n",
				    sizeof(dir) - 1);
				goto out;
			}
		} else if (layers_datadir(dir, sizeof(dir)) == -1) {
			fprintf(stderr,
			    "truce fuse: the data directory's path "
			    "is too long\n");
			goto out;
		}
		if ((layers = layers_load_region(dir, fz.region, err,
			 sizeof(err))) == NULL) {
			fprintf(stderr, "truce fuse: %s\n", err);
			goto out;
		}
		geo.gazetteer = layers_gazetteer(layers);
		geo.zones = layers_zones(layers, &geo.nzones);
		geo.lines = layers_lines(layers, &geo.nlines);
	}
	if ((f = fusion_new(&geo)) == NULL ||
	    (set = incident_set_new()) == NULL) {
		fprintf(stderr, "truce fuse: out of memory\n");
		goto out;
	}
	if (strcmp(fz.input, "-") != 0 && (in = fopen(fz.input, "r")) == NULL) {
		fprintf(stderr, "truce fuse: %s: cannot open\n", fz.input);
		goto out;
	}
	t1 = clock_now_s();
	if (read_all(f, in, &obs, &nobs, &invalid, &unlocated) == -1)
		goto out;
	t2 = clock_now_s();
	c2 = clock_cpu_s();
	for (i = 0; i < nobs; i++)
		if (associate_observation(&incident_set_ops, set, &obs[i],
			id) == -1) {
			fprintf(stderr,
			    "truce fuse: out of memory at line "
			    "%lld\n",
			    (long long)obs[i].index);
			goto out;
		}
	t3 = clock_now_s();
	c3 = clock_cpu_s();
	if (fz.points != NULL && write_points(fz.points, obs, nobs) == -1)
		goto out;
	if (fz.output != NULL && (out = fopen(fz.output, "w")) == NULL) {
		fprintf(stderr, "truce fuse: %s: cannot write\n", fz.output);
		goto out;
	}
	ninc = incident_set_count(set);
	for (i = 0; i < ninc; i++) {
		const struct associate_incident *inc =
		    incident_set_incident(set, i);

		live += inc->live;
		if ((o = incident_json(f, set, inc, fz.describe)) == NULL ||
		    json_dumpf(o, out,
			JSON_COMPACT | JSON_REAL_PRECISION(10)) == -1 ||
		    fputc('\n', out) == EOF) {
			json_decref(o);
			fprintf(stderr,
			    "truce fuse: cannot write the "
			    "incidents\n");
			goto out;
		}
		json_decref(o);
	}
	if (fflush(out) == EOF)
		goto out;
	if (fz.stats)
		fprintf(stderr,
		    "fuse: geography %.3f s; %zu observations read, "
		    "validated and located in %.3f s (%zu invalid, %zu "
		    "unlocated); associated into %zu incidents in %.3f s "
		    "(%.3f s of CPU: %.0f observations per CPU second)\n",
		    t1 - t0, nobs, t2 - t1, invalid, unlocated, live, t3 - t2,
		    c3 - c2, c3 > c2 ? (double)nobs / (c3 - c2) : 0.0);
	ret = invalid > 0 ? 1 : 0;
out:
	if (in != NULL && in != stdin)
		fclose(in);
	if (out != NULL && out != stdout)
		fclose(out);
	free(obs);
	incident_set_free(set);
	fusion_free(f);
	layers_free(layers);
	return ret;
}
