#!/usr/bin/env bash
# The engine's overhead: a 100-resource stack (20 networks, 20 subnets, 20 ports, 20 volumes, 20
# OS::Heat::TestResource) created, updated with one change (one network's name) and deleted through
# Heat's API, against the same 80 module calls (create, the one update, delete) issued one after
# another through Neutron's and Cinder's APIs on the same cloud; plus serve's RSS before, with the
# stack and after. Both sides run in one python process with the admin's token, so neither pays
# for client start-up; a stack is timed from its request until Heat reports it complete (polled
# every 50 ms), a volume until Cinder reports it available or gone.
#   benchmarks/orchestration/stack-100.sh [ROUNDS]
set -euo pipefail
ROUNDS=${1:-3}
. "$(dirname "$0")/../../tests/acceptance/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
TOKEN=$(openstack token issue -f value -c id)
PROJECT=$(openstack token issue -f value -c project_id)
curl -sf -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
    -d '{"quota_set": {"volumes": -1, "gigabytes": -1}}' "$CB_URL/volume/v3/$PROJECT/os-quota-sets/$PROJECT" >/dev/null
curl -sf -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
    -d '{"quota": {"network": -1, "subnet": -1, "port": -1}}' "$CB_URL/network/v2.0/quotas/$PROJECT" >/dev/null
export TOKEN PROJECT ROUNDS CB_PID
/usr/bin/python3 - <<'PY'
import json, os, time, http.client, urllib.parse

api = urllib.parse.urlparse(os.environ["CB_URL"])
token, project, rounds = os.environ["TOKEN"], os.environ["PROJECT"], int(os.environ["ROUNDS"])
connection = http.client.HTTPConnection(api.hostname, api.port)

def call(method, path, body=None, ok=(200, 201, 202, 204)):
    headers = {"X-Auth-Token": token, "Content-Type": "application/json", "OpenStack-API-Version": "volume 3.47"}
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    data = response.read()
    assert response.status in ok, (method, path, response.status, data[:300])
    return json.loads(data) if data else None

def rss_mib():
    with open(f"/proc/{os.environ['CB_PID']}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

N = 20
def template(first_net_name):
    resources = {}
    for i in range(N):
        resources[f"net{i}"] = {"type": "OS::Neutron::Net", "properties": {"name": first_net_name if i == 0 else f"bench-net{i}"}}
        resources[f"sub{i}"] = {"type": "OS::Neutron::Subnet", "properties": {"network": {"get_resource": f"net{i}"}, "cidr": f"10.{i}.0.0/24"}}
        resources[f"port{i}"] = {"type": "OS::Neutron::Port", "properties": {"network": {"get_resource": f"net{i}"},
                                 "fixed_ips": [{"subnet": {"get_resource": f"sub{i}"}}]}}
        resources[f"vol{i}"] = {"type": "OS::Cinder::Volume", "properties": {"size": 1}}
        resources[f"test{i}"] = {"type": "OS::Heat::TestResource", "properties": {"value": f"v{i}"}}
    return json.dumps({"heat_template_version": "2021-04-16", "resources": resources})

heat = f"/orchestration/v1/{project}"
def wait_stack(path, wanted):
    while True:
        connection.request("GET", f"{heat}/stacks/{path}", headers={"X-Auth-Token": token})
        response = connection.getresponse()
        data = response.read()
        if response.status == 404 and wanted == "gone":
            return
        assert response.status == 200, (response.status, data[:300])
        stack = json.loads(data)["stack"]
        if stack["stack_status"] == wanted or wanted == "gone" and stack["stack_status"] == "DELETE_COMPLETE":
            return stack
        assert not stack["stack_status"].endswith("FAILED"), stack.get("stack_status_reason")
        time.sleep(0.05)

def engine(round_):
    name = f"bench{round_}"
    begin = time.perf_counter()
    path = name + "/" + call("POST", f"{heat}/stacks", {"stack_name": name, "template": template("bench-net0")})["stack"]["id"]
    wait_stack(path, "CREATE_COMPLETE")
    created = time.perf_counter() - begin
    rss = rss_mib()
    begin = time.perf_counter()
    call("PUT", f"{heat}/stacks/{path}", {"template": template("bench-net0-renamed")})
    wait_stack(path, "UPDATE_COMPLETE")
    updated = time.perf_counter() - begin
    begin = time.perf_counter()
    call("DELETE", f"{heat}/stacks/{path}")
    wait_stack(path, "gone")
    deleted = time.perf_counter() - begin
    return created, updated, deleted, rss

def wait_volume(volume_id, gone=False):
    while True:
        connection.request("GET", f"/volume/v3/{project}/volumes/{volume_id}", headers={"X-Auth-Token": token})
        response = connection.getresponse(); data = response.read()
        if gone and response.status == 404:
            return
        if not gone and json.loads(data)["volume"]["status"] == "available":
            return
        time.sleep(0.05)

def one_by_one(round_):
    begin = time.perf_counter()
    nets, subnets, ports, volumes = [], [], [], []
    for i in range(N):
        net = call("POST", "/network/v2.0/networks", {"network": {"name": f"seq-net{i}"}})["network"]["id"]
        nets.append(net)
        subnets.append(call("POST", "/network/v2.0/subnets", {"subnet": {"network_id": net, "cidr": f"10.{i}.0.0/24", "ip_version": 4}})["subnet"]["id"])
        ports.append(call("POST", "/network/v2.0/ports", {"port": {"network_id": net, "fixed_ips": [{"subnet_id": subnets[-1]}]}})["port"]["id"])
        volumes.append(call("POST", f"/volume/v3/{project}/volumes", {"volume": {"size": 1}})["volume"]["id"])
    for volume in volumes:
        wait_volume(volume)
    created = time.perf_counter() - begin
    begin = time.perf_counter()
    call("PUT", f"/network/v2.0/networks/{nets[0]}", {"network": {"name": "seq-net0-renamed"}})
    updated = time.perf_counter() - begin
    begin = time.perf_counter()
    for port in ports:
        call("DELETE", f"/network/v2.0/ports/{port}")
    for subnet in subnets:
        call("DELETE", f"/network/v2.0/subnets/{subnet}")
    for net in nets:
        call("DELETE", f"/network/v2.0/networks/{net}")
    for volume in volumes:
        call("DELETE", f"/volume/v3/{project}/volumes/{volume}")
    for volume in volumes:
        wait_volume(volume, gone=True)
    deleted = time.perf_counter() - begin
    return created, updated, deleted

rss_before = rss_mib()
results = {"engine": [], "direct": []}
for r in range(rounds):
    results["engine"].append(engine(r))
    results["direct"].append(one_by_one(r))
rss_after = rss_mib()
median = lambda values: sorted(values)[len(values) // 2]
for label, index in (("create", 0), ("update (one change)", 1), ("delete", 2)):
    ours = median([e[index] for e in results["engine"]])
    theirs = median([d[index] for d in results["direct"]])
    print(f"{label:20}: stack {ours * 1000:8.0f} ms, one by one {theirs * 1000:8.0f} ms, ratio {ours / theirs:5.2f}x  (median of {rounds})")
print(f"serve RSS: {rss_before:.0f} MiB before, {median([e[3] for e in results['engine']]):.0f} MiB with the 100-resource stack, {rss_after:.0f} MiB after {rounds} rounds")
PY
