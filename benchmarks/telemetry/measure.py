"""Drives one serve's Gnocchi API: batch ingestion rate, aggregation rate, read latencies, bytes per measure."""
import http.client, json, os, sys, time, uuid, urllib.parse

url, token, data_dir, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
metrics, per_metric = int(sys.argv[5]), int(sys.argv[6])
host = urllib.parse.urlparse(url)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=600)

def call(method, path, body=None, raw=None):
    global conn
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
    try:
        conn.request(method, "/metric/v1" + path, body=data, headers=headers)
        response = conn.getresponse()
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        # serve closed an idle keep-alive connection while the next body was being built
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=600)
        conn.request(method, "/metric/v1" + path, body=data, headers=headers)
        response = conn.getresponse()
    text = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {text[:300]!r}")
    return json.loads(text) if text else None

def cpu_seconds():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def percentile(samples, p):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]

# --- batch ingestion -------------------------------------------------------------------
ids = [call("POST", "/metric", {"archive_policy_name": "high", "name": f"bench-{i}"})["id"] for i in range(metrics)]
start_ns = 1_700_000_000 * 10**9
chunk = max(1, 100_000 // metrics)  # measures per metric per request: 100,000 a request
bodies = []
for offset in range(0, per_metric, chunk):
    n = min(chunk, per_metric - offset)
    batch = {m: [{"timestamp": (start_ns + (offset + k) * 10**9) / 1e9, "value": float((offset + k) % 97)} for k in range(n)] for m in ids}
    bodies.append((json.dumps(batch).encode(), n * metrics))
total = sum(n for _, n in bodies)
cpu0, t0 = cpu_seconds(), time.perf_counter()
for body, _ in bodies:
    call("POST", "/batch/metrics/measures", raw=body)
acked = time.perf_counter() - t0
while True:
    status = call("GET", "/status")
    if status["storage"]["summary"]["measures"] == 0:
        break
    time.sleep(0.05)
processed = time.perf_counter() - t0
cpu = cpu_seconds() - cpu0
print(f"ingest: {total:,} measures over {metrics} metrics in {len(bodies)} requests of {total // len(bodies):,}")
print(f"  acknowledged (queued durably): {total / acked:,.0f} measures/s ({acked:.2f} s)")
print(f"  aggregated (backlog empty):    {total / processed:,.0f} measures/s ({processed:.2f} s, serve used {cpu:.1f} CPU s)")

# --- bytes per measure -----------------------------------------------------------------
db = os.path.join(data_dir, "cloudbox.db")
if os.path.exists(db):
    import sqlite3
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    stored = c.execute("SELECT COALESCE(SUM(length(data)),0) FROM telemetry_splits").fetchone()[0]
    tails = c.execute("SELECT COALESCE(SUM(length(data)),0) FROM telemetry_unaggregated").fetchone()[0]
    print(f"  stored: {stored:,} B of aggregates (3 granularities x 8 methods) + {tails:,} B of unaggregated tails = {(stored + tails) / total:.2f} B per measure ingested")

# --- a day of 10 s measures, one metric --------------------------------------------------
call("POST", "/archive_policy", {"name": "bench-10s", "back_window": 0, "aggregation_methods": ["mean", "max"],
                                  "definition": [{"granularity": "10s", "timespan": "1 day"}]})
day = call("POST", "/metric", {"archive_policy_name": "bench-10s", "name": "day"})["id"]
call("POST", f"/metric/{day}/measures", [{"timestamp": (start_ns + k * 10 * 10**9) / 1e9, "value": float(k % 50)} for k in range(8640)])
points = call("GET", f"/metric/{day}/measures?refresh=true")
assert len(points) == 8640, len(points)
samples = []
for _ in range(200):
    t = time.perf_counter()
    call("GET", f"/metric/{day}/measures?granularity=10")
    samples.append((time.perf_counter() - t) * 1000)
print(f"read a day of 10 s measures (8,640 points): p50 {percentile(samples, 50):.1f} ms, p99 {percentile(samples, 99):.1f} ms (200 reads)")

# --- an aggregate over 1,000 resources ---------------------------------------------------
resources = 1000
batch = {}
for i in range(resources):
    rid = str(uuid.uuid4())
    call("POST", "/resource/generic", {"id": rid, "project_id": "bench", "metrics": {"load": {"archive_policy_name": "low"}}})
    batch[rid] = {"load": [{"timestamp": (start_ns + k * 60 * 10**9) / 1e9, "value": float(i % 10)} for k in range(60)]}
call("POST", "/batch/resources/metrics/measures", batch)
call("GET", "/status")
while call("GET", "/status")["storage"]["summary"]["measures"] > 0:
    time.sleep(0.05)
query = {"operations": "(aggregate mean (metric load mean))", "resource_type": "generic", "search": "project_id = 'bench'"}
result = call("POST", "/aggregates?granularity=300", query)
samples = []
for _ in range(50):
    t = time.perf_counter()
    call("POST", "/aggregates?granularity=300", query)
    samples.append((time.perf_counter() - t) * 1000)
print(f"aggregate mean over {resources} resources (search + 1,000 series): p50 {percentile(samples, 50):.1f} ms, p99 {percentile(samples, 99):.1f} ms (50 requests)")
