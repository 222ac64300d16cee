#!/usr/bin/env bash
# cloudbox admin backup DEST while serve runs, then cloudbox admin restore SRC into a new data dir:
# the restored cloud serves the same users, images, volumes, networks and objects.
. "$(dirname "$0")/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox
backup="$CB_DATA.backup"
restored="$CB_DATA.restored"
cleanup_backup() { stop_cloudbox; rm -rf "$backup" "$restored"; }
trap cleanup_backup EXIT

head -c 3000000 /dev/urandom >"$CB_DATA/image.bin"
check "an image to back up" openstack image create backed-up --file "$CB_DATA/image.bin" --disk-format raw --container-format bare
check "a volume to back up" openstack volume create --size 1 backed-up-vol
check "a network to back up" openstack network create backed-up-net
echo "object payload $RANDOM" >"$CB_DATA/object.txt"
check "a container and object to back up" bash -c "openstack container create backed-up && openstack object create backed-up '$CB_DATA/object.txt' --name object.txt"
for _ in $(seq 1 100); do [ "$(openstack volume show backed-up-vol -f value -c status)" = available ] && break; sleep 0.1; done

check "cloudbox admin backup DEST works while serve runs" "$CLOUDBOX_BIN" admin backup "$backup" --data-dir "$CB_DATA"
check "the backup holds the database and the keys" bash -c "[ -s '$backup/cloudbox.db' ] && [ -d '$backup/keys' ]"
vol_file=$(find "$backup" -path '*olume*' -type f -size +1000k 2>/dev/null | head -1)
check "a volume file stays sparse in the backup (1 GiB apparent, little allocated)" \
    bash -c "[ -n '$vol_file' ] && [ \$(du -k '$vol_file' | cut -f1) -lt 10240 ] && [ \$(stat -c %s '$vol_file') -ge 1073741824 ]"
refuse "a backup into a non-empty directory is refused" "not empty" "$CLOUDBOX_BIN" admin backup "$backup" --data-dir "$CB_DATA"

kill "$CB_PID"; wait "$CB_PID" 2>/dev/null; CB_PID=""
refuse "restore into a non-empty data dir is refused" "not empty" "$CLOUDBOX_BIN" admin restore "$backup" --data-dir "$CB_DATA"
check "cloudbox admin restore SRC --data-dir EMPTY" "$CLOUDBOX_BIN" admin restore "$backup" --data-dir "$restored"
check "the restored data dir is 0700" bash -c "[ \"\$(stat -c %a '$restored')\" = 700 ]"

original=$CB_DATA
CB_DATA=$restored
cp "$original/serve.log" "$restored/serve.log" 2>/dev/null
launch_cloudbox
check "the restored cloud authenticates the same admin" openstack token issue
check "the restored image has the same bytes" bash -c "openstack image save --file '$restored/image.out' backed-up && cmp '$original/image.bin' '$restored/image.out'"
check "the restored volume is there" bash -c "openstack volume show backed-up-vol -f value -c size | grep -qx 1"
check "the restored network is there" openstack network show backed-up-net
check "the restored object has the same bytes" bash -c "openstack object save backed-up object.txt --file '$restored/object.out' && cmp '$original/object.txt' '$restored/object.out'"
kill "$CB_PID"; wait "$CB_PID" 2>/dev/null; CB_PID=""
CB_DATA=$original
finish
