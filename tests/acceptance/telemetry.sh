#!/bin/bash
# Telemetry with the stock clients: python3-gnocchiclient (openstack metric …) and
# python3-aodhclient (openstack alarm …) against one serve.
. "$(dirname "$0")/lib.sh"
METRICS_PORT=$(free_port)
start_cloudbox --metrics-listen "127.0.0.1:$METRICS_PORT"
work=$(mktemp -d /tmp/telemetry-acceptance-XXXXXX)
WEBHOOK_PID=""
cleanup() { [ -n "$WEBHOOK_PID" ] && kill "$WEBHOOK_PID" 2>/dev/null; rm -rf "$work"; stop_cloudbox; }
trap cleanup EXIT

# --- Gnocchi ------------------------------------------------------------------------------
check "metric archive-policy list shows Gnocchi's defaults" bash -c "openstack metric archive-policy list -f value -c name | sort | tr '\n' ' ' | grep -q 'bool high low medium'"
check "metric resource-type list has Ceilometer's types" bash -c "openstack metric resource-type list -f value -c name | grep -qx instance_network_interface"
check "metric status" openstack metric status

# A server recorded by Compute becomes an instance resource through the event stream (it need not boot).
head -c 65536 /dev/urandom >"$work/disk.raw"
openstack image create tm-disk --file "$work/disk.raw" --disk-format raw --container-format bare >/dev/null
openstack --os-compute-api-version 2.37 server create tm-vm --image tm-disk --flavor m1.tiny --nic none >/dev/null 2>&1
SERVER=$(openstack server show tm-vm -f value -c id 2>/dev/null)
found_instance() { for _ in $(seq 1 30); do openstack metric resource list --type instance -f value -c id | grep -qx "$SERVER" && return 0; sleep 1; done; return 1; }
check "metric resource list --type instance shows the server" found_instance
check "the instance carries Ceilometer's attributes" bash -c "openstack metric resource show --type instance $SERVER -f value -c display_name | grep -qx tm-vm"

# --- Prometheus ---------------------------------------------------------------------------
check "curl /metrics without a token is 401" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $CB_URL/metrics)\" = 401 ]"
check "curl /metrics with an admin token shows the server's series" bash -c "curl -fs -H \"X-Auth-Token: \$(openstack token issue -f value -c id)\" $CB_URL/metrics | grep -q 'cloudbox_server_info{.*server_id=\"$SERVER\",name=\"tm-vm\"'"
check "--metrics-listen serves /metrics with no token" bash -c "curl -fs http://127.0.0.1:$METRICS_PORT/metrics | grep -q '^# TYPE cloudbox_http_requests_total counter'"
check "--metrics-listen serves nothing but /metrics" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$METRICS_PORT/identity/v3)\" = 404 ]"
check "/metrics has the VM exit counters' families" bash -c "curl -fs http://127.0.0.1:$METRICS_PORT/metrics | grep -q '^# TYPE cloudbox_server_exits_io_total counter'"
check "the instance has CloudBox's exit metrics" bash -c "openstack metric resource show --type instance $SERVER -f json | python3 -c 'import json,sys; m=json.load(sys.stdin)[\"metrics\"]; m=m if isinstance(m,dict) else dict(x.split(\": \") for x in m.splitlines()); assert all(\"cloudbox.vm.exits.\" + r in m for r in (\"io\", \"mmio\", \"hlt\", \"other\")), m'"
check "curl /metrics counts serve's requests by module and VMs by state" bash -c "curl -fs -H \"X-Auth-Token: \$(openstack token issue -f value -c id)\" $CB_URL/metrics >$work/metrics.txt && grep -q '^cloudbox_http_requests_total{module=\"compute\"' $work/metrics.txt && grep -q '^# TYPE cloudbox_vms gauge' $work/metrics.txt"

