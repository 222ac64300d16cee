#!/usr/bin/env bash
# Databases (Trove v1.0) with Debian's stock troveclient (`openstack database …`).
#
# The instance's server boots the packaging/guest test guest on `cloudbox vmm`. Guests on this kind of
# host cannot run user space (packaging/guest/README.md), so the guest agent, the same binary's
# `cloudbox guest-agent`, runs here on the host instead: in a network namespace of its own, reaching
# serve through a veth pair, with Debian's PostgreSQL 15, configured from the server's user data as
# cloud-init would configure it in the guest. Clients reach the datastore at the namespace's address.
. "$(dirname "$0")/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
export OS_COMPUTE_API_VERSION=2.37

work=$(mktemp -d)
chmod 755 "$work"
ns=cbx-trove-$$
veth=vtrv$((RANDOM % 10000))
net=100.64.$((RANDOM % 250)).
agent_pid="" socat_pid="" agent2_pid="" socat2_pid="" maria_agent_pid="" stack_agent_pid="" socat3_pid=""
cleanup() {
    for pid in "$agent_pid" "$agent2_pid" "$maria_agent_pid" "$stack_agent_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    for pid in "$socat_pid" "$socat2_pid" "$socat3_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    for md in "$work/md" "$work/md2"; do
        [ -f "$md/run/mysqld.pid" ] && kill "$(cat "$md/run/mysqld.pid")" 2>/dev/null && sleep 1
    done
    for pg in "$work/pg" "$work/pg2" "$work/pg3"; do
        if [ -f "$pg/pgdata/postmaster.pid" ]; then
            runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl" -D "$pg/pgdata" -m immediate stop >/dev/null 2>&1
        fi
    done
    ip netns del "$ns" 2>/dev/null
    ip netns del "${ns}r" 2>/dev/null
    ip netns del "${ns}h" 2>/dev/null
    ip link del "${veth}x" 2>/dev/null
    ip link del "${veth}h" 2>/dev/null
    ip link del "${veth}r" 2>/dev/null
    rm -rf "$work"
    stop_cloudbox
}
trap cleanup EXIT

# agent_config SERVER OUT DATA_DIR HOST_IP AGENT_IP: the agent's configuration as cloud-init writes it from the
# server's user data, pointed at this host's end of the agent's veth pair.
agent_config() {
    openstack --os-compute-api-version 2.3 server show "$1" -f json >"$2.server"
    python3 - "$2.server" "$2" "$4:${CB_URL##*:}" "$3" "$5" <<'PY'
import base64, json, sys
server = json.load(open(sys.argv[1]))
cloud_config = base64.b64decode(server["OS-EXT-SRV-ATTR:user_data"]).decode()
config = json.loads(next(line.strip() for line in cloud_config.splitlines() if line.strip().startswith("{")))
config.update(url="http://" + sys.argv[3], data_dir=sys.argv[4], listen_address=sys.argv[5])
json.dump(config, open(sys.argv[2], "w"))
PY
}

# agent_namespace NS HOST_LINK NS_LINK HOST_IP NS_IP: a namespace for an agent, reaching serve through a veth pair
# (a /30) and a socat relay on the host's end; the relay's pid is left in relay_pid.
agent_namespace() {
    ip netns add "$1"
    ip link add "$2" type veth peer name "$3"
    ip link set "$3" netns "$1"
    ip addr add "$4/30" dev "$2"
    ip link set "$2" up
    ip -n "$1" addr add "$5/30" dev "$3"
    ip -n "$1" link set "$3" up
    ip -n "$1" link set lo up
    socat "TCP-LISTEN:${CB_URL##*:},bind=$4,fork,reuseaddr" "TCP:127.0.0.1:${CB_URL##*:}" &
    relay_pid=$!
}

if ! guest_kernel || [ ! -d /usr/lib/postgresql ]; then
    echo "not ok - the test guest and Debian's PostgreSQL are needed (packaging/guest/build-initramfs.sh, apt-get install postgresql)"
    ACCEPTANCE_FAILED=$((ACCEPTANCE_FAILED + 1))
    finish
fi
register_guest pg15 "$work"

