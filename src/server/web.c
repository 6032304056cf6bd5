/*
 * web: the dashboard's static files and the geography for its map (see
 * web.h; docs/dashboard.md).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "center/center.h"
#include "common/file.h"
#include "common/log.h"
#include "geo/gazetteer.h"
#include "geo/layers.h"
#include "server/request.h"
#include "server/web.h"

static const struct route web_static_route = { "GET", "/*", web_static, 0,
	BODY_NONE, NULL, NULL };

static int
has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const struct route *
web_route(const char *method, const char *url)
{
	if (strcmp(method, "GET") != 0 || url[0] != '/')
		return NULL;
	if (has_prefix(url, "/v1/") || strcmp(url, "/v1") == 0 ||
	    has_prefix(url, "/tile/") || has_prefix(url, "/checkpoint"))
		return NULL;
	return &web_static_route;
}

/* The web root into buf (web.h): 0, or -1 if it does not fit. */
static int
web_root(char *buf, size_t len)
{
	return file_source_dir("TRUCE_WEB", "web/dist", NULL, buf, len);
}

/*
 * Checks a URL path for a static file (web.h's rules): 1 if it may name
 * one, else 0.
 */
static int
path_ok(const char *p)
{
	size_t len = strlen(p), i;

	if (len < 2 || len > WEB_MAX_PATH || p[0] != '/')
		return 0;
	for (i = 0; i < len; i++) {
		char ch = p[i];

		if (ch == '/') {
			if (p[i + 1] == '/' || p[i + 1] == '.' ||
			    p[i + 1] == '\0')
				return 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			ch == '-'))
			return 0;
	}
	return 1;
}

static const char *
media_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".webmanifest", "application/manifest+json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".map", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/*
 * Reads the regular file path (at most WEB_MAX_FILE bytes) into a new
 * buffer: 0 with *data and *len, or -1 (errno: ENOENT for none, EFBIG
 * over the limit).
 */
static int
read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = ENOENT;
		goto fail;
	}
	if (st.st_size > WEB_MAX_FILE) {
		errno = EFBIG;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			goto fail;
		}
		got += (size_t)n;
	}
	close(fd);
	*data = buf;
	*len = got;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

enum MHD_Result
web_static(struct request *r)
{
	char root[PATH_MAX], path[PATH_MAX + WEB_MAX_PATH + 16];
	const char *url = strcmp(r->url, "/") == 0 ? "/index.html" : r->url;
	enum MHD_Result ret;
	char *data;
	size_t len;
	int w;

	if (!path_ok(url))
		return http_problem(r, 404, "no such resource: %.100s", r->url);
	if (web_root(root, sizeof(root)) == -1)
		return http_problem(r, 500, "the web root's path is too long");
	w = snprintf(path, sizeof(path), "%s%s", root, url);
	if (w < 0 || (size_t)w >= sizeof(path))
		return http_problem(r, 404, "no such resource: %.100s", r->url);
	if (read_file(path, &data, &len) == -1) {
		if (errno == EFBIG)
			return http_problem(r, 500,
			    "%.100s is over the limit "
			    "of %ld bytes for a static file",
			    r->url, WEB_MAX_FILE);
		if (strcmp(url, "/index.html") == 0)
			return http_problem(r, 404,
			    "the dashboard is not "
			    "built: no index.html in %.200s (run make)",
			    root);
		return http_problem(r, 404, "no such resource: %.100s", r->url);
	}
	ret = http_bytes(r, 200, data, len, media_type(url), "no-cache");
	free(data);
	return ret;
}

/* The name of a feature: the first of the comma-separated props that is a
 * non-empty string, else "". */
