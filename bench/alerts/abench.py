#!/usr/bin/env python3
# bench/alerts/abench.py: the measuring side of bench/alerts/run.sh (the
# benchmark of issue 13, docs/alerts.md). Standard library only; every
# time is CLOCK_REALTIME in ns (time.time_ns), comparable across the
# processes of one machine.
#
#   abench.py recv DIR N         N webhook receivers on 127.0.0.1: ports to
#                                DIR/ports, on SIGTERM one line per delivery
#                                "t_ns index port" to DIR/recv.txt
#   abench.py sse URL TOKEN HELD MEASURED DIR
#                                HELD streams with a narrow filter (held,
#                                drained) and MEASURED streams of every
#                                event; "opened N failed M" to DIR/sse.open,
#                                on SIGTERM "t_ns id" per event id seen by
#                                a measuring stream to DIR/sse.txt
#   abench.py ingest URL TOKEN RATE SECONDS BATCH CONNS DIR
#                                RATE observations/s in batches of BATCH
#                                over CONNS keep-alive connections, paced;
#                                "t_ns index" per acknowledged observation
#                                to DIR/ack.txt
#   abench.py rules URL TOKEN DIR
#                                the 100 rules, 10 per receiver (DIR/ports)
#   abench.py caughtup URL TOKEN returns once the event follower has
#                                reached the log's end
#   abench.py report ACK RECV SSE
#                                joins the files (ack.txt, recv.txt,
#                                sse.txt): latency percentiles
import asyncio
import json
import os
import random
import re
import signal
import sys
import time

CATS = ["explosion", "projectile_in_flight", "muzzle_flash",
        "illumination_flare", "burst_or_shot", "small_arms_fire",
        "drone_strike", "airspace_violation", "movement_in_restricted_zone",
        "fortification_work", "mine_or_uxo", "other"]
ID_LINE = re.compile(rb"^id: (\d+)$", re.M)
# Observations fall in [LON0, LON0 + 2) x [LAT0, LAT0 + 2) degrees.
LON0, LAT0 = 46.0, 39.0