check "cloudbox admin datastore-add registers PostgreSQL 15 with its image" \
    "$CLOUDBOX_BIN" admin datastore-add --datastore postgresql --version 15 --image "$(openstack image show pg15-disk -f value -c id)" --default \
    --data-dir "$CB_DATA" --listen "$CB_URL" --s3-listen "$CB_S3_URL"
check "datastore list shows postgresql" bash -c "openstack datastore list -f value -c Name | grep -qx postgresql"
check "datastore version list shows 15" bash -c "openstack datastore version list postgresql -f value -c Name | grep -qx 15"
refuse "an unknown flavor is refused" "No flavor with a name or ID of" openstack database instance create bad --flavor m9.none --size 1 --datastore postgresql
refuse "a reserved database name is refused" "400" openstack database instance create bad --flavor m1.tiny --size 1 --datastore postgresql --databases postgres

check "database instance create with a database and a user" openstack database instance create pg1 --flavor m1.tiny --size 1 \
    --datastore postgresql --datastore-version 15 --databases db1 --users u1:secret-1
ID=$(openstack database instance show pg1 -f value -c id)
check "the instance is BUILD until its agent reports" bash -c "[ \"\$(openstack database instance show pg1 -f value -c status)\" = BUILD ]"
check "its server becomes ACTIVE" bash -c "for i in \$(seq 1 300); do [ \"\$(openstack server show trove-$ID -f value -c status 2>/dev/null)\" = ACTIVE ] && exit 0; sleep 0.5; done; exit 1"
check "its data volume is attached" bash -c "for i in \$(seq 1 100); do [ \"\$(openstack volume show trove-$ID -f value -c status 2>/dev/null)\" = in-use ] && exit 0; sleep 0.3; done; exit 1"
check "its security group exists" openstack security group show "trove-$ID"

# The agent's configuration, as cloud-init writes it from the server's user data, pointed at this host.
agent_config "trove-$ID" "$work/agent.json" "$work/pg" "${net}1" "${net}2"
check "the server's user data carries the agent's configuration for this instance" \
    python3 -c "import json, sys; sys.exit(0 if json.load(open('$work/agent.json'))['instance_id'] == '$ID' else 1)"

agent_namespace "$ns" "${veth}h" "${veth}n" "${net}1" "${net}2"
socat_pid=$relay_pid
ip netns exec "$ns" "$CLOUDBOX_BIN" guest-agent --config "$work/agent.json" >"$work/agent.log" 2>&1 &
agent_pid=$!

check "the instance becomes ACTIVE once its agent has prepared PostgreSQL" bash -c \
    "for i in \$(seq 1 600); do s=\$(openstack database instance show pg1 -f value -c status); [ \"\$s\" = ACTIVE ] && exit 0; [ \"\$s\" = ERROR ] && exit 1; sleep 0.5; done; exit 1"
check "database instance list shows it HEALTHY" bash -c \
    "for i in \$(seq 1 60); do openstack database instance list -f value -c Name -c 'Operating Status' | grep -qx 'pg1 HEALTHY' && exit 0; sleep 1; done; exit 1"
check "database db list shows db1" bash -c "openstack database db list pg1 -f value -c Name | grep -qx db1"
check "database user list shows u1" bash -c "openstack database user list pg1 -f value -c Name | grep -qx u1"
check "u1 connects with psql through the instance's address and writes to db1" bash -c \
    "PGPASSWORD=secret-1 psql -h ${net}2 -U u1 -d db1 -tAc 'CREATE TABLE t (v int); INSERT INTO t VALUES (42); SELECT v FROM t' | grep -qx 42"
check "database db create" openstack database db create pg1 db2
check "database user create with access to db2" openstack database user create pg1 u2 secret-2 --databases db2
check "u2 reaches db2" bash -c "PGPASSWORD=secret-2 psql -h ${net}2 -U u2 -d db2 -tAc 'SELECT 1' | grep -qx 1"
refuse "u2 cannot reach db1, which it was not granted" "permission denied" env PGPASSWORD=secret-2 psql -h "${net}2" -U u2 -d db1 -tAc 'SELECT 1'
check "database user show-access lists db2" bash -c "openstack database user show access pg1 u2 -f value | grep -qx db2"
check "database root enable gives a working superuser password" bash -c \
    "pw=\$(openstack database root enable pg1 -f value -c password) && PGPASSWORD=\$pw psql -h ${net}2 -U postgres -d postgres -tAc 'SELECT 7' | grep -qx 7"
