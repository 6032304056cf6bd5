#!/usr/bin/env python3
"""Scores `truce fuse` incidents against `truce simulate --truth`.

Association (pairwise, over the observations that are not complaints and
that report a true event): a pair of observations of the same true event
placed in the same incident is a true positive, in different incidents a
false negative; a pair in the same incident but of different true events a
false positive. Precision = TP/(TP+FP), recall = TP/(TP+FN), F1 their
harmonic mean. Complaints are scored apart: they are linked to incidents,
not members of them.

Position: for each true event reported by at least one observation, the
incident holding most of its observations (ties: the first), and the
distance from that incident's position to the event's true position.

Usage: score.py OBS.jsonl TRUTH.jsonl INCIDENTS.jsonl [--json]
"""
import json
import math
import sys


def dist_m(lat1, lon1, lat2, lon2):
    # Local flat-earth on the WGS84 radii: under 0.1 % error at these
    # distances (metres to kilometres), enough for error statistics.
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = math.radians((lat1 + lat2) / 2)
    w = math.sqrt(1 - e2 * math.sin(phi) ** 2)
    m = a * (1 - e2) / w ** 3
    n = a / w
    dn = math.radians(lat2 - lat1) * m
    de = math.radians(lon2 - lon1) * n * math.cos(phi)
    return math.hypot(dn, de)


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    k = (len(v) - 1) * p
    lo = int(math.floor(k))
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def main():
    obs_path, truth_path, inc_path = sys.argv[1:4]
    as_json = "--json" in sys.argv
    complaint = set()
    with open(obs_path) as f:
        for i, line in enumerate(f):
            if json.loads(line)["source"]["type"] == "complaint":
                complaint.add(i)
    event_of = {}
    events = []
    complaint_events = {}
    with open(truth_path) as f:
        for line in f:
            ev = json.loads(line)
            events.append(ev)
            for o in ev["observations"]:
                if o in complaint:
                    complaint_events.setdefault(o, set()).add(ev["id"])
                else:
                    event_of[o] = ev["id"]
    incident_of = {}
    incidents = {}
    linked = {}
    with open(inc_path) as f:
        for line in f:
            inc = json.loads(line)
            incidents[inc["id"]] = inc
            for o in inc["lines"]:
                incident_of[o] = inc["id"]
            for c in inc.get("complaints", []):
                linked.setdefault(c, set()).add(inc["id"])

    # Pairwise counts through contingency counts n(event, incident).
    cont = {}
    for o, ev in event_of.items():
        inc = incident_of.get(o, "unplaced-%d" % o)
        cont[(ev, inc)] = cont.get((ev, inc), 0) + 1
    per_ev, per_inc = {}, {}
    for (ev, inc), n in cont.items():
        per_ev[ev] = per_ev.get(ev, 0) + n
        per_inc[inc] = per_inc.get(inc, 0) + n
    c2 = lambda n: n * (n - 1) // 2
    tp = sum(c2(n) for n in cont.values())
    same_ev = sum(c2(n) for n in per_ev.values())
    same_inc = sum(c2(n) for n in per_inc.values())
    fp, fn = same_inc - tp, same_ev - tp
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0

    # Position error per reported true event.
    errs = []
    for ev in events:
        members = [o for o in ev["observations"] if o not in complaint]
        if not members:
            continue
        votes = {}
        for o in members:
            inc = incident_of.get(o)
            if inc is not None:
                votes[inc] = votes.get(inc, 0) + 1
        if not votes:
            continue
        best = max(votes.items(), key=lambda kv: (kv[1], -members.index(
            next(o for o in members if incident_of.get(o) == kv[0]))))[0]
        inc = incidents[best]
        if "lat" in inc:
            errs.append(dist_m(ev["lat"], ev["lon"], inc["lat"], inc["lon"]))

    # Complaints: a real complaint is linked right when one of the
    # incidents it is linked to holds an observation of an event it is
    # about; a spurious one should stay unlinked.
    real = [c for c in complaint if c in complaint_events]
    spurious = [c for c in complaint if c not in complaint_events]
    right = 0
    for c in real:
        for inc in linked.get(c, ()):
            evs = {event_of[o] for o in incidents[inc]["lines"]
                   if o in event_of}
            if evs & complaint_events[c]:
                right += 1
                break
    spur_unlinked = sum(1 for c in spurious if not linked.get(c))

    res = {
        "observations": len(event_of) + len(complaint),
        "scored_observations": len(event_of),
        "true_events": len(events),
        "reported_events": len(per_ev),
        "incidents": sum(1 for i in incidents.values()
                         if "merged_into" not in i and i["kind"] == "observed"),
        "pairs_true": same_ev, "tp": tp, "fp": fp, "fn": fn,
        "precision": prec, "recall": rec, "f1": f1,
        "position_error_median_m": pct(errs, 0.5),
        "position_error_p90_m": pct(errs, 0.9),
        "complaints": len(complaint), "complaints_real": len(real),
        "complaints_linked_right": right,
        "complaints_spurious": len(spurious),
        "complaints_spurious_unlinked": spur_unlinked,
    }
    if as_json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print("%-30s %s" % (k, round(v, 4) if isinstance(v, float) else v))


if __name__ == "__main__":
    main()
