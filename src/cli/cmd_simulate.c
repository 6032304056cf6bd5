/*
 * truce simulate: writes ILLUSTRATIVE observations of simulated ceasefire
 * violations as JSON lines in the API's input form, ready for `truce
 * import`, and optionally the ground truth they were drawn from. The model
 * is in sim/sim.h; the geography is read from data/geo (sim/geodata.h).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/log.h"
#include "common/num.h"
#include "sim/geodata.h"
#include "sim/region.h"
#include "sim/sim.h"

#define CMD "simulate"
#define MAX_MEMBER 64

static void
help(void)
{
	printf("usage: truce simulate --from DATE [--days N] [--seed S] "
	       "[options]\n"
	       "\n"
	       "Writes ILLUSTRATIVE observations of simulated ceasefire "
	       "violations as JSON\n"
	       "lines (the API's input form), ready for `truce import FILE`. "
	       "Nothing in\n"
	       "them describes real events: they are demonstration and test "
	       "data, placed\n"
	       "near a real ceasefire line and real settlements (Natural "
	       "Earth, GeoNames;\n"
	       "see data/README.md).\n"
	       "\n"
	       "True events come in episodes (shelling, exchanges of fire, "
	       "night flares,\n"
	       "drones, engineering work), mostly in the evening and at night. "
	       "Each is\n"
	       "reported by the sources that could perceive it, each its own "
	       "way:\n"
	       "observation posts and cameras (a point with the 95%% radius of "
	       "its error;\n"
	       "two posts that saw a flash: their two bearings), patrols (a "
	       "settlement\n"
	       "with bearing and distance), UAVs (a frame centre with its CE90 "
	       "and an\n"
	       "imagery digest), acoustic arrays (arrival times at four "
	       "microphones), and\n"
	       "liaison officers of the parties (a complaint: coarse place, "
	       "time interval,\n"
	       "inflated count). Some events go unreported; a few complaints "
	       "are spurious.\n"
	       "The output is sorted by report time within each day and is the "
	       "same, byte\n"
	       "for byte, for the same options and seed.\n"
	       "\n"
	       "options:\n"
	       "  --region NAME    karabakh (default; members RU,TR) or donbas "
	       "(RU,UA)\n"
	       "  --from DATE      first day, YYYY-MM-DD (UTC); required\n"
	       "  --days N         number of days, 1..%d (default 7)\n"
	       "  --seed S         seed of the pseudo-random generator, "
	       "0..2^63-1\n"
	       "                   (default 1)\n"
	       "  --per-day N      mean number of true events a day, 1..%d "
	       "(default 40;\n"
	       "                   each gives about 1.5 observations)\n"
	       "  --member M       a member of the center whose monitors "
	       "report; repeat\n"
	       "                   for each (at most %d; default: the "
	       "region's)\n"
	       "  --truth FILE     also write the true events, one JSON object "
	       "a line:\n"
	       "                   id, episode, time, lat, lon, category, "
	       "weapon, count,\n"
	       "                   side, and \"observations\": the 0-based "
	       "line numbers of\n"
	       "                   the observations that report it\n"
	       "  -o, --output FILE  write the observations to FILE, not "
	       "standard output\n"
	       "  --geo DIR        the geographic data (default: $TRUCE_GEO, "
	       "else the\n"
	       "                   data/geo of the source tree the binary was "
	       "built in,\n"
	       "                   else ./data/geo)\n"
	       "  -h, --help       this text\n"
	       "\n"
	       "example:\n"
	       "  truce simulate --region karabakh --from 2025-03-01 --days 30 "
	       "--seed 7 \\\n"
	       "      --truth truth.jsonl > obs.jsonl && truce import "
	       "obs.jsonl\n",
	    SIM_MAX_DAYS, (int)SIM_MAX_PER_DAY, SIM_MAX_MEMBERS);
}

/* Parses YYYY-MM-DD into the UTC seconds of that midnight. */
static int
parse_date(const char *s, int64_t *out)
{
	char part[8];
	int64_t y, m, d;
	struct tm tm;
	time_t t;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		goto bad;
	memcpy(part, s, 4);
	part[4] = '\0';
	if (num_parse_i64(part, 1970, 9998, &y, NULL, 0) == -1)
		goto bad;
	memcpy(part, s + 5, 2);
	part[2] = '\0';
	if (num_parse_i64(part, 1, 12, &m, NULL, 0) == -1)
		goto bad;
	memcpy(part, s + 8, 2);
	if (num_parse_i64(part, 1, 31, &d, NULL, 0) == -1)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	t = timegm(&tm);
	/* timegm normalises 02-30 to 03-02: refuse dates that moved. */
	if (t == (time_t)-1 || tm.tm_mday != (int)d || tm.tm_mon != (int)m - 1)
		goto bad;
	*out = (int64_t)t;
	return 0;
bad:
	args_usage(CMD,
	    "--from: '%.32s' is not a date YYYY-MM-DD (UTC, "
	    "1970-01-01 to 9998-12-31)",
	    s);
	return -1;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The default data/geo: $TRUCE_GEO, next to the build tree, ./data/geo. */
static const char *
default_geo(char *buf, size_t len)
{
	const char *env = getenv("TRUCE_GEO");
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0')
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			/* build/<flavour>/truce -> <top>/data/geo */
			if ((size_t)snprintf(buf, len, "%s/../../data/geo",
				exe) < len &&
			    is_dir(buf))
				return buf;
			if ((size_t)snprintf(buf, len, "%s/../share/truce/geo",
				exe) < len &&
			    is_dir(buf))
				return buf;
		}
	}
	return "data/geo";
}

