#!/usr/bin/env python3
# bench/ledger/rtree_query.py: the store's two R*Tree reads, timed on a
# store.db (Python's sqlite3 is the system's libsqlite3, as truce's):
#
#   obs   the listing's statement (store_sqlite.c, sqlite_query_observations):
#         a bbox of 0.1 x 0.1 degrees, a window of 1 or 7 days, a category
#   inc   the incidents listing's (sqlite_incidents): a bbox of 0.1 x 0.1
#         degrees over the live incidents, a window of 1 or 7 days
#
# N queries of each, placed at random (fixed seed) over the extent of the
# rows (the gen.awk center: 39-40N, 46-47E, 2025-01 to 2025-05), each
# prepared, run to its LIMIT and reset as the server does. Prints the CPU
# seconds of each set and a digest of the answers (equal digests: equal
# answers). Usage: rtree_query.py STORE.DB [N]
import hashlib
import random
import sqlite3
import sys
import time

OBS = ("SELECT o.idx, o.entry, o.id FROM observation_rtree r "
       "JOIN observation o ON o.idx = r.idx WHERE "
       "r.min_lon >= ? AND r.max_lon <= ? AND r.min_lat >= ? AND "
       "r.max_lat <= ? AND r.max_t >= ? AND r.min_t <= ? AND "
       "o.t_to >= ? AND o.t_from <= ? AND r.idx > ? AND "
       "r.min_cat >= ? AND r.max_cat <= ? AND o.category IN (?) "
       "ORDER BY o.idx LIMIT ?")
INC = ("SELECT i.rid, i.id FROM incident_rtree r JOIN incident i "
       "ON i.rid = r.rid WHERE r.min_lon <= ? AND r.max_lon >= ? "
       "AND r.min_lat <= ? AND r.max_lat >= ? AND i.lon_e7 "
       "BETWEEN ? AND ? AND i.lat_e7 BETWEEN ? AND ? AND "
       "i.live = 1 AND i.rid > ? AND i.g_to >= ? AND i.g_from <= ? "
       "ORDER BY i.rid LIMIT ?")


def main():
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    db.execute("PRAGMA cache_size=-65536")
    (lat0, lat1, lon0, lon1, t0, t1, cat) = db.execute(
        "SELECT min(lat_e7), max(lat_e7), min(lon_e7), max(lon_e7), "
        "min(t_from), max(t_to), min(category) FROM observation").fetchone()
    code = db.execute("SELECT min_cat FROM observation_rtree LIMIT 1")\
        .fetchone()[0]
    side = 1000000  # 0.1 degree in 1e-7
    for name in ("obs", "inc"):
        rnd = random.Random(7)
        h = hashlib.sha256()
        rows = 0
        for _ in range(20):  # warm the cache
            list(db.execute(OBS if name == "obs" else INC,
                            qargs(name, rnd, lat0, lat1, lon0, lon1, t0, t1,
                                  side, cat, code)))
        rnd = random.Random(11)
        args = [qargs(name, rnd, lat0, lat1, lon0, lon1, t0, t1, side, cat,
                      code) for _ in range(n)]
        c0 = time.process_time()
        for a in args:
            for r in db.execute(OBS if name == "obs" else INC, a):
                h.update(str(r[0]).encode())
                rows += 1
        cpu = time.process_time() - c0
        print("%s %d queries %.3f s CPU %.1f us/query %d rows %s" %
              (name, n, cpu, cpu / n * 1e6, rows, h.hexdigest()[:16]))


def qargs(name, rnd, lat0, lat1, lon0, lon1, t0, t1, side, cat, code):
    la = rnd.randint(lat0 - side // 2, lat1 - side // 2)
    lo = rnd.randint(lon0 - side // 2, lon1 - side // 2)
    win = 86400000 if rnd.random() < 0.5 else 7 * 86400000
    f = rnd.randint(t0, max(t0, t1 - win))
    t = f + win
    if name == "obs":
        return (lo, lo + side, la, la + side, f // 60000,
                (t + 59999) // 60000, f, t, 0, code, code, cat, 101)
    return (lo + side, lo, la + side, la, lo, lo + side, la, la + side, 0,
            f, t, 101)


main()
