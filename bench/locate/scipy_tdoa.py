#!/usr/bin/python3
"""The peer of truce's TDOA solver in bench/locate/run.sh: the same LocaRDS
fixes (data/locards, Schaefer et al. 2021, CC BY-SA 4.0) solved with
python3-scipy's least_squares (MINPACK Levenberg-Marquardt), the way a team
would otherwise do it: the same TOA-with-unknown-emission-time model, an
analytic Jacobian, a start at the receivers' centroid (3-D: 5 km above it,
2-D: at the known height).

usage: scipy_tdoa.py DATA_DIR 2d|3d PASSES
prints key=value lines: fixes, seconds (CPU, solver calls only), fixes_per_s,
the horizontal error quartiles, and the share of truths inside the 95 %
ellipse of the covariance a scipy user would take from the same fit: the
fixed sigma (100 ns, sigma_r^2 (J^T J)^-1, curve_fit's absolute_sigma=True)
and the residual-scaled one (s^2 (J^T J)^-1, s^2 = sum r^2 / dof,
curve_fit's default).
"""
import csv
import json
import math
import sys
import time

import numpy as np
from scipy.optimize import least_squares

A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
C = 299792458.0
SIGMA_R = 100e-9 * C
CHI2_95_2D = 5.991464547107979


def ecef(lat, lon, h):
    sp, cp = math.sin(lat), math.cos(lat)
    n = A / math.sqrt(1 - E2 * sp * sp)
    return np.array([(n + h) * cp * math.cos(lon), (n + h) * cp * math.sin(lon),
                     (n * (1 - E2) + h) * sp])


def geodetic(x):
    p = math.hypot(x[0], x[1])
    lat = math.atan2(x[2], p * (1 - E2))
    for _ in range(6):
        sp = math.sin(lat)
        n = A / math.sqrt(1 - E2 * sp * sp)
        h = p / math.cos(lat) - n
        lat = math.atan2(x[2], p * (1 - E2 * n / (n + h)))
    sp = math.sin(lat)
    n = A / math.sqrt(1 - E2 * sp * sp)
    return lat, math.atan2(x[1], x[0]), p * math.cos(lat) + x[2] * sp - A * math.sqrt(1 - E2 * sp * sp)


def axes(lat, lon):
    sp, cp, sl, cl = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return (np.array([-sl, cl, 0.0]), np.array([-sp * cl, -sp * sl, cp]),
            np.array([cp * cl, cp * sl, sp]))


def load(d):
    sensors = {}
    with open(d + "/sensors.csv") as f:
        for row in csv.DictReader(f):
            sensors[int(row["serial"])] = (float(row["latitude"]), float(row["longitude"]),
                                           float(row["height"]))
    msgs = []
    for k in range(1, 9):
        with open("%s/set_%d.csv" % (d, k)) as f:
            for row in csv.DictReader(f):
                meas = json.loads(row["measurements"])
                msgs.append((float(row["latitude"]), float(row["longitude"]),
                             float(row["geoAltitude"]),
                             [(sensors[m[0]], int(m[1])) for m in meas]))
    return msgs


def prepare(msg):
    tlat, tlon, galt, meas = msg
    pos = np.array([ecef(math.radians(s[0]), math.radians(s[1]), s[2]) for s, _ in meas])
    tmin = min(t for _, t in meas)
    rho = np.array([(t - tmin) * 1e-9 * C for _, t in meas])  # exact ints first
    origin = pos.mean(axis=0)
    return pos - origin, rho, origin, (tlat, tlon, galt)


def solve3d(s, rho, origin):
    clat, clon, _ = geodetic(origin)
    up = axes(clat, clon)[2]
    x0 = up * 5000.0
    b0 = np.mean(rho - np.linalg.norm(x0 - s, axis=1))

    def fun(p):
        return rho - np.linalg.norm(p[:3] - s, axis=1) - p[3]

    def jac(p):
        d = p[:3] - s
        u = d / np.linalg.norm(d, axis=1)[:, None]
        return np.hstack([-u, -np.ones((len(s), 1))])

    r = least_squares(fun, np.append(x0, b0), jac=jac, method="lm")
    return geodetic(r.x[:3] + origin) + (r,)


