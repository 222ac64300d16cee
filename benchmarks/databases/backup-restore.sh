#!/usr/bin/env bash
# Backup and restore throughput of a PostgreSQL 15 database (1 GiB by default) through CloudBox, against
# pg_basebackup run by hand on the same cluster.
#
#   CLOUDBOX_BIN=/tmp/cbpub/cloudbox [SIZE_MB=1024] bash benchmarks/databases/backup-restore.sh
#
# A published `cloudbox serve` (as tests/acceptance/databases.sh starts it) builds the instance; its
# agent (`cloudbox guest-agent`) runs on this host, as guests here cannot run user space. Measured:
#   by hand   pg_basebackup -D - -F tar -X fetch to a local file (plain, and piped through gzip -1), and
#             extracting that file again (tar -x, and gzip -dc | tar -x);
#   CloudBox  the agent's backup task (pg_basebackup streamed, zstd-compressed, SHA-256-checksummed,
#             stored as 64 MiB segments in the owner's Swift container) and its restoring prepare task
#             (read back, verified, extracted, started), from the agent's log; and the agent's peak RSS.
. "$(dirname "$0")/../../tests/acceptance/lib.sh"
SIZE_MB=${SIZE_MB:-1024}
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
export OS_COMPUTE_API_VERSION=2.37
work=$(mktemp -d /tmp/cloudbox-dbbench-XXXXXX)
chmod 755 "$work"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    for pg in "$work/pg1" "$work/pg2"; do
        [ -f "$pg/pgdata/postmaster.pid" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pg/pgdata" -m immediate stop >/dev/null 2>&1
    done
    rm -rf "$work"
    stop_cloudbox
}
trap cleanup EXIT
guest_kernel || { echo "the test guest is needed (packaging/guest/build-initramfs.sh)"; exit 1; }
register_guest pg15 "$work"
"$CLOUDBOX_BIN" admin datastore-add --datastore postgresql --version 15 --image "$(openstack image show pg15-disk -f value -c id)" --default \
    --data-dir "$CB_DATA" --listen "$CB_URL" --s3-listen "$CB_S3_URL" >/dev/null

now() { date +%s.%N; }
wait_status() { # kind name status
    for _ in $(seq 1 36000); do
        s=$(openstack database "$1" show "$2" -f value -c status)
        [ "$s" = "$3" ] && return 0
        [ "$s" = ERROR ] || [ "$s" = FAILED ] && { echo "$1 $2 is $s"; exit 1; }
        sleep 0.2
    done
    exit 1
}
# start_agent INSTANCE N: runs the instance's agent on this host (data in $work/pgN); sets agent_port and agent_pid.
start_agent() {
    local id
    id=$(openstack database instance show "$1" -f value -c id)
    for _ in $(seq 1 600); do [ "$(openstack server show "trove-$id" -f value -c status 2>/dev/null)" = ACTIVE ] && break; sleep 0.2; done
    agent_port=$(free_port)
    openstack --os-compute-api-version 2.3 server show "trove-$id" -f json | python3 -c '
import base64, json, sys
server = json.load(sys.stdin)
cloud_config = base64.b64decode(server["OS-EXT-SRV-ATTR:user_data"]).decode()
config = json.loads(next(l.strip() for l in cloud_config.splitlines() if l.strip().startswith("{")))
config.update(url=sys.argv[1], data_dir=sys.argv[2], listen_address="127.0.0.1", port=int(sys.argv[3]))
json.dump(config, open(sys.argv[4], "w"))' "$CB_URL" "$work/pg$2" "$agent_port" "$work/agent$2.json"
    "$CLOUDBOX_BIN" guest-agent --config "$work/agent$2.json" >"$work/agent$2.log" 2>&1 &
    agent_pid=$!
    pids+=("$agent_pid")
}

