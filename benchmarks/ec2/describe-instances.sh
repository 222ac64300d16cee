#!/usr/bin/env bash
# DescribeInstances latency with N instances (default 1000) against Compute's own list
# (`GET /servers/detail`) on the same cloud: a real `cloudbox serve` on SQLite, servers made through
# Nova's API (their builds end in ERROR without a bootable kernel, which changes nothing for listing).
# Both requests are timed from send to the last byte; the EC2 one is SigV4-signed by botocore.
#   benchmarks/ec2/describe-instances.sh [N] [REQUESTS]
set -euo pipefail
N=${1:-1000}
REQUESTS=${2:-50}
. "$(dirname "$0")/../../tests/acceptance/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
. "$(dirname "$0")/../lib/servers.sh"
create_servers "$N"
creds=$(openstack ec2 credentials create -f json)
export AWS_ACCESS_KEY_ID=$(echo "$creds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
export AWS_SECRET_ACCESS_KEY=$(echo "$creds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
export TOKEN REQUESTS N
/usr/bin/python3 - <<'PY'
import os, time, http.client, urllib.parse
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ec2 = urllib.parse.urlparse(os.environ["CB_EC2_URL"])
api = urllib.parse.urlparse(os.environ["CB_URL"])
creds = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
requests = int(os.environ["REQUESTS"])

def timed(host, port, method, path, body, headers):
    connection = http.client.HTTPConnection(host, port)
    begin = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - begin) * 1000
    connection.close()
    assert response.status == 200, (response.status, data[:300])
    return elapsed, data

def describe():
    body = "Action=DescribeInstances&Version=2016-11-15"
    request = AWSRequest(method="POST", url=os.environ["CB_EC2_URL"] + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, "ec2", "RegionOne").add_auth(request)
    return timed(ec2.hostname, ec2.port, "POST", "/", body, dict(request.headers.items()))

def nova():
    return timed(api.hostname, api.port, "GET", "/compute/v2.1/servers/detail", None, {"X-Auth-Token": os.environ["TOKEN"]})

def summary(name, times):
    times = sorted(times)
    pick = lambda q: times[min(len(times) - 1, int(len(times) * q))]
    print(f"{name}: p50 {pick(0.5):.1f} ms, p90 {pick(0.9):.1f} ms, p99 {pick(0.99):.1f} ms ({requests} requests)")
    return pick(0.5)

ours_body, theirs_body = describe()[1], nova()[1]
print(f"DescribeInstances lists {ours_body.count(b'<instanceId>')} instances (Nova holds {os.environ['N']}); "
      f"bodies: EC2 {len(ours_body)} bytes, Nova {len(theirs_body)} bytes")
for _ in range(5):
    describe(); nova()
# Alternated, so both see the same load on a shared machine.
ours_times, theirs_times = [], []
for _ in range(requests):
    ours_times.append(describe()[0])
    theirs_times.append(nova()[0])
ours = summary("EC2 DescribeInstances        ", ours_times)
theirs = summary("Compute GET /servers/detail  ", theirs_times)
print(f"ratio of medians: {ours / theirs:.2f}x")
PY