# --- Networking's floating IPs and routers, this host and serve itself -----------------------------
# waits NAME CMD...: CMD until it succeeds, 30 s at most (the collector polls every 10 s).
waits() { local i; for i in $(seq 1 30); do "${@:2}" >/dev/null 2>&1 && return 0; sleep 1; done; return 1; }
has_measures() { openstack metric measures show --refresh --resource-id "$1" "$2" -f value -c value | grep -Eq "${3:-.}"; }
openstack network create --external tm-ext >/dev/null
openstack subnet create --network tm-ext --subnet-range 100.64.77.0/24 tm-ext-sub >/dev/null
ROUTER=$(openstack router create tm-router -f value -c id)
FLOATING=$(openstack floating ip create tm-ext -f value -c id)
check "a router is a router resource with its existence meter" waits router has_measures "$ROUTER" router '^1(\.0)?$'
check "a floating IP is a network resource with ip.floating" waits floating has_measures "$FLOATING" ip.floating '^1(\.0)?$'
openstack floating ip delete "$FLOATING"
openstack router delete "$ROUTER"
ended() { openstack metric resource show --type "$1" "$2" -f value -c ended_at | grep -Eq '^[0-9]{4}-'; }
check "a deleted router's resource is ended" waits router-ended ended router "$ROUTER"
check "a deleted floating IP's resource is ended" waits floating-ended ended network "$FLOATING"
# A port bound to a server (as Compute binds one) is Ceilometer's instance_network_interface, id instance_name-server-tap.
openstack network create tm-net >/dev/null
openstack subnet create --network tm-net --subnet-range 10.77.0.0/24 tm-net-sub >/dev/null
PORT=$(openstack port create --network tm-net --device "$SERVER" --device-owner compute:nova tm-port -f value -c id)
NIC="instance-${SERVER:0:8}-$SERVER-tap${PORT:0:11}"
nic_listed() { openstack metric resource list --type instance_network_interface -f value -c original_resource_id -c ended_at | grep -Eq "^$NIC $1\$"; }
check "metric resource list --type instance_network_interface shows the bound port" waits nic nic_listed None
check "the interface carries name (the tap) and instance_id" bash -c "openstack metric resource list --type instance_network_interface --details -f json | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x[\"original_resource_id\"] == \"$NIC\"]; assert len(r) == 1 and r[0][\"name\"] == \"tap${PORT:0:11}\" and r[0][\"instance_id\"] == \"$SERVER\", r'"
openstack port delete "$PORT"
check "a deleted port's interface is ended" waits nic-ended nic_listed '[0-9]{4}-.*'
HOST=$(openstack metric resource list --type host -f value -c id | head -1)
check "this host is a host resource with memory and load" bash -c "$(declare -f has_measures waits); [ -n '$HOST' ] && waits host has_measures '$HOST' hardware.memory.total && waits load has_measures '$HOST' hardware.cpu.load.1min"
check "serve's request rate and latency are measures on the host" bash -c "$(declare -f has_measures waits); waits rate has_measures '$HOST' cloudbox.serve.request.rate && waits latency has_measures '$HOST' cloudbox.serve.request.latency"
check "the compute node's CPU is measured" bash -c "$(declare -f has_measures waits); waits cpu has_measures \$(openstack metric resource list --type nova_compute -f value -c id | head -1) compute.node.cpu.user.time"

METRIC=$(openstack metric create --archive-policy-name high tm-custom -f value -c id)
check "metric measures add" openstack metric measures add -m 2024-01-01T12:00:00@10 -m 2024-01-01T12:00:30@20 -m 2024-01-01T12:01:10@30 "$METRIC"
check "metric measures show --refresh (per-minute mean 15)" bash -c "openstack metric measures show --refresh --utc --granularity 60 $METRIC -f value | grep -Eq '2024-01-01T12:00:00\+00:00 60(\.0)? 15(\.0)?$'"
check "metric measures show --aggregation max --resample" bash -c "openstack metric measures show --utc --aggregation max --granularity 60 --resample 3600 $METRIC -f value | grep -Eq ' 3600(\.0)? 30(\.0)?$'"

openstack metric resource create --type generic -n load:medium tm-a --attribute project_id:p1 >/dev/null 2>&1 || openstack metric resource create --type generic -n load:medium tm-a >/dev/null
openstack metric resource create --type generic -n load:medium tm-b >/dev/null
check "batch measures by resource" bash -c "curl -fs -X POST -H 'Content-Type: application/json' -H \"X-Auth-Token: \$(openstack token issue -f value -c id)\" \
    $CB_URL/metric/v1/batch/resources/metrics/measures -d '{\"tm-a\": {\"load\": [{\"timestamp\": \"2024-01-01T12:00:00\", \"value\": 2}]}, \"tm-b\": {\"load\": [{\"timestamp\": \"2024-01-01T12:00:00\", \"value\": 4}]}}'"