check "database root show says it was enabled" bash -c "openstack database root show pg1 -f value | grep -qi true"
check "database instance restart returns it to ACTIVE with its data" bash -c \
    "openstack database instance restart pg1 && for i in \$(seq 1 300); do [ \"\$(openstack database instance show pg1 -f value -c status)\" = ACTIVE ] && break; sleep 0.5; done &&
     PGPASSWORD=secret-1 psql -h ${net}2 -U u1 -d db1 -tAc 'SELECT v FROM t' | grep -qx 42"

# Backups: into the project's object store (container database_backups), restored into a new instance
# whose agent runs in a second namespace (host end ${net}5, agent ${net}6).
check "u1 writes rows to back up" bash -c \
    "PGPASSWORD=secret-1 psql -h ${net}2 -U u1 -d db1 -tAc 'CREATE TABLE r AS SELECT i, md5(i::text) AS v FROM generate_series(1, 1000) i; SELECT count(*) FROM r' | grep -qx 1000"
check "database backup create" openstack database backup create b1 --instance pg1 --description "before the restore"
BID=$(openstack database backup show b1 -f value -c id)
refuse "an incremental backup is refused, saying why" "Incremental" openstack database backup create b3 --instance pg1 --incremental
check "the backup becomes COMPLETED" bash -c \
    "for i in \$(seq 1 600); do s=\$(openstack database backup show b1 -f value -c status); [ \"\$s\" = COMPLETED ] && exit 0; [ \"\$s\" = FAILED ] && exit 1; sleep 0.5; done; exit 1"
check "the instance is ACTIVE again after its backup" bash -c "[ \"\$(openstack database instance show pg1 -f value -c status)\" = ACTIVE ]"
check "database backup list shows it with its instance" bash -c "openstack database backup list -f value -c Name -c 'Instance ID' -c Status | grep -qx \"$ID b1 COMPLETED\""
check "database backup list --instance shows it" bash -c "openstack database backup list --instance pg1 -f value -c Name | grep -qx b1"
check "database backup show has its checksum and location" bash -c \
    "openstack database backup show b1 -f value -c checksum | grep -qE '^[0-9a-f]{64}\$' && openstack database backup show b1 -f value -c locationRef | grep -q 'database_backups/$BID.tar.gz'"
check "its manifest and segments are in the project's database_backups container" bash -c \
    "openstack object list database_backups -f value -c Name | grep -qx '$BID.tar.gz' && openstack object list database_backups -f value -c Name | grep -q '^$BID/'"
check "database instance create --backup" openstack database instance create pg2 --flavor m1.tiny --size 1 --datastore postgresql --datastore-version 15 --backup b1
ID2=$(openstack database instance show pg2 -f value -c id)
check "the restored instance's server becomes ACTIVE" bash -c "for i in \$(seq 1 300); do [ \"\$(openstack server show trove-$ID2 -f value -c status 2>/dev/null)\" = ACTIVE ] && exit 0; sleep 0.5; done; exit 1"
agent_config "trove-$ID2" "$work/agent2.json" "$work/pg2" "${net}5" "${net}6"
agent_namespace "${ns}r" "${veth}r" "${veth}s" "${net}5" "${net}6"
socat2_pid=$relay_pid
ip netns exec "${ns}r" "$CLOUDBOX_BIN" guest-agent --config "$work/agent2.json" >"$work/agent2.log" 2>&1 &
agent2_pid=$!
check "the restored instance becomes ACTIVE once its agent has restored the backup" bash -c \
    "for i in \$(seq 1 600); do s=\$(openstack database instance show pg2 -f value -c status); [ \"\$s\" = ACTIVE ] && exit 0; [ \"\$s\" = ERROR ] && exit 1; sleep 0.5; done; exit 1"