struct output {
	FILE *obs;
	FILE *truth;
	const char *obs_name;
	const char *truth_name;
	size_t nobs, nevents;
};

static int
write_line(FILE *f, const char *name, const json_t *j)
{
	char *s;
	int ret = -1;

	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
	if (s == NULL) {
		log_warnx("%s: cannot serialize", name);
		goto out;
	}
	if (fputs(s, f) == EOF || fputc('\n', f) == EOF) {
		log_warn("%s", name);
		goto out;
	}
	ret = 0;
out:
	free(s);
	return ret;
}

static int
on_observation(void *arg, const json_t *obs)
{
	struct output *o = arg;

	o->nobs++;
	return write_line(o->obs, o->obs_name, obs);
}

static int
on_event(void *arg, const json_t *ev)
{
	struct output *o = arg;

	o->nevents++;
	return write_line(o->truth, o->truth_name, ev);
}

static int
close_output(FILE *f, const char *name, int is_stdout)
{
	int ret = 0;

	if (f == NULL)
		return 0;
	if (fflush(f) == EOF || ferror(f)) {
		log_warn("%s", name);
		ret = -1;
	}
	if (!is_stdout && fclose(f) == EOF) {
		log_warn("%s", name);
		ret = -1;
	}
	return ret;
}

int
cmd_simulate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "from", required_argument, NULL, 'f' },
		{ "days", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "per-day", required_argument, NULL, 'p' },
		{ "member", required_argument, NULL, 'm' },
		{ "truth", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "geo", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *region_name = "karabakh", *from = NULL, *truth = NULL;
	const char *output = NULL, *geo = NULL, *defaults;
	const char *members[SIM_MAX_MEMBERS];
	char member_buf[SIM_MAX_MEMBERS][MAX_MEMBER + 1], geobuf[PATH_MAX];
	struct sim_config cfg;
	struct output out;
	struct region *r = NULL;
	int64_t days = 7, seed = 1, per_day = 40;
	size_t nmembers = 0, i, n;
	const char *p, *comma;
	int ch, ret = 2;

	memset(&out, 0, sizeof(out));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': region_name = optarg; break;
		case 'f': from = optarg; break;
		case 'd':
			if (args_i64(CMD, "--days", optarg, 1, SIM_MAX_DAYS,
				&days) == -1)
				goto out;
			break;
		case 's':
			if (args_i64(CMD, "--seed", optarg, 0, INT64_MAX,
				&seed) == -1)
				goto out;
			break;
		case 'p':
			if (args_i64(CMD, "--per-day", optarg, 1,
				(int64_t)SIM_MAX_PER_DAY, &per_day) == -1)
				goto out;
			break;
		case 'm':
			if (nmembers == SIM_MAX_MEMBERS) {
				args_usage(CMD, "--member: at most %d members",
				    SIM_MAX_MEMBERS);
				goto out;
			}
			if (args_string(CMD, "--member", optarg, MAX_MEMBER) ==
			    -1)
				goto out;
			members[nmembers++] = optarg;
			break;
		case 't': truth = optarg; break;
		case 'o': output = optarg; break;
		case 'g': geo = optarg; break;
		case 'h':
			help();
			ret = 0;
			goto out;
		default: args_bad_option(CMD, argv, optind, optopt); goto out;
		}
	}
	if (optind < argc) {
		args_usage(CMD, "unexpected argument '%.64s'", argv[optind]);
		goto out;
	}
	if ((defaults = geodata_region_members(region_name)) == NULL) {
		args_usage(CMD,
		    "--region: '%.64s' is not a known region "
		    "(karabakh, donbas)",
		    region_name);
		goto out;
	}
	if (from == NULL) {
		args_usage(CMD, "--from DATE is required");
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (parse_date(from, &cfg.start_s) == -1)
		goto out;
	/* The region's members, "RU,TR", when none were given. */
	for (p = defaults; nmembers == 0 && *p != '\0';) {
		for (i = 0; i < SIM_MAX_MEMBERS; i++) {
			comma = strchr(p, ',');
			n = comma ? (size_t)(comma - p) : strlen(p);
			if (n > MAX_MEMBER)
				n = MAX_MEMBER;
			memcpy(member_buf[i], p, n);
			member_buf[i][n] = '\0';
			members[i] = member_buf[i];
			p += comma ? n + 1 : n;
			if (comma == NULL) {
				nmembers = i + 1;
				break;
			}
		}
	}
	cfg.days = days;
	cfg.per_day = (double)per_day;
	cfg.seed = (uint64_t)seed;
	cfg.members = members;
	cfg.nmembers = nmembers;
	if (cfg.start_s + days * 86400 > (int64_t)time(NULL))
		fprintf(stderr,
		    "truce simulate: note: some days lie in the "
		    "future; the center refuses observations "
		    "far in the future\n");

	ret = 1;
	if (geo == NULL)
		geo = default_geo(geobuf, sizeof(geobuf));
	if ((r = region_new()) == NULL) {
		log_warnx("out of memory");
		goto out;
	}
	if (geodata_load(r, geo, region_name) == -1)
		goto out;
	out.obs = stdout;
	out.obs_name = "standard output";
	if (output != NULL) {
		if ((out.obs = fopen(output, "w")) == NULL) {
			log_warn("%s", output);
			goto out;
		}
		out.obs_name = output;
	}
	if (truth != NULL) {
		if ((out.truth = fopen(truth, "w")) == NULL) {
			log_warn("%s", truth);
			goto out;
		}
		out.truth_name = truth;
	}
	if (sim_run(r, &cfg, on_observation, truth ? on_event : NULL, &out) ==
	    -1)
		goto out;
	ret = 0;
out:
	if (close_output(out.obs, out.obs_name, out.obs == stdout) == -1 ||
	    close_output(out.truth, out.truth_name, 0) == -1)
		ret = 1;
	if (ret == 0 && r == NULL)
		; /* --help: nothing was simulated */
	else if (ret == 0 && truth != NULL)
		fprintf(stderr,
		    "truce simulate: %zu observations of %zu true "
		    "events over %lld days (illustrative)\n",
		    out.nobs, out.nevents, (long long)days);
	else if (ret == 0)
		fprintf(stderr,
		    "truce simulate: %zu observations over %lld "
		    "days (illustrative)\n",
		    out.nobs, (long long)days);
	region_free(r);
	return ret;
}