sleep 1
check "metric aggregates with groupby" bash -c "openstack metric aggregates --resource-type generic --groupby type --granularity 60 '(aggregate sum (metric load mean))' 'original_resource_id like \"tm-%\"' -f value | grep -Eq ' 6(\.0)?$'"

# --- Usage report ------------------------------------------------------------------------
# A 5 GB volume of the admin's project measured every 5 minutes for an hour: 5 GB-hours.
PROJECT=$(openstack project show admin -f value -c id)
TOKEN=$(openstack token issue -f value -c id)
VOLUME_ID=$(python3 -c 'import uuid; print(uuid.uuid4())')
curl -fs -X POST -H 'Content-Type: application/json' -H "X-Auth-Token: $TOKEN" "$CB_URL/metric/v1/resource/volume" \
    -d "{\"id\": \"$VOLUME_ID\", \"project_id\": \"$PROJECT\", \"started_at\": \"2024-02-01T00:00:00\", \"metrics\": {\"volume.size\": {\"archive_policy_name\": \"low\"}}}" >/dev/null
curl -fs -X POST -H 'Content-Type: application/json' -H "X-Auth-Token: $TOKEN" "$CB_URL/metric/v1/batch/resources/metrics/measures" \
    -d "{\"$VOLUME_ID\": {\"volume.size\": [$(for m in 00 05 10 15 20 25 30 35 40 45 50 55; do printf '{"timestamp": "2024-02-01T00:%s:00", "value": 5},' $m; done | sed 's/,$//')]}}" >/dev/null
check "curl /metric/v1/usage gives the project's volume GB-hours" bash -c "curl -fs -H \"X-Auth-Token: $TOKEN\" '$CB_URL/metric/v1/usage?start=2024-02-01T00:00:00&end=2024-02-01T01:00:00' | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r[\"project_id\"] == \"$PROJECT\" and abs(r[\"volume_gb_hours\"] - 5) < 1e-6, r'"
check "curl /metric/v1/usage with end before start is a 400 in Gnocchi's fault body" bash -c "curl -s -H \"X-Auth-Token: $TOKEN\" '$CB_URL/metric/v1/usage?start=2024-02-01T01:00:00&end=2024-02-01T00:00:00' | grep -q '\"code\": *400.*is not after start'"
check "cloudbox admin usage --format json" bash -c "'$CLOUDBOX_BIN' admin usage --data-dir '$CB_DATA' --project $PROJECT --start 2024-02-01T00:00:00 --end 2024-02-01T01:00:00 --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert abs(r[\"volume_gb_hours\"] - 5) < 1e-6, r'"
check "cloudbox admin usage prints a table" bash -c "'$CLOUDBOX_BIN' admin usage --data-dir '$CB_DATA' --project $PROJECT --start 2024-02-01T00:00:00 --end 2024-02-01T01:00:00 | grep -Eq '^volume_gb_hours +5 +GiB-hours$'"

# An acknowledged measure survives kill -9 of serve.
openstack metric measures add -m 2024-01-02T00:00:00@42 "$METRIC" >/dev/null
restart_cloudbox KILL
check "a measure acknowledged before kill -9 is read back" bash -c "openstack metric measures show --refresh --utc --granularity 1 $METRIC -f value | grep -Eq '2024-01-02T00:00:00\+00:00 1(\.0)? 42(\.0)?$'"

# --- Aodh ---------------------------------------------------------------------------------
WEBHOOK_PORT=$(free_port)
python3 - "$WEBHOOK_PORT" "$work/hooks" <<'PY' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
WEBHOOK_PID=$!
ALARM_METRIC=$(openstack metric create --archive-policy-name high tm-alarmed -f value -c id)
check "alarm create (gnocchi_aggregation_by_metrics_threshold, webhook actions)" openstack alarm create --name tm-alarm \
    --type gnocchi_aggregation_by_metrics_threshold --metric "$ALARM_METRIC" --threshold 50 --comparison-operator gt \
    --aggregation-method max --granularity 1 --evaluation-periods 1 \
    --alarm-action "http://127.0.0.1:$WEBHOOK_PORT/alarm" --ok-action "http://127.0.0.1:$WEBHOOK_PORT/ok"
