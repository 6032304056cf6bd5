#!/usr/bin/env python3
"""The peer of truce's association: python3-sklearn's DBSCAN on the same
located observations (`truce fuse --points` CSV: line, lat, lon, t_s,
group), in a space of metres and seconds scaled by EPS_M and EPS_S, with
the category group as a coordinate far apart so groups never mix, one core
(n_jobs=1), min_samples=1 (every observation belongs to some cluster, as
every observation belongs to some incident).

Writes the clusters in `truce fuse`'s output shape (one JSON line per
cluster: id, kind, lat, lon, lines) for bench/fusion/score.py, and prints
`fit_cpu_s=... fit_wall_s=... clusters=... points=...`.

Usage: dbscan_peer.py POINTS.csv OUT.jsonl [EPS_M [EPS_S]]
"""
import csv
import json
import math
import sys
import time

import numpy as np
from sklearn.cluster import DBSCAN


def main():
    pts_path, out_path = sys.argv[1], sys.argv[2]
    eps_m = float(sys.argv[3]) if len(sys.argv) > 3 else 1000.0
    eps_s = float(sys.argv[4]) if len(sys.argv) > 4 else 300.0
    rows = []
    with open(pts_path) as f:
        for r in csv.DictReader(f):
            rows.append((int(r["line"]), float(r["lat"]), float(r["lon"]),
                         float(r["t_s"]), int(r["group"])))
    if not rows:
        print("fit_cpu_s=0 fit_wall_s=0 clusters=0 points=0")
        return
    lat0 = sum(r[1] for r in rows) / len(rows)
    lon0 = sum(r[2] for r in rows) / len(rows)
    t0 = min(r[3] for r in rows)
    kx = 111320.0 * math.cos(math.radians(lat0)) / eps_m
    ky = 110574.0 / eps_m
    x = np.array([[(r[2] - lon0) * kx, (r[1] - lat0) * ky,
                   (r[3] - t0) / eps_s, r[4] * 1e6] for r in rows])
    c0, w0 = time.process_time(), time.perf_counter()
    labels = DBSCAN(eps=1.0, min_samples=1, algorithm="kd_tree",
                    n_jobs=1).fit(x).labels_
    c1, w1 = time.process_time(), time.perf_counter()
    clusters = {}
    for r, k in zip(rows, labels):
        clusters.setdefault(int(k), []).append(r)
    with open(out_path, "w") as f:
        for k, members in sorted(clusters.items()):
            f.write(json.dumps({
                "id": "dbscan-%d" % k, "kind": "observed",
                "lat": sum(m[1] for m in members) / len(members),
                "lon": sum(m[2] for m in members) / len(members),
                "lines": [m[0] for m in members], "complaints": []}) + "\n")
    print("fit_cpu_s=%.3f fit_wall_s=%.3f clusters=%d points=%d"
          % (c1 - c0, w1 - w0, len(clusters), len(rows)))


if __name__ == "__main__":
    main()
