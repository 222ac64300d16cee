#!/usr/bin/env bash
# The Instances page of a real `cloudbox serve` (SQLite) holding N servers (default 1000, made through Nova's API by
# benchmarks/lib/servers.sh): time to first render and bytes for cold and warm loads in headless chromium
# (tests/CloudBox.Dashboard.Tests' explicit InstancesPageBenchmark, built beforehand), and serve's VmRSS before the
# dashboard's first use (after the same API requests the page makes) and after the browser's ten loads.
#   dotnet build tests/CloudBox.Dashboard.Tests -c Release -nologo -v quiet
#   benchmarks/dashboard/instances-page.sh [N]
# CLOUDBOX_BIN is the binary (tests/acceptance/lib.sh's default: the published .build/cloudbox/cloudbox).
set -euo pipefail
N=${1:-1000}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
. "$REPO/tests/acceptance/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
. "$REPO/benchmarks/lib/servers.sh"
create_servers "$N"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$CB_PID/status"; }
# What the page asks the API for, without the dashboard, so the difference below is the dashboard's own.
for i in $(seq 1 20); do
    bench_api "$CB_URL/compute/v2.1/servers/detail?limit=25&sort_key=display_name&sort_dir=asc" >/dev/null
    bench_api "$CB_URL/identity/v3/auth/tokens" -H "X-Subject-Token: $TOKEN" >/dev/null
done
before=$(rss)
page=$(curl -s -o /dev/null -w '%{size_download}' -H "X-Auth-Token: $TOKEN" -H 'OpenStack-API-Version: compute 2.37' \
    "$CB_URL/compute/v2.1/servers/detail?limit=25&sort_key=display_name&sort_dir=asc")
echo "the page's API answer (25 servers in detail, microversion 2.37): $page bytes"
echo "servers in the project: $(openstack server list --limit 1000 -f value -c ID | wc -l) (first page of 1000); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
DASHBOARD_BENCH_URL=$CB_URL DASHBOARD_BENCH_PASSWORD=$OS_PASSWORD \
    dotnet test "$REPO/tests/CloudBox.Dashboard.Tests" -c Release --no-build --filter 'FullyQualifiedName~InstancesPageBenchmark' \
    --logger 'console;verbosity=detailed' 2>&1 | grep -E '^ *(instances page|cold|warm|Passed|Failed|Skipped)' || true
after=$(rss)
echo "serve VmRSS: $((before / 1024)) MB before the dashboard's first use, $((after / 1024)) MB after (+$(((after - before) / 1024)) MB); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