check "u1 sees the same rows in the restored instance through psql" bash -c \
    "[ \"\$(PGPASSWORD=secret-1 psql -h ${net}6 -U u1 -d db1 -tAc 'SELECT string_agg(i || v, \",\" ORDER BY i) FROM r')\" = \"\$(PGPASSWORD=secret-1 psql -h ${net}2 -U u1 -d db1 -tAc 'SELECT string_agg(i || v, \",\" ORDER BY i) FROM r')\" ] &&
     PGPASSWORD=secret-1 psql -h ${net}6 -U u1 -d db1 -tAc 'SELECT v FROM t' | grep -qx 42"
check "database backup delete" openstack database backup delete b1
check "its objects are gone from database_backups" bash -c "! openstack object list database_backups -f value -c Name | grep -q '$BID'"
gone "the backup is gone" openstack database backup show "$BID"
check "the restored instance is deleted" bash -c \
    "openstack database instance delete pg2 && for i in \$(seq 1 300); do openstack database instance show pg2 >/dev/null 2>&1 || exit 0; sleep 0.5; done; exit 1"
kill "$agent2_pid" 2>/dev/null; wait "$agent2_pid" 2>/dev/null; agent2_pid=""

check "database db delete" openstack database db delete pg1 db2
check "db2 is gone" bash -c "! openstack database db list pg1 -f value -c Name | grep -qx db2"

# Configuration groups: the datastore's parameters, a valid group and invalid ones (refused, nothing stored), attach, the value in effect.
check "database configuration parameter list shows work_mem and max_connections" bash -c \
    "openstack database configuration parameter list 15 --datastore postgresql -f value -c Name | grep -qx work_mem &&
     openstack database configuration parameter show 15 max_connections --datastore postgresql -f value | grep -qi true"
check "database configuration create with a valid parameter" openstack database configuration create cfg1 '{"work_mem": 3072}' \
    --datastore postgresql --datastore-version 15
refuse "a parameter out of range is refused" "must be from" openstack database configuration create cfgbad '{"work_mem": 1024, "max_connections": 0}' \
    --datastore postgresql --datastore-version 15
refuse "an unknown parameter is refused" "not supported" openstack database configuration create cfgbad '{"no_such_thing": 1}' \
    --datastore postgresql --datastore-version 15
check "database configuration list shows cfg1 and not the refused group" bash -c \
    "openstack database configuration list -f value -c Name | grep -qx cfg1 && ! openstack database configuration list -f value -c Name | grep -qx cfgbad"
check "database configuration attach" openstack database configuration attach pg1 cfg1
check "the attached value is in effect through psql" bash -c "PGPASSWORD=secret-1 psql -h ${net}2 -U u1 -d db1 -tAc 'SHOW work_mem' | grep -qx 3MB"
check "database instance show names the group" bash -c \
    "[ \"\$(openstack database instance show pg1 -f value -c configuration)\" = \"\$(openstack database configuration show cfg1 -f value -c id)\" ]"
refuse "an attached group cannot be deleted" "attached" openstack database configuration delete cfg1
check "database configuration detach" openstack database configuration detach pg1
check "work_mem is back to its default" bash -c "PGPASSWORD=secret-1 psql -h ${net}2 -U u1 -d db1 -tAc 'SHOW work_mem' | grep -qx 4MB"
check "database configuration delete once detached" openstack database configuration delete cfg1

check "database instance delete" openstack database instance delete pg1
check "the instance is gone" bash -c "for i in \$(seq 1 300); do openstack database instance show pg1 >/dev/null 2>&1 || exit 0; sleep 0.5; done; exit 1"
gone "its server is gone" openstack server show "trove-$ID"
gone "its volume is gone" openstack volume show "trove-$ID"
gone "its security group is gone" openstack security group show "trove-$ID"


