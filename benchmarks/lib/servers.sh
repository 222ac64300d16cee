#!/usr/bin/env bash
# Shared by benchmarks that need many servers in a running `cloudbox serve` (started with tests/acceptance/lib.sh's
# start_cloudbox, admin credentials sourced). Servers are made through Nova's API; without a bootable kernel their
# builds end in ERROR quickly, which changes nothing for listing.
#   . benchmarks/lib/servers.sh; create_servers N [PARALLEL]
# Sets TOKEN and PROJECT (the admin's), lifts the project's instance quotas, and returns once no build is running.

# bench_api ARGS...: curl with the admin token and a JSON body type.
bench_api() { curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' "$@"; }

create_servers() {
    local n=$1 parallel=${2:-8} start kernel image
    TOKEN=$(openstack token issue -f value -c id)
    PROJECT=$(openstack token issue -f value -c project_id)
    export TOKEN PROJECT
    bench_api -X PUT -d '{"quota_set": {"instances": -1, "cores": -1, "ram": -1}}' "$CB_URL/compute/v2.1/os-quota-sets/$PROJECT" >/dev/null
    bench_api -X POST -d '{"flavor": {"name": "bench", "ram": 64, "vcpus": 1, "disk": 0, "id": "bench"}}' "$CB_URL/compute/v2.1/flavors" >/dev/null
    head -c 65536 /dev/urandom >"$CB_DATA/k"; truncate -s 1M "$CB_DATA/d"
    kernel=$(openstack image create bk --file "$CB_DATA/k" --disk-format aki --container-format aki -f value -c id)
    image=$(openstack image create bd --file "$CB_DATA/d" --disk-format raw --container-format bare --property kernel_id="$kernel" -f value -c id)
    start=$(date +%s.%N)
    for i in $(seq 1 "$n"); do
        printf '{"server": {"name": "s%d", "imageRef": "%s", "flavorRef": "bench", "networks": "none"}}\n' "$i" "$image"
    done | xargs -d '\n' -P "$parallel" -I{} curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d '{}' "$CB_URL/compute/v2.1/servers"
    echo "created $n servers in $(echo "$(date +%s.%N) - $start" | bc) s"
    # Let the build worker finish (every build ends) so it does not share the CPU with the measurement.
    while [ "$(bench_api "$CB_URL/compute/v2.1/servers?status=BUILD&limit=1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')" != 0 ]; do sleep 2; done
    echo "all builds settled after $(echo "$(date +%s.%N) - $start" | bc) s"
}
