/*
 * Unit test of geo/gazetteer: folding keys, ranking, aliases and limits on
 * synthetic places; then the real gazetteers of data/geo (loaded by
 * geo/layers): every spelling of the Karabakh towns finds the same place,
 * duplicate names in Azerbaijan and Armenia are all reported, villages
 * listed under two districts are one place, and the grid search agrees with
 * a brute-force scan.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/gazetteer.h"
#include "geo/geodesy.h"
#include "geo/layers.h"
#include "tap.h"

static void
test_fold(void)
{
	static const struct {
		const char *name, *key;
	} k[] = {
		{ "Xankəndi", "xank@ndi" },
		{ "Khankendi", "xankendi" },
		{ "XANKƏNDİ", "xank@ndi" },
		{ "Ağdam", "agdam" },
		{ "Aghdam", "agdam" },
		{ "Tər-Tər", "t@rt@r" },
		{ "Şuşa", "susa" },
		{ "Shusha", "susa" },
		{ "Cəbrayıl", "c@brail" },
		{ "Jabrayil", "cabrail" },
		{ "Dzhebrail", "cebrail" },
		{ "Laçın", "lacin" },
		{ "Qubadlı", "gubadli" },
		{ "Gubadly", "gubadli" },
		{ "Zarrit’ap’", "zaritap" },
		{ "Zarrit'ap'", "zaritap" },
		{ "Zar (Gənjə)", "zar" },
		{ "L?nk?ran", "l?nk?ran" },
		{ "Горлівка", "%orlivka" },
		{ "Щастя", "scastia" },
		{ "Shchastia", "scastia" },
		{ "Ստեփանակերտ", "stepanakert" },
		{ "S\xcc\xa7u\xc5\x9f" "a", "susa" }, /* NFD: S + cedilla */
	};
	char key[GAZETTEER_KEY_MAX], big[GAZETTEER_MAX_NAME + 2];
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		ok(gazetteer_fold(k[i].name, key, sizeof(key)) == 0,
		    "fold %s", k[i].name);
		is_str(key, k[i].key, "  its key");
	}
	ok(gazetteer_key_match("xank@ndi", "xankandi") &&
		gazetteer_key_match("xankendi", "xank@ndi") &&
		!gazetteer_key_match("xank@ndi", "xankondi"),
	    "ə matches a or e, nothing else");
	ok(gazetteer_key_match("%orlivka", "horlivka") &&
		gazetteer_key_match("gorlivka", "%orlivka") &&
		!gazetteer_key_match("%orlivka", "korlivka"),
	    "Cyrillic г matches g or h");
	ok(gazetteer_key_match("l?nk?ran", "lankaran") &&
		!gazetteer_key_match("l?nk?ran", "lankara"),
	    "? matches one letter, lengths must agree");
	ok(gazetteer_fold("\xff\xfe", key, sizeof(key)) == -1,
	    "invalid UTF-8 refused");
	ok(gazetteer_fold("\xc0\xae", key, sizeof(key)) == -1,
	    "overlong UTF-8 refused");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(gazetteer_fold(big, key, sizeof(key)) == -1,
	    "a name above %d bytes refused", GAZETTEER_MAX_NAME);
	ok(gazetteer_fold("Xankəndi", key, 4) == -1, "a key that does not fit");
}

static const struct gazetteer_place *
add(struct gazetteer *g, const char *name, const char *cc, double lat,
    double lon, long long pop, int kind, int approx)
{
	struct gazetteer_place t;
	const struct gazetteer_place *p = NULL;
	char err[256];

	memset(&t, 0, sizeof(t));
	t.name = name;
	t.country = cc;
	t.admin1 = "01";
	t.source = "test";
	t.lat = lat;
	t.lon = lon;
	t.population = pop;
	t.kind = (enum gazetteer_kind)kind;
	t.approximate = approx;
	if (gazetteer_add(g, &t, &p, err, sizeof(err)) == -1)
		diag("add %s: %s", name, err);
	return p;
}