async def read_head(reader):
    """The request or response head, as (first line, headers dict)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return lines[0], hdrs


async def read_body(reader, hdrs):
    if "content-length" in hdrs:
        return await reader.readexactly(int(hdrs["content-length"]))
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        out = b""
        while True:
            n = int((await reader.readline()).strip().split(b";")[0], 16)
            if n == 0:
                await reader.readline()
                return out
            out += await reader.readexactly(n)
            await reader.readline()
    return b""


def stop_on_term(loop, fut):
    # Connections still open at the end are cancelled: no tracebacks.
    loop.set_exception_handler(lambda l, c: None)
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, lambda: fut.done() or fut.set_result(1))


# ---- webhook receivers ---------------------------------------------------

async def recv_main(d, n):
    got = []

    def handler():
        async def h(reader, writer):
            port = writer.get_extra_info("sockname")[1]
            try:
                while True:
                    _, hdrs = await read_head(reader)
                    body = await read_body(reader, hdrs)
                    t = time.time_ns()
                    try:
                        idx = json.loads(body)["index"]
                    except Exception:
                        idx = -1
                    got.append((t, idx, port))
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            writer.close()
        return h

    ports = []
    servers = []
    for _ in range(n):
        srv = await asyncio.start_server(handler(), "127.0.0.1", 0,
                                         backlog=256)
        port = srv.sockets[0].getsockname()[1]
        servers.append(srv)
        ports.append(port)
    with open(os.path.join(d, "ports.tmp"), "w") as f:
        f.write("\n".join(map(str, ports)) + "\n")
    os.rename(os.path.join(d, "ports.tmp"), os.path.join(d, "ports"))
    fut = asyncio.get_running_loop().create_future()
    stop_on_term(asyncio.get_running_loop(), fut)
    await fut
    with open(os.path.join(d, "recv.txt"), "w") as f:
        for t, i, p in got:
            f.write(f"{t} {i} {p}\n")


# ---- event streams -------------------------------------------------------

async def sse_main(url, token, held, measured, d):
    host, port = url.split("//")[1].split(":")
    port = int(port)
    seen = []
    state = {"ok": 0, "failed": 0}
    conns = []

    async def stream(query, measure, k):
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            state["failed"] += 1
            return
        conns.append(writer)
        # HTTP/1.0: the stream comes unchunked, so lines stay whole.
        writer.write((f"GET /v1/events{query} HTTP/1.0\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {token}\r\n"
                      "Accept: text/event-stream\r\n\r\n").encode())
        try:
            first, hdrs = await read_head(reader)
            if " 200 " not in first:
                state["failed"] += 1
                return
            state["ok"] += 1
            if not measure:
                while await reader.read(65536):
                    pass
                return
            buf = b""
            while True:
                data = await reader.read(262144)
                if not data:
                    return
                t = time.time_ns()
                buf += data
                cut = buf.rfind(b"\n") + 1
                for m in ID_LINE.finditer(buf, 0, cut):
                    seen.append((t, int(m.group(1)), k))
                buf = buf[cut:]
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return

    tasks = []
    for k in range(measured):
        tasks.append(asyncio.create_task(stream("", True, k)))
    for k in range(held):
        # A cell of 0.02 x 0.02 degrees: about 1 in 10,000 observations.
        lon = LON0 + (k % 100) * 0.02
        lat = LAT0 + (k // 100 % 100) * 0.02
        q = f"?bbox={lon:.2f},{lat:.2f},{lon + 0.02:.2f},{lat + 0.02:.2f}"
        tasks.append(asyncio.create_task(stream(q, False, measured + k)))
        if k % 50 == 49:
            await asyncio.sleep(0.05)
    for _ in range(600):
        if state["ok"] + state["failed"] >= held + measured:
            break
        await asyncio.sleep(0.1)
    with open(os.path.join(d, "sse.open"), "w") as f:
        f.write(f"opened {state['ok']} failed {state['failed']}\n")
    fut = asyncio.get_running_loop().create_future()
    stop_on_term(asyncio.get_running_loop(), fut)
    await fut
    with open(os.path.join(d, "sse.txt"), "w") as f:
        for t, i, k in seen:
            f.write(f"{t} {i} {k}\n")
    for w in conns:
        w.close()


# ---- ingest ----------------------------------------------------------------

def observation(rng, now_s):
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_s - 60))
    return {"observed_at": at,
            "source": {"type": "patrol", "member": "RU",
                       "unit": f"P-{rng.randrange(1 << 30)}"},
            "category": CATS[rng.randrange(len(CATS))],
            "location": {"lat": round(LAT0 + rng.random() * 2, 6),
                         "lon": round(LON0 + rng.random() * 2, 6),
                         "precision_m": 100}}


async def ingest_main(url, token, rate, seconds, batch, nconns, d):
    host, port = url.split("//")[1].split(":")
    port = int(port)
    rng = random.Random(13)
    acks = []
    errors = [0, 0]
    q = asyncio.Queue()

    async def conn():
        reader = writer = None
        while True:
            body = await q.get()
            if body is None:
                break
            for attempt in range(3):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(
                            host, port)
                    writer.write((
                        f"POST /v1/observations HTTP/1.1\r\nHost: {host}\r\n"
                        f"Authorization: Bearer {token}\r\n"
                        "Content-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                        + body)
                    first, hdrs = await read_head(reader)
                    resp = await read_body(reader, hdrs)
                except (asyncio.IncompleteReadError, ConnectionError):
                    # The server closed the connection: again on a new
                    # one (a batch already stored answers 200).
                    errors[1] += 1
                    writer = None
                    continue
                t = time.time_ns()
                if hdrs.get("connection", "").lower() == "close":
                    writer.close()
                    writer = None
                if " 201 " not in first and " 200 " not in first:
                    errors[0] += 1
                    print(f"ingest: {first}: {resp[:200]!r}",
                          file=sys.stderr)
                    break
                for r in json.loads(resp)["results"]:
                    acks.append((t, r["index"]))
                break
        if writer is not None:
            writer.close()

    workers = [asyncio.create_task(conn()) for _ in range(nconns)]
    n = int(rate * seconds / batch)
    period = batch / rate
    t0 = time.monotonic()
    late = 0
    for k in range(n):
        due = t0 + k * period
        dt = due - time.monotonic()
        if dt > 0:
            await asyncio.sleep(dt)
        if q.qsize() > nconns:
            late += 1
        obs = [observation(rng, time.time()) for _ in range(batch)]
        await q.put(json.dumps(obs).encode())
    for _ in workers:
        await q.put(None)
    await asyncio.gather(*workers)
    elapsed = time.monotonic() - t0
    with open(os.path.join(d, "ack.txt"), "w") as f:
        for t, i in acks:
            f.write(f"{t} {i}\n")
    with open(os.path.join(d, "ingest.txt"), "w") as f:
        f.write(f"obs={len(acks)} seconds={elapsed:.2f} "
                f"rate={len(acks) / elapsed:.0f} errors={errors[0]} "
                f"reconnects={errors[1]} "
                f"backlogged_batches={late}\n")


# ---- rules ---------------------------------------------------------------

def rules_main(url, token, d):
    import urllib.request
    ports = open(os.path.join(d, "ports")).read().split()
    made = 0
    for i in range(100):
        # 10 categories x 10 strips of 0.2 degrees of longitude: disjoint
        # cells that cover 10/12 of the observations; 10 rules per target.
        lon = LON0 + (i // 10) * 0.2
        rule = {"name": f"bench {i}",
                "when": {"categories": [CATS[i % 10]],
                         "bbox": [lon, LAT0, lon + 0.2, LAT0 + 2]},
                "webhook": {"url": f"http://127.0.0.1:{ports[i % 10]}/h{i}",
                            "secret": "bench-secret-0123456789"}}
        req = urllib.request.Request(
            url + "/v1/alerts/rules", data=json.dumps(rule).encode(),
            headers={"Authorization": "Bearer " + token,
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            made += r.status == 201
    print(f"rules={made}")


# ---- caught up -------------------------------------------------------------

async def caughtup_main(url, token):
    """Returns once the event follower has reached the log's end."""
    import urllib.request
    with urllib.request.urlopen(url + "/v1/health") as r:
        size = json.loads(r.read())["log_size"]
    host, port = url.split("//")[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write((f"GET /v1/events?after={size - 2} HTTP/1.0\r\n"
                  f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
                  ).encode())
    t0 = time.monotonic()
    while True:
        line = await asyncio.wait_for(reader.readline(), 300)
        if not line or line.startswith(b"id: "):
            break
    writer.close()
    print(f"caught_up_s={time.monotonic() - t0:.1f} log_size={size}")


# ---- report ----------------------------------------------------------------

def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]