ALARM=$(openstack alarm show --name tm-alarm -f value -c alarm_id 2>/dev/null || openstack alarm list -f value -c alarm_id | head -1)
push_now() { openstack metric measures add -m "$(date -u +%Y-%m-%dT%H:%M:%S)@$1" "$ALARM_METRIC"; }
fires() {
    for _ in $(seq 1 30); do
        push_now "$1" >/dev/null
        grep -q "\"current\":\"$2\"" "$work/hooks" 2>/dev/null && return 0
        sleep 1
    done
    return 1
}
# A composite: the same metric above 50 or above 1000 (true or false is true).
leaf() { echo "{\"type\": \"gnocchi_aggregation_by_metrics_threshold\", \"metrics\": [\"$ALARM_METRIC\"], \"threshold\": $1, \"comparison_operator\": \"gt\", \"aggregation_method\": \"max\", \"granularity\": 1}"; }
check "alarm create --type composite (or of two threshold rules)" openstack alarm create --name tm-composite --type composite \
    --composite-rule "{\"or\": [$(leaf 50), $(leaf 1000)]}"
check "the composite alarm shows its rule" bash -c "openstack alarm show --name tm-composite -f json | python3 -c 'import json,sys; r=json.load(sys.stdin)[\"composite_rule\"]; r=json.loads(r) if isinstance(r,str) else r; assert len(r[\"or\"]) == 2'"
check "alarm create --type event (this server's deletion)" openstack alarm create --name tm-event --type event \
    --event-type 'compute.instance.delete.*' --query "traits.instance_id=$SERVER" --alarm-action "http://127.0.0.1:$WEBHOOK_PORT/event"
check "the alarm fires its webhook with Aodh's body" fires 99 alarm
check "the composite alarm is in alarm too" bash -c "openstack alarm show --name tm-composite -f value -c state | grep -qx alarm"
check "the webhook body names the alarm and its previous state" grep -q "\"alarm_id\":\"$ALARM\"" "$work/hooks"
check "the alarm returns to ok" fires 1 ok
check "alarm state get" bash -c "openstack alarm state get $ALARM -f value | grep -qx ok"
check "alarm history shows the transitions" bash -c "openstack alarm-history show $ALARM -f value -c type | grep -q 'state transition'"
check "alarm delete" openstack alarm delete "$ALARM"
check "a bad alarm is refused in Aodh's fault body" bash -c "openstack alarm create --name tm-bad --type composite --composite-rule '{\"and\": []}' 2>&1 | grep -qi 'non-empty list'"

# --- A booted VM's exits (the test guest's kernel boots; its user space cannot run on PVM) ---------------
if "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel && [ -e /dev/kvm ] && guest_kernel; then
    register_guest tmg "$work"
    if BOOT_OUTPUT=$(openstack --os-compute-api-version 2.37 server create tm-booted --image tmg-disk --flavor m1.tiny --nic none --wait 2>&1); then
        BOOTED=$(openstack server show tm-booted -f value -c id)
        check "a running VM's I/O exits are measured (non-zero)" bash -c "$(declare -f has_measures waits); waits exits has_measures $BOOTED cloudbox.vm.exits.io '^[1-9]'"
        check "/metrics shows the running VM's exits" bash -c "curl -fs http://127.0.0.1:$METRICS_PORT/metrics | grep -Eq '^cloudbox_server_exits_io_total\{.*server_id=\"$BOOTED\".*\} [1-9]'"
    else
        check "server create --wait of the test guest" bash -c 'echo "$0"; openstack server show tm-booted -f value -c status -c fault; false' "$BOOT_OUTPUT"
    fi
    openstack server delete tm-booted >/dev/null 2>&1
else
    skip "a running VM's exits are measured" "no cloudbox vmm, no /dev/kvm or no guest kernel"
    skip "/metrics shows the running VM's exits" "no cloudbox vmm, no /dev/kvm or no guest kernel"
fi

openstack server delete tm-vm >/dev/null 2>&1
event_fired() { for _ in $(seq 1 30); do openstack alarm show --name tm-event -f value -c state | grep -qx alarm && grep -q 'compute.instance.delete.end' "$work/hooks" && return 0; sleep 1; done; return 1; }
check "the event alarm fires when the server is deleted" event_fired

finish