static const char *
feature_name(json_t *props, const char *names)
{
	char prop[64];
	const char *p = names, *v;
	size_t n;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		if (n < sizeof(prop)) {
			memcpy(prop, p, n);
			prop[n] = '\0';
			v = json_string_value(json_object_get(props, prop));
			if (v != NULL && *v != '\0')
				return v;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return "";
}

/*
 * Adds the features of one layer file to out: 0, or -1 with a message in
 * err naming the file and the limit.
 */
static int
add_layer(json_t *out, const char *datadir, const struct layers_file *f,
    char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	const char *kind, *gtype, *want;
	json_t *root = NULL, *features, *feat, *props, *geom, *v;
	json_error_t jerr;
	struct stat st;
	size_t i;
	int ret = -1, w;

	kind = f->kind == LAYERS_ZONES ? "zone" : "line";
	w = f->path[0] == '/'
	    ? snprintf(path, sizeof(path), "%s", f->path)
	    : snprintf(path, sizeof(path), "%s/%s", datadir, f->path);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", f->path);
		goto out;
	}
	if (stat(path, &st) == -1 || st.st_size > LAYERS_MAX_FILE) {
		snprintf(err, errlen, "%s: missing or over %ld bytes", f->path,
		    LAYERS_MAX_FILE);
		goto out;
	}
	if ((root = json_load_file(path, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "%s:%d: %s", f->path, jerr.line,
		    jerr.text);
		goto out;
	}
	features = json_object_get(root, "features");
	if (!json_is_array(features) ||
	    json_array_size(features) > LAYERS_MAX_FEATURES) {
		snprintf(err, errlen,
		    "%s: features: not an array of at most "
		    "%d",
		    f->path, LAYERS_MAX_FEATURES);
		goto out;
	}
	json_array_foreach(features, i, feat)
	{
		props = json_object_get(feat, "properties");
		geom = json_object_get(feat, "geometry");
		gtype = json_string_value(json_object_get(geom, "type"));
		if (gtype == NULL)
			continue;
		if (f->filter_prop != NULL) {
			want = json_string_value(
			    json_object_get(props, f->filter_prop));
			if (want == NULL || strcmp(want, f->filter_value) != 0)
				continue;
		}
		if (f->kind == LAYERS_ZONES
			? (strcmp(gtype, "Polygon") != 0 &&
			      strcmp(gtype, "MultiPolygon") != 0)
			: (strcmp(gtype, "LineString") != 0 &&
			      strcmp(gtype, "MultiLineString") != 0))
			continue;
		v = json_pack("{s:s,s:O,s:{s:s,s:s,s:s}}", "type", "Feature",
		    "geometry", geom, "properties", "layer", f->layer, "kind",
		    kind, "name", feature_name(props, f->name_props));
		if (v == NULL || json_array_append_new(out, v) == -1) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

/* Adds the gazetteer's located settlements to out as Points: 0 or -1. */
static int
add_places(json_t *out, const struct gazetteer *g)
{
	const struct gazetteer_place *p;
	json_t *v, *names;
	size_t i, k, n = gazetteer_count(g);

	for (i = 0; i < n; i++) {
		p = gazetteer_place(g, i);
		if (p == NULL || p->kind != GAZETTEER_SETTLEMENT ||
		    p->approximate)
			continue;
		if ((names = json_array()) == NULL)
			return -1;
		for (k = 1; k < p->nnames; k++)
			json_array_append_new(names, json_string(p->names[k]));
		v = json_pack("{s:s,s:{s:s,s:[f,f]},s:{s:s,s:s,s:s,s:o,s:s,"
			      "s:I}}",
		    "type", "Feature", "geometry", "type", "Point",
		    "coordinates", p->lon, p->lat, "properties", "layer",
		    "places", "kind", "place", "name", p->name, "names", names,
		    "country", p->country, "population",
		    (json_int_t)p->population);
		if (v == NULL || json_array_append_new(out, v) == -1)
			return -1;
	}
	return 0;
}

enum MHD_Result
web_geo(struct request *r)
{
	struct center *c = r->srv->center;
	const struct layers_file *files;
	char datadir[PATH_MAX], err[512];
	json_t *features;
	size_t n = 0, i;
	int w;

	if ((features = json_array()) == NULL)
		return http_problem(r, 503, "out of memory");
	if (c->geo == NULL ||
	    layers_region_files(c->cfg.region, &files, &n) == -1)
		n = 0;
	if (c->cfg.geo_data[0] != '\0') {
		w = snprintf(datadir, sizeof(datadir), "%s", c->cfg.geo_data);
		if (w < 0 || (size_t)w >= sizeof(datadir))
			n = 0;
	} else if (layers_datadir(datadir, sizeof(datadir)) == -1)
		n = 0;
	for (i = 0; i < n; i++) {
		if (files[i].kind != LAYERS_ZONES &&
		    files[i].kind != LAYERS_LINES)
			continue;
		if (add_layer(features, datadir, &files[i], err, sizeof(err)) ==
		    -1) {
			log_warnx("geo: %s", err);
			json_decref(features);
			return http_problem(r, 503,
			    "the geography could not "
			    "be read: %s",
			    err);
		}
	}
	if (c->geo != NULL &&
	    add_places(features, layers_gazetteer(c->geo)) == -1) {
		json_decref(features);
		return http_problem(r, 503, "out of memory");
	}
	return http_json(r, 200,
	    json_pack("{s:s,s:s,s:o}", "type", "FeatureCollection", "region",
		c->cfg.region, "features", features));
}

enum MHD_Result
web_witnesses(struct request *r)
{
	const struct config *cfg = &r->srv->center->cfg;
	json_t *list;
	size_t i;

	if ((list = json_array()) == NULL)
		return http_problem(r, 503, "out of memory");
	for (i = 0; i < cfg->nwitnesses; i++)
		json_array_append_new(list,
		    json_string(cfg->witnesses[i].vkey));
	return http_json(r, 200,
	    json_pack("{s:s,s:s,s:s,s:I,s:o}", "origin", cfg->origin, "region",
		cfg->region, "log_key", r->srv->center->log_vkey, "quorum",
		(json_int_t)(cfg->witness_quorum > 0
			? cfg->witness_quorum
			: (json_int_t)cfg->nwitnesses),
		"witnesses", list));
}