def report_main(ack_path, recv_path, sse_path):
    ack = {}
    for l in open(ack_path):
        t, i = l.split()
        ack[int(i)] = int(t)
    out = []

    def lat(name, path, col_t=0, col_i=1):
        v = []
        first = {}
        for l in open(path):
            f = l.split()
            t, i = int(f[col_t]), int(f[col_i])
            if i in ack:
                # One latency per index and receiver (or stream): its
                # first arrival (a retried delivery counts once).
                key = (i, f[2])
                if key not in first:
                    first[key] = t
        v = [(t - ack[k[0]]) / 1e6 for k, t in first.items()]
        out.append(f"what={name} n={len(v)} p50_ms={pct(v, 50):.1f} "
                   f"p90_ms={pct(v, 90):.1f} p99_ms={pct(v, 99):.1f} "
                   f"max_ms={max(v) if v else float('nan'):.1f}")
        # The p50 of each 5 s of acknowledged writes: a backlog that
        # drains shows as falling figures, stalls as peaks.
        t0 = min(ack.values())
        slots = {}
        for k, t in first.items():
            slots.setdefault((ack[k[0]] - t0) // 5000000000, []).append(
                (t - ack[k[0]]) / 1e6)
        out.append(f"what={name}-p50-per-5s ms=" + ",".join(
            f"{pct(slots[i], 50):.0f}" for i in sorted(slots)))

    lat("webhook", recv_path)
    lat("sse", sse_path)
    print("\n".join(out))


def main():
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "recv":
        asyncio.run(recv_main(a[0], int(a[1])))
    elif cmd == "sse":
        asyncio.run(sse_main(a[0], a[1], int(a[2]), int(a[3]), a[4]))
    elif cmd == "ingest":
        asyncio.run(ingest_main(a[0], a[1], float(a[2]), float(a[3]),
                                int(a[4]), int(a[5]), a[6]))
    elif cmd == "rules":
        rules_main(a[0], a[1], a[2])
    elif cmd == "caughtup":
        asyncio.run(caughtup_main(a[0], a[1]))
    elif cmd == "report":
        report_main(a[0], a[1], a[2])
    else:
        sys.exit("abench.py recv|sse|ingest|rules|report ...")


if __name__ == "__main__":
    main()