static void
test_synthetic(void)
{
	struct gazetteer *g = gazetteer_new();
	const struct gazetteer_place *big, *small, *dist, *approx, *p;
	struct gazetteer_match m[8];
	struct gazetteer_near nn[8];
	struct gazetteer_place t;
	struct geodesy_point at;
	size_t n, total, i;
	char err[256], big_name[GAZETTEER_MAX_NAME + 2];

	big = add(g, "Terter", "AZ", 40.342, 46.932, 18000, 0, 0);
	small = add(g, "Tərtər", "AZ", 40.1, 46.5, 500, 0, 0);
	dist = add(g, "Tərtər", "AZ", 40.25, 46.79, 0, 1, 0);
	approx = add(g, "Terter", "AM", 40.0, 45.0, 18000, 0, 1);
	ok(big && small && dist && approx, "four places added");
	is_int(gazetteer_count(g), 4, "count");
	ok(gazetteer_lookup(g, "Terter", m, 8, &n, &total, err,
	       sizeof(err)) == 0 && n == 4 && total == 4,
	    "Terter: four candidates");
	ok(m[0].place == big && m[0].how == GAZETTEER_EXACT,
	    "  1st: exact, surveyed");
	ok(m[1].place == approx, "  2nd: exact, approximate coordinates");
	ok(m[2].place == small && m[2].how == GAZETTEER_FOLDED,
	    "  3rd: folded");
	ok(m[3].place == dist, "  last: the district label point");
	ok(gazetteer_lookup(g, "Tərtər", m, 8, &n, NULL, err, sizeof(err)) ==
		    0 &&
		m[0].place == small && m[0].how == GAZETTEER_EXACT &&
		m[1].place == big,
	    "Tərtər: the exact spelling first, then the larger folded one");
	ok(gazetteer_lookup(g, "Terter", m, 1, &n, &total, err, sizeof(err)) ==
		    0 &&
		n == 1 && total == 4,
	    "max 1: one written, total 4");
	ok(gazetteer_lookup(g, "Nowhere", m, 8, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 0,
	    "no match is not an error");
	ok(gazetteer_lookup(g, "--", m, 8, &n, NULL, err, sizeof(err)) ==
		    -1 &&
		strstr(err, "letter") != NULL,
	    "a query without a letter is refused: %s", err);
	memset(big_name, 'x', sizeof(big_name) - 1);
	big_name[sizeof(big_name) - 1] = '\0';
	ok(gazetteer_lookup(g, big_name, m, 8, &n, NULL, err, sizeof(err)) ==
		    -1 &&
		strstr(err, "200") != NULL,
	    "a query above the limit is refused naming it: %s", err);
	/* Aliases. */
	ok(gazetteer_add_alias(g, "Mirbashir", "Terter", NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "places are named") != NULL,
	    "an ambiguous alias target is refused: %s", err);
	ok(gazetteer_add_alias(g, "Mirbashir", "Terter", "AZ", NULL, err,
	       sizeof(err)) == -1,
	    "  still two settlements in AZ (Terter, Tərtər)");
	ok(gazetteer_add_alias(g, "Mirbashir", "Terter", "AM", NULL, err,
	       sizeof(err)) == 0,
	    "  with the country it is unique");
	ok(gazetteer_add_alias(g, "Mirbashir", "Terter", "AM", NULL, err,
	       sizeof(err)) == 0,
	    "adding it twice is harmless");
	ok(gazetteer_lookup(g, "Mir-Bashir", m, 8, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 1 && m[0].place == approx &&
		m[0].how == GAZETTEER_ALIAS &&
		strcmp(m[0].matched, "Mirbashir") == 0,
	    "the alias finds its place (folded: Mir-Bashir)");
	ok(gazetteer_add_alias(g, "X", "Atlantis", NULL, NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "no place named Atlantis") != NULL,
	    "an alias of nothing is refused: %s", err);
	ok(gazetteer_add_alias(g, "", "Terter", "AM", NULL, err, sizeof(err)) ==
		-1,
	    "an empty alias is refused");
	/* Alternate names and limits. */
	ok(gazetteer_add_name(g, big, "TERTER", err, sizeof(err)) == 0 &&
		big->nnames == 1,
	    "an alternate name equal up to case is ignored");
	ok(gazetteer_add_name(g, big, "Tartar", err, sizeof(err)) == 0 &&
		big->nnames == 2 && strcmp(big->names[1], "Tartar") == 0,
	    "an alternate name is kept");
	for (i = 2; i < GAZETTEER_MAX_NAMES; i++) {
		char nm[32];

		snprintf(nm, sizeof(nm), "Alt %zu", i);
		gazetteer_add_name(g, big, nm, err, sizeof(err));
	}
	ok(gazetteer_add_name(g, big, "One too many", err, sizeof(err)) ==
		    -1 &&
		strstr(err, "64") != NULL,
	    "names per place limited: %s", err);
	memset(&t, 0, sizeof(t));
	t.name = "Nowhere";
	t.lat = 95;
	ok(gazetteer_add(g, &t, NULL, err, sizeof(err)) == -1 &&
		strstr(err, "out of range") != NULL,
	    "latitude 95 refused: %s", err);
	t.lat = 0;
	t.population = -1;
	ok(gazetteer_add(g, &t, NULL, err, sizeof(err)) == -1,
	    "negative population refused");
	t.population = 0;
	t.country = "ABCDEFGHIJKLMNOPQRSTU";
	ok(gazetteer_add(g, &t, NULL, err, sizeof(err)) == -1,
	    "an over-long country code refused");
	/* Near. */
	at.lat = 40.34;
	at.lon = 46.93;
	ok(gazetteer_nearby(g, &at, 50000, 0, nn, 8, &n, &total) == 0 &&
		n == 3 && nn[0].place == big && nn[1].place == dist &&
		nn[2].place == small,
	    "nearby: three within 50 km, nearest first");
	ok(gazetteer_nearby(g, &at, 50000, GAZETTEER_NEAR_SETTLEMENTS, nn, 8,
	       &n, NULL) == 0 &&
		n == 2,
	    "  settlements only: two");
	ok(gazetteer_nearest(g, &at, 0, &nn[0]) == 0 && nn[0].place == big &&
		nn[0].distance_m < 300,
	    "nearest");
	at.lat = 40.0;
	at.lon = 45.001;
	ok(gazetteer_nearest(g, &at, GAZETTEER_NEAR_LOCATED, &nn[0]) == 0 &&
		nn[0].place != approx,
	    "nearest located skips the approximate place");
	p = gazetteer_find_near(g, "Mir Bashir", "AM", &at, 1000);
	ok(p == approx, "find_near matches through aliases too");
	ok(gazetteer_find_near(g, "Terter", "AZ", &at, 1000) == NULL,
	    "find_near: none of that name in reach");
	at.lat = NAN;
	ok(gazetteer_nearby(g, &at, 1000, 0, nn, 8, &n, NULL) == -1,
	    "invalid point: -1");
	gazetteer_free(g);
	gazetteer_free(NULL);
}

/* Grid search against brute force, around the world and across ±180. */
static void
test_grid(void)
{
	struct gazetteer *g = gazetteer_new();
	struct gazetteer_near *nn = malloc(4000 * sizeof(*nn));
	struct geodesy_point q[] = { { 40, 46.9 }, { 0.1, 179.99 },
		{ -45, -179.9 }, { 88.9, 10 }, { 0, 0 } };
	double radii[] = { 1000, 30000, 300000, 3000000 };
	size_t i, j, k, n, brute, bad = 0;
	char nm[32];
	unsigned int seed = 12345;

	for (i = 0; i < 3000; i++) {
		double lat, lon;

		seed = seed * 1103515245u + 12345u;
		lat = -89.9 + 179.8 * (double)(seed >> 8) / (1u << 24);
		seed = seed * 1103515245u + 12345u;
		lon = -180 + 360 * (double)(seed >> 8) / (1u << 24);
		if (i % 3 == 0) { /* a cluster near each query point */
			lat = q[i % 5].lat + (double)(i % 17) * 0.01;
			lon = q[i % 5].lon + (double)(i % 13) * 0.01;
			if (lon >= 180)
				lon -= 360;
			if (lat > 90)
				lat = 90;
		}
		snprintf(nm, sizeof(nm), "P%zu", i);
		add(g, nm, "XX", lat, lon, 0, 0, 0);
	}
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		for (j = 0; j < sizeof(radii) / sizeof(radii[0]); j++) {
			gazetteer_nearby(g, &q[i], radii[j], 0, nn, 4000, &n,
			    NULL);
			brute = 0;
			for (k = 0; k < gazetteer_count(g); k++) {
				const struct gazetteer_place *p =
				    gazetteer_place(g, k);
				struct geodesy_point pp = { p->lat, p->lon };

				if (geodesy_distance(&pp, &q[i]) <= radii[j])
					brute++;
			}
			if (n != brute) {
				diag("(%g, %g) r %g: grid %zu, brute %zu",
				    q[i].lat, q[i].lon, radii[j], n, brute);
				bad++;
			}
			for (k = 1; k < n; k++)
				if (nn[k].distance_m < nn[k - 1].distance_m)
					bad++;
		}
	is_int(bad, 0, "grid search = brute force for 20 queries (near ±180, "
	    "a pole), sorted");
	free(nn);
	gazetteer_free(g);
}

static const char *
top_name(struct gazetteer *g, const char *q, enum gazetteer_how *how,
    int64_t *id)
{
	struct gazetteer_match m[16];
	size_t n;
	char err[256];

	if (gazetteer_lookup(g, q, m, 16, &n, NULL, err, sizeof(err)) == -1 ||
	    n == 0)
		return NULL;
	if (how != NULL)
		*how = m[0].how;
	if (id != NULL)
		*id = m[0].place->id;
	return m[0].place->name;
}

/* Every spelling in names[] must find the place with GeoNames id `id`. */
static void
same_place(struct gazetteer *g, int64_t id, const char *const *names)
{
	int64_t got;
	const char *nm;

	for (; *names != NULL; names++) {
		got = -1;
		nm = top_name(g, *names, NULL, &got);
		ok(got == id, "%s -> %s (%lld)", *names, nm ? nm : "(none)",
		    (long long)got);
	}
}

static void
test_karabakh(struct gazetteer *g)
{
	static const char *const xankendi[] = { "Xankəndi", "Khankendi",
		"Xankandi", "Stepanakert", "Step'anakert", "XANKƏNDİ",
		"Ханкенди", "Степанакерт", "Ստեփանակերտ", NULL };
	static const char *const agdam[] = { "Ağdam", "Aghdam", "Agdam",
		"Akna", "Агдам", NULL };
	static const char *const terter[] = { "Terter", "Tərtər", "Tər-Tər",
		"Tartar", "Mir Bashir", NULL };
	static const char *const shusha[] = { "Şuşa", "Shusha", "Shushi",
		"Susa", "Шуша", NULL };
	static const char *const fuzuli[] = { "Füzuli", "Fuzuli", "Fizuli",
		"Varanda", NULL };
	static const char *const jabrayil[] = { "Cəbrayıl", "Jabrayil",
		"Jebrail", "Dzhebrail", "Jrakan", NULL };
	static const char *const lachin[] = { "Laçın", "Lachin", "Lacin",
		"Berdzor", NULL };
	static const char *const kalbajar[] = { "Kəlbəcər", "Kalbajar",
		"Kelbajar", "Karvachar", NULL };
	static const char *const gubadly[] = { "Qubadlı", "Gubadly",
		"Qubadli", "Kubatly", "Kashunik", NULL };
	static const char *const zangilan[] = { "Zəngilan", "Zangilan",
		"Kovsakan", NULL };
	static const char *const hadrut[] = { "Hadrut", "Гадрут", NULL };
	static const char *const khojavend[] = { "Xocavənd", "Khojavend",
		"Khodzhavend", "Novyy Karanlug", NULL };
	static const char *const martakert[] = { "Martakert", "Ağdərə",
		"Aghdara", "Mardakert", "Aghdere", NULL };
	static const char *const khojaly[] = { "Xocalı", "Khojaly",
		"Xocali", "Khodzhaly", NULL };
	static const char *const askeran[] = { "Askeran", "Əsgəran",
		"Asgaran", "Askyaran", NULL };
	static const char *const zarritap[] = { "Zarrit’ap’", "Zarrit'ap'",
		"Zarritap", NULL };
	struct gazetteer_match m[16];
	size_t n, i, am = 0, az = 0;
	enum gazetteer_how how;
	char err[256];

	same_place(g, 146970, xankendi);
	same_place(g, 148619, agdam);
	same_place(g, 584871, terter);
	same_place(g, 147105, shusha);
	same_place(g, 148106, fuzuli);
	same_place(g, 148141, jabrayil);
	same_place(g, 147625, lachin);
	same_place(g, 586268, kalbajar);
	same_place(g, 147305, gubadly);
	same_place(g, 146901, zangilan);
	same_place(g, 148105, hadrut);
	same_place(g, 146969, khojavend);
	same_place(g, 587379, martakert);
	same_place(g, 147774, khojaly);
	same_place(g, 148450, askeran);
	same_place(g, 174703, zarritap);

	/* Martuni: a town in Armenia, and the Armenian name of Xocavənd. */
	ok(gazetteer_lookup(g, "Martuni", m, 16, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 2,
	    "Martuni: two places");
	ok(strcmp(m[0].place->country, "AM") == 0 &&
		m[0].how == GAZETTEER_EXACT && m[1].place->id == 146969 &&
		m[1].how == GAZETTEER_ALIAS,
	    "  the Armenian town (exact) before Xocavənd (alias)");
	/* Duplicate names across the two countries are all reported. */
	ok(gazetteer_lookup(g, "Avshar", m, 16, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 2 && strcmp(m[0].place->country, "AM") == 0 &&
		strcmp(m[1].place->country, "AZ") == 0,
	    "Avshar: Avshar (AM, exact) and Avşar (AZ, folded)");
	ok(gazetteer_lookup(g, "Avşar", m, 16, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 2 && strcmp(m[0].place->country, "AZ") == 0,
	    "Avşar: the Azerbaijani one first");
	ok(gazetteer_lookup(g, "Nizami", m, 16, &n, NULL, err, sizeof(err)) ==
		0,
	    "Nizami");
	for (i = 0; i < n; i++) {
		am += strcmp(m[i].place->country, "AM") == 0;
		az += strcmp(m[i].place->country, "AZ") == 0;
	}
	ok(am == 1 && az == 1, "  one in Armenia, one in Azerbaijan");
	/* The same village name in four Azerbaijani districts. */
	ok(gazetteer_lookup(g, "Qaradağlı", m, 16, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 4,
	    "Qaradağlı: four villages (Ağdam, Goranboy, Tərtər, Ucar)");
	/* A village on a district border, listed under both: one place. */
	ok(gazetteer_lookup(g, "Otuzikilər", m, 16, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 1,
	    "Otuzikilər (listed under Bərdə and İmişli): one place");
	ok(gazetteer_lookup(g, "Qaravəlli", m, 16, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 1,
	    "Qaravəlli (Ağcabədi and Zərdab): one place");
	/* Two villages named Xocavənd: the district seat ranks first. */
	ok(gazetteer_lookup(g, "Xocavənd", m, 16, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 3 && m[0].place->id == 146969 &&
		strcmp(m[1].place->admin1, "02") == 0 &&
		m[2].place->kind == GAZETTEER_DISTRICT,
	    "Xocavənd: the town (seat of district 65), the village in "
	    "Ağcabədi, the district label");
	/* Post offices are not places. */
	ok(gazetteer_lookup(g, "1 Sayli", m, 16, &n, NULL, err, sizeof(err)) ==
		    0 &&
		n == 0,
	    "'1 Sayli' (post office no. 1) is not a place");
	/* A garbled label point is matched, after the real town. */
	ok(top_name(g, "Lankaran", &how, NULL) != NULL &&
		gazetteer_lookup(g, "Lankaran", m, 16, &n, NULL, err,
		    sizeof(err)) == 0 &&
		m[0].place->kind == GAZETTEER_SETTLEMENT &&
		strcmp(m[n - 1].place->name, "L?nk?ran") == 0,
	    "the garbled label 'L?nk?ran' matches Lankaran, ranked last");
	/* The center's own alias. */
	ok(gazetteer_add_alias(g, "OP Sunrise", "Qaradağlı", "AZ", NULL, err,
	       sizeof(err)) == -1 &&
		strstr(err, "4 places") != NULL,
	    "an alias of an ambiguous village is refused: %s", err);
	ok(gazetteer_add_alias(g, "OP Sunrise", "Qaradağlı", "AZ", "03", err,
	       sizeof(err)) == 0,
	    "  with the admin-1 code (Ağdam district) it is accepted");
	ok(gazetteer_lookup(g, "op sunrise", m, 16, &n, NULL, err,
	       sizeof(err)) == 0 &&
		n == 1 && strcmp(m[0].place->admin1, "03") == 0 &&
		m[0].how == GAZETTEER_ALIAS,
	    "  and finds the village");
}

static void
test_donbas(struct gazetteer *g)
{
	static const char *const horlivka[] = { "Horlivka", "Горлівка",
		"Gorlovka", "Горловка", NULL };
	static const char *const luhansk[] = { "Luhansk", "Луганськ",
		"Lugansk", "Луганск", NULL };
	static const char *const donetsk[] = { "Donetsk", "Донецьк",
		"Донецк", NULL };
	static const char *const shchastia[] = { "Shchastia", "Щастя",
		"Shchastya", NULL };

	same_place(g, 707753, horlivka);
	same_place(g, 702658, luhansk);
	same_place(g, 709717, donetsk);
	same_place(g, 694725, shchastia);
}

int
main(void)
{
	char data[1024], err[512];
	const char *top = getenv("TRUCE_TOP");
	struct layers *l;

	test_fold();
	test_synthetic();
	test_grid();
	snprintf(data, sizeof(data), "%s/data", top ? top : ".");
	l = layers_load_region(data, "karabakh", err, sizeof(err));
	ok(l != NULL, "karabakh gazetteer loads%s%s", l ? "" : ": ",
	    l ? "" : err);
	if (l != NULL) {
		diag("karabakh: %zu places", gazetteer_count(
		    layers_gazetteer(l)));
		test_karabakh(layers_gazetteer(l));
	}
	layers_free(l);
	l = layers_load_region(data, "donbas", err, sizeof(err));
	ok(l != NULL, "donbas gazetteer loads%s%s", l ? "" : ": ",
	    l ? "" : err);
	if (l != NULL)
		test_donbas(layers_gazetteer(l));
	layers_free(l);
	return done_testing();
}