def solve2d(s, rho, origin, h):
    clat, clon, _ = geodetic(origin)

    def point(p):
        return ecef(p[0], p[1], h) - origin

    def fun(p):
        return rho - np.linalg.norm(point(p) - s, axis=1) - p[2]

    def jac(p):
        d = point(p) - s
        u = d / np.linalg.norm(d, axis=1)[:, None]
        e, n, _ = axes(p[0], p[1])
        sp = math.sin(p[0])
        q = 1 - E2 * sp * sp
        rn = A / math.sqrt(q)
        rm = rn * (1 - E2) / q
        return np.column_stack([-(u @ n) * (rm + h), -(u @ e) * (rn + h) * math.cos(p[0]),
                                -np.ones(len(s))])

    x0 = np.array([clat, clon, 0.0])
    x0[2] = np.mean(rho - np.linalg.norm(point(x0) - s, axis=1))
    r = least_squares(fun, x0, jac=jac, method="lm")
    return r.x[0], r.x[1], h, r


def offset(lat, lon, tlat, tlon, h):
    e, n, _ = axes(lat, lon)
    d = ecef(math.radians(tlat), math.radians(tlon), h) - ecef(lat, lon, h)
    return np.array([d @ e, d @ n])


def horizontal(lat, lon, tlat, tlon, h):
    return float(np.linalg.norm(offset(lat, lon, tlat, tlon, h)))


def inside(mode, lat, lon, h, r, truth):
    """Whether the truth lies inside the fixed-sigma and the
    residual-scaled 95 % ellipses of the fit r."""
    jtj = r.jac.T @ r.jac
    try:
        inv = np.linalg.inv(jtj)
    except np.linalg.LinAlgError:
        return False, False
    e, n, _ = axes(lat, lon)
    if mode == "3d":
        rot = np.vstack([e, n])
        cov = rot @ inv[:3, :3] @ rot.T
    else:
        sp = math.sin(lat)
        q = 1 - E2 * sp * sp
        rn = A / math.sqrt(q)
        rm = rn * (1 - E2) / q
        # parameters (lat, lon) in radians to (east, north) metres
        m = np.array([[0.0, (rn + h) * math.cos(lat)], [rm + h, 0.0]])
        cov = m @ inv[:2, :2] @ m.T
    d = offset(lat, lon, truth[0], truth[1], h)
    try:
        m2 = float(d @ np.linalg.solve(cov, d))
    except np.linalg.LinAlgError:
        return False, False
    dof = len(r.fun) - len(r.x)
    s2 = float(r.fun @ r.fun) / dof if dof > 0 else float("nan")
    return (m2 / SIGMA_R ** 2 <= CHI2_95_2D,
            dof > 0 and s2 > 0 and m2 / s2 <= CHI2_95_2D)


def main():
    d, mode, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fixes = [prepare(m) for m in load(d)]
    errs = []
    kept = []
    t0 = time.process_time()
    for p in range(passes):
        for s, rho, origin, truth in fixes:
            if mode == "3d":
                lat, lon, h, r = solve3d(s, rho, origin)
            else:
                lat, lon, h, r = solve2d(s, rho, origin, truth[2])
            if p == 0:
                kept.append((lat, lon, h, r, truth))
    t = time.process_time() - t0
    fixed = scaled = 0
    for lat, lon, h, r, truth in kept:
        errs.append(horizontal(lat, lon, truth[0], truth[1], h))
        a, b = inside(mode, lat, lon, h, r, truth)
        fixed += a
        scaled += b
    n = len(fixes) * passes
    q = np.percentile(np.array(errs), [0, 25, 50, 75, 100])
    print("fixes=%d seconds=%.3f fixes_per_s=%.0f us_per_fix=%.1f" % (n, t, n / t, t / n * 1e6))
    print("quartiles=%.1f %.1f %.1f %.1f %.1f" % tuple(q))
    print("inside95_fixed=%.1f inside95_scaled=%.1f" %
          (100.0 * fixed / len(kept), 100.0 * scaled / len(kept)))


if __name__ == "__main__":
    main()