# MariaDB 10.11: the same serve, namespace and flow, with a second agent running a private mariadbd
# (its image is the same test guest: guests here cannot run the datastore anyway).
if [ -x /usr/sbin/mariadbd ] && command -v mysql >/dev/null; then
    check "cloudbox admin datastore-add registers MariaDB 10.11" \
        "$CLOUDBOX_BIN" admin datastore-add --datastore mariadb --version 10.11 --image "$(openstack image show pg15-disk -f value -c id)" \
        --data-dir "$CB_DATA" --listen "$CB_URL" --s3-listen "$CB_S3_URL"
    check "datastore version list shows mariadb 10.11" bash -c "openstack datastore version list mariadb -f value -c Name | grep -qx 10.11"
    check "database instance create --datastore mariadb with a database and a user" openstack database instance create md1 --flavor m1.tiny --size 1 \
        --datastore mariadb --datastore-version 10.11 --databases db1 --users u1:secret-m1 --allowed-cidr "${net}0/30"
    MID=$(openstack database instance show md1 -f value -c id)
    check "its server becomes ACTIVE" bash -c "for i in \$(seq 1 300); do [ \"\$(openstack server show trove-$MID -f value -c status 2>/dev/null)\" = ACTIVE ] && exit 0; sleep 0.5; done; exit 1"
    check "its security group opens 3306 to the allowed CIDR" bash -c "openstack security group rule list trove-$MID -f value -c 'IP Range' -c 'Port Range' | grep -qx '${net}0/30 3306:3306'"
    agent_config "trove-$MID" "$work/magent.json" "$work/md" "${net}1" "${net}2"
    check "the agent's configuration names the mariadb manager and port 3306" \
        python3 -c "import json, sys; c = json.load(open('$work/magent.json')); sys.exit(0 if (c['manager'], c['port']) == ('mariadb', 3306) else 1)"
    ip netns exec "$ns" "$CLOUDBOX_BIN" guest-agent --config "$work/magent.json" >"$work/magent.log" 2>&1 &
    maria_agent_pid=$!
    check "the MariaDB instance becomes ACTIVE once its agent has prepared mariadbd" bash -c \
        "for i in \$(seq 1 600); do s=\$(openstack database instance show md1 -f value -c status); [ \"\$s\" = ACTIVE ] && exit 0; [ \"\$s\" = ERROR ] && exit 1; sleep 0.5; done; exit 1"
    check "database db list shows db1 (MariaDB)" bash -c "openstack database db list md1 -f value -c Name | grep -qx db1"
    check "database user list shows u1 for host %" bash -c "openstack database user list md1 -f value -c Name -c Host | grep -qx 'u1 %'"
    check "u1 connects with mysql through the instance's address and writes to db1" bash -c \
        "mysql -h ${net}2 -P 3306 -u u1 -psecret-m1 db1 -N -B -e 'CREATE TABLE t (v int); INSERT INTO t VALUES (42); SELECT v FROM t' | grep -qx 42"
    check "database root enable gives a working MariaDB root password" bash -c \
        "pw=\$(openstack database root enable md1 -f value -c password) && mysql -h ${net}2 -P 3306 -u root -p\"\$pw\" -N -B -e 'SELECT 7' | grep -qx 7"
    # A MariaDB backup (mariabackup, streamed) restored into a new instance whose agent runs in the second namespace.
    check "database backup create (MariaDB)" openstack database backup create mb1 --instance md1
    check "the MariaDB backup becomes COMPLETED" bash -c \
        "for i in \$(seq 1 600); do s=\$(openstack database backup show mb1 -f value -c status); [ \"\$s\" = COMPLETED ] && exit 0; [ \"\$s\" = FAILED ] && exit 1; sleep 0.5; done; exit 1"
    check "the MariaDB instance is ACTIVE again after its backup" bash -c \
        "for i in \$(seq 1 60); do [ \"\$(openstack database instance show md1 -f value -c status)\" = ACTIVE ] && exit 0; sleep 0.5; done; exit 1"
    check "a row written after the backup" mysql -h "${net}2" -P 3306 -u u1 -psecret-m1 db1 -e 'INSERT INTO t VALUES (43)'
    check "database instance create --backup (MariaDB)" openstack database instance create md2 --flavor m1.tiny --size 1 \
        --datastore mariadb --datastore-version 10.11 --backup mb1
    MID2=$(openstack database instance show md2 -f value -c id)
    check "the restored MariaDB instance's server becomes ACTIVE" bash -c \
        "for i in \$(seq 1 300); do [ \"\$(openstack server show trove-$MID2 -f value -c status 2>/dev/null)\" = ACTIVE ] && exit 0; sleep 0.5; done; exit 1"
    agent_config "trove-$MID2" "$work/magent2.json" "$work/md2" "${net}5" "${net}6"
    ip netns exec "${ns}r" "$CLOUDBOX_BIN" guest-agent --config "$work/magent2.json" >"$work/magent2.log" 2>&1 &
    agent2_pid=$!
    check "the restored MariaDB instance becomes ACTIVE once its agent has restored and prepared the backup" bash -c \
        "for i in \$(seq 1 600); do s=\$(openstack database instance show md2 -f value -c status); [ \"\$s\" = ACTIVE ] && exit 0; [ \"\$s\" = ERROR ] && exit 1; sleep 0.5; done; exit 1"
    check "u1 sees the backup's rows in the restored MariaDB instance, not the later one" bash -c \
        "[ \"\$(mysql -h ${net}6 -P 3306 -u u1 -psecret-m1 db1 -N -B -e 'SELECT GROUP_CONCAT(v ORDER BY v) FROM t')\" = 42 ]"
    check "database backup delete (MariaDB)" openstack database backup delete mb1
    check "the restored MariaDB instance is deleted" bash -c \
        "openstack database instance delete md2 && for i in \$(seq 1 300); do openstack database instance show md2 >/dev/null 2>&1 || exit 0; sleep 0.5; done; exit 1"
    kill "$agent2_pid" 2>/dev/null; wait "$agent2_pid" 2>/dev/null; agent2_pid=""
    check "database instance delete (MariaDB)" openstack database instance delete md1
    check "the MariaDB instance is gone" bash -c "for i in \$(seq 1 300); do openstack database instance show md1 >/dev/null 2>&1 || exit 0; sleep 0.5; done; exit 1"