openstack database instance create bench1 --flavor m1.tiny --size 20 --datastore postgresql --databases db1 --users u1:pw >/dev/null
start_agent bench1 1
port1=$agent_port agent1=$agent_pid
wait_status instance bench1 ACTIVE
echo "filling db1 with ${SIZE_MB} MiB ..."
# ~80 bytes a row on disk; md5 text compresses about 2:1, like ordinary data rather than zeros.
PGPASSWORD=pw psql -q -h 127.0.0.1 -p "$port1" -U u1 -d db1 -c \
    "CREATE TABLE fill AS SELECT i, md5(i::text) AS a, md5((i * 31)::text) AS b FROM generate_series(1, $((SIZE_MB * 1024 * 1024 / 130))) i"
cluster_bytes=$(du -sb "$work/pg1/pgdata" | cut -f1)
echo "cluster: $((cluster_bytes / 1048576)) MiB"
sync

t=$(now); runuser -u postgres -- "$pgbin/pg_basebackup" -h "$work/pg1/run" -p "$port1" -U postgres -D - -F tar -X fetch -c fast >"$work/hand.tar"; sync; hand_plain=$(echo "$(now) - $t" | bc)
t=$(now); runuser -u postgres -- "$pgbin/pg_basebackup" -h "$work/pg1/run" -p "$port1" -U postgres -D - -F tar -X fetch -c fast | gzip -1 >"$work/hand.tar.gz"; sync; hand_gzip=$(echo "$(now) - $t" | bc)
tar_bytes=$(stat -c %s "$work/hand.tar")
mkdir "$work/x1" "$work/x2"
t=$(now); tar -xf "$work/hand.tar" -C "$work/x1"; sync; hand_untar=$(echo "$(now) - $t" | bc)
t=$(now); gzip -dc "$work/hand.tar.gz" | tar -x -C "$work/x2"; sync; hand_gunzip=$(echo "$(now) - $t" | bc)
rm -rf "$work/x1" "$work/x2" "$work/hand.tar" "$work/hand.tar.gz"

t=$(now)
openstack database backup create b1 --instance bench1 >/dev/null
wait_status backup b1 COMPLETED
api_backup=$(echo "$(now) - $t" | bc)
agent_backup=$(grep -o '(backup) done in [0-9.]*' "$work/agent1.log" | tail -1 | awk '{print $4}')
rss1=$(awk '/VmHWM/ {print $2}' "/proc/$agent1/status")
stored=$(openstack database backup show b1 -f json | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')

openstack database instance create bench2 --flavor m1.tiny --size 20 --datastore postgresql --backup b1 >/dev/null
t=$(now)
start_agent bench2 2
port2=$agent_port agent2=$agent_pid
wait_status instance bench2 ACTIVE
agent_restore=$(grep -o '(prepare) done in [0-9.]*' "$work/agent2.log" | tail -1 | awk '{print $4}')
rss2=$(awk '/VmHWM/ {print $2}' "/proc/$agent2/status")
rows1=$(PGPASSWORD=pw psql -h 127.0.0.1 -p "$port1" -U u1 -d db1 -tAc "SELECT count(*) FROM fill")
rows2=$(PGPASSWORD=pw psql -h 127.0.0.1 -p "$port2" -U u1 -d db1 -tAc "SELECT count(*) FROM fill")

mib() { echo "scale=1; $tar_bytes / 1048576 / $1" | bc; }
echo
echo "base backup (tar) size:           $((tar_bytes / 1048576)) MiB; stored by CloudBox (zstd): ${stored} GB"
echo "backup  by hand, plain file:      ${hand_plain} s  ($(mib "$hand_plain") MiB/s)"
echo "backup  by hand, | gzip -1:       ${hand_gzip} s  ($(mib "$hand_gzip") MiB/s)"
echo "backup  CloudBox agent task:      ${agent_backup} s  ($(mib "$agent_backup") MiB/s); API create to COMPLETED ${api_backup} s"
echo "restore by hand, tar -x:          ${hand_untar} s  ($(mib "$hand_untar") MiB/s)"
echo "restore by hand, gzip -dc | tar:  ${hand_gunzip} s  ($(mib "$hand_gunzip") MiB/s)"
echo "restore CloudBox agent (prepare): ${agent_restore} s  ($(mib "$agent_restore") MiB/s), includes starting PostgreSQL and its recovery"
echo "agent peak RSS: backup ${rss1} kB, restore ${rss2} kB"
echo "rows: source ${rows1}, restored ${rows2}"