else
    skip "MariaDB section" "Debian's mariadb-server and mysql client are not installed"
fi

# OS::Trove::Instance: a stack's database instance, complete once its agent (in a third namespace: host end
# ${net}9, agent ${net}10) has it ACTIVE; its user reaches its database; the stack's delete takes it away.
cat >"$work/trove-stack.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  db:
    type: OS::Trove::Instance
    properties:
      name: hdb
      flavor: m1.tiny
      size: 1
      datastore_type: postgresql
      datastore_version: "15"
      databases: [{name: hdb1}]
      users: [{name: hu, password: secret-h, databases: [hdb1]}]
outputs:
  href:
    value: {get_attr: [db, href]}
YAML
check "stack create with an OS::Trove::Instance" openstack stack create -t "$work/trove-stack.yaml" trove-stack
check "the stack's database instance is created (BUILD)" bash -c \
    "for i in \$(seq 1 300); do openstack database instance list -f value -c Name | grep -qx hdb && exit 0; sleep 0.5; done; exit 1"
HID=$(openstack database instance show hdb -f value -c id)
check "its server becomes ACTIVE" bash -c "for i in \$(seq 1 300); do [ \"\$(openstack server show trove-$HID -f value -c status 2>/dev/null)\" = ACTIVE ] && exit 0; sleep 0.5; done; exit 1"
agent_config "trove-$HID" "$work/hagent.json" "$work/pg3" "${net}9" "${net}10"
agent_namespace "${ns}h" "${veth}x" "${veth}y" "${net}9" "${net}10"
socat3_pid=$relay_pid
ip netns exec "${ns}h" "$CLOUDBOX_BIN" guest-agent --config "$work/hagent.json" >"$work/hagent.log" 2>&1 &
stack_agent_pid=$!
check "the stack becomes CREATE_COMPLETE once its instance is ACTIVE" bash -c \
    "for i in \$(seq 1 600); do s=\$(openstack stack show trove-stack -f value -c stack_status); [ \"\$s\" = CREATE_COMPLETE ] && exit 0; [ \"\$s\" = CREATE_FAILED ] && exit 1; sleep 0.5; done; exit 1"
check "the stack's output is the instance's URL" bash -c "openstack stack output show trove-stack href -f value -c output_value | grep -q \"instances/$HID\""
check "the template's user reaches the template's database with psql" bash -c \
    "PGPASSWORD=secret-h psql -h ${net}10 -U hu -d hdb1 -tAc 'SELECT 5' | grep -qx 5"
check "stack delete takes the database instance with it" bash -c \
    "openstack stack delete --yes --wait trove-stack && ! openstack database instance list -f value -c Name | grep -qx hdb"
gone "its server is gone" openstack server show "trove-$HID"

finish
