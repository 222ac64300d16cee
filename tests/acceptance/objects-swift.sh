#!/usr/bin/env bash
# Swift v1 with the stock clients: python-swiftclient (`swift`) and openstackclient, plus curl
# for anonymous and refused requests, against a real `cloudbox serve` on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
start_cloudbox

work=$(mktemp -d /tmp/objects-swift-XXXXXX)
trap 'stop_cloudbox; rm -rf "$work"' EXIT
cd "$work" || exit 1
export OS_AUTH_TYPE=password

project_id=$(openstack token issue -f value -c project_id)
token=$(openstack token issue -f value -c id)
account_url="$CB_URL/object-store/v1/AUTH_$project_id"

echo "hello from swift" > small.txt
head -c 3145728 /dev/urandom > big.bin       # 3 MiB: three 1 MiB segments
head -c 2621440 /dev/urandom > slo.bin       # 2.5 MiB: SLO segments

# --- swift: the everyday verbs -----------------------------------------------------------
check "swift post creates a container" swift post docs
check "swift upload puts an object" swift upload docs small.txt
check "swift list shows the container" bash -c 'swift list | grep -qx docs'
check "swift list docs shows the object" bash -c 'swift list docs | grep -qx small.txt'
check "swift stat reports account totals" bash -c 'swift stat | grep -Eq "Objects: +1"'
check "swift stat of an object shows its ETag" bash -c "swift stat docs small.txt | grep -q \"ETag: $(md5sum < small.txt | cut -d' ' -f1)\""
check "swift post sets object metadata" swift post docs small.txt -m Color:blue
check "metadata reads back" bash -c 'swift stat docs small.txt | grep -q "Meta Color: blue"'
check "swift download returns the same bytes" bash -c 'swift download docs small.txt -o got.txt && cmp small.txt got.txt'
check "listing with a prefix" bash -c 'swift list docs --prefix small | grep -qx small.txt'

# --- segmented uploads: DLO (default) and SLO ----------------------------------------------
check "swift upload -S (DLO) succeeds" swift upload -S 1048576 docs big.bin
check "the DLO downloads whole and identical" bash -c 'swift download docs big.bin -o big.out && cmp big.bin big.out'
check "the DLO's segments are in docs_segments" bash -c '[ "$(swift list docs_segments | wc -l)" -eq 3 ]'
check "swift upload -S --use-slo succeeds" swift upload -S 1048576 --use-slo docs slo.bin
check "the SLO downloads whole and identical" bash -c 'swift download docs slo.bin -o slo.out && cmp slo.bin slo.out'
check "the SLO is marked static" bash -c 'swift stat docs slo.bin | grep -qi "Manifest\|Static"'
check "swift delete removes an SLO with its segments" swift delete docs slo.bin
check "only the DLO segments remain" bash -c '[ "$(swift list docs_segments | wc -l)" -eq 3 ]'

# --- public read ------------------------------------------------------------------------------
check "swift post -r '.r:*' makes the container public" swift post -r '.r:*' docs
check "anonymous curl GET reads a public object" bash -c "curl -fsS '$account_url/docs/small.txt' | cmp - small.txt"
refuse "anonymous listing without .rlistings is refused" "401" curl -fsS "$account_url/docs"
check "swift post -r '.r:*,.rlistings' allows listings" swift post -r '.r:*,.rlistings' docs
check "anonymous curl lists the public container" bash -c "curl -fsS '$account_url/docs' | grep -qx small.txt"

# --- container CORS ------------------------------------------------------------------------------
check "swift post -m sets a container's CORS origin and max age" \
    swift post docs -m 'Access-Control-Allow-Origin:https://app.example' -m 'Access-Control-Max-Age:600'
check "a preflight from the allowed origin needs no token and gets the rules" bash -c "
    curl -fsS -o /dev/null -D - -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: GET' '$account_url/docs/small.txt' |
    tr -d '\\r' | grep -qix 'access-control-allow-origin: https://app.example'"
refuse "a preflight from another origin is refused" "401" \
    curl -fsS -X OPTIONS -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: GET' "$account_url/docs/small.txt"
check "a GET from the allowed origin carries Access-Control-Allow-Origin" bash -c "
    curl -fsS -o /dev/null -D - -H 'Origin: https://app.example' '$account_url/docs/small.txt' | tr -d '\\r' | grep -qix 'access-control-allow-origin: https://app.example'"

# --- openstackclient ----------------------------------------------------------------------------
check "openstack container create" openstack container create osc-box
check "openstack container list shows it" bash -c 'openstack container list -f value -c Name | grep -qx osc-box'
check "openstack object create" openstack object create osc-box small.txt
check "openstack object list shows it" bash -c 'openstack object list osc-box -f value -c Name | grep -qx small.txt'
check "openstack object show reports its size" bash -c 'openstack object show osc-box small.txt -f value -c content-length | grep -qx 17'
check "openstack object save returns the bytes" bash -c 'openstack object save osc-box small.txt --file osc.out && cmp small.txt osc.out'

# --- refusals --------------------------------------------------------------------------------
bad_etag=00000000000000000000000000000000
refuse "a PUT whose ETag does not match the body is refused (422)" "422" \
    curl -fsS -X PUT -H "X-Auth-Token: $token" -H "ETag: $bad_etag" --data-binary @small.txt "$account_url/docs/tampered"
refuse "nothing was stored for the refused PUT" "404" curl -fsS -H "X-Auth-Token: $token" "$account_url/docs/tampered"
check "an object PUT with the right ETag is accepted" \
    curl -fsS -X PUT -H "X-Auth-Token: $token" -H "ETag: $(md5sum < small.txt | cut -d' ' -f1)" --data-binary @small.txt "$account_url/docs/verified"

other_project=other-$RANDOM
openstack project create "$other_project" >/dev/null
openstack user create --project "$other_project" --password other-pw "user-$other_project" >/dev/null
openstack role add --project "$other_project" --user "user-$other_project" member >/dev/null
other_token=$(OS_USERNAME="user-$other_project" OS_PASSWORD=other-pw OS_PROJECT_NAME="$other_project" openstack token issue -f value -c id)
refuse "another project cannot list this project's private container" "403" \
    swift --os-auth-token "$other_token" --os-storage-url "$account_url" list osc-box
refuse "another project cannot download this project's private object" "403" \
    swift --os-auth-token "$other_token" --os-storage-url "$account_url" download osc-box small.txt -o stolen.txt
refuse "another project cannot upload into this project's container" "403" \
    swift --os-auth-token "$other_token" --os-storage-url "$account_url" upload osc-box small.txt --object-name planted

refuse "an object name that climbs out of the container is refused" "404" \
    curl -fsS --path-as-is -X PUT -H "X-Auth-Token: $token" --data-binary @small.txt "$account_url/docs/../../../../../tmp/cloudbox-escape"
check "and nothing was written outside the data directory" bash -c '[ ! -e /tmp/cloudbox-escape ] && [ ! -e "$CB_DATA/../tmp/cloudbox-escape" ]'
check "an encoded ../ name stays an object name inside the store" bash -c "
    curl -fsS -X PUT -H 'X-Auth-Token: $token' --data-binary @small.txt '$account_url/docs/..%2F..%2F..%2Fescaped' &&
    swift list docs | grep -qx '../../../escaped' && [ ! -e \"\$CB_DATA/../escaped\" ] && [ ! -e \"\$CB_DATA/objects/../escaped\" ]"

# --- clean up with the client ------------------------------------------------------------------
# (python-requests resolves "../" in URLs, so the client cannot address that name; curl can.)
check "the encoded ../ name is deleted by its encoded path" \
    curl -fsS -X DELETE -H "X-Auth-Token: $token" "$account_url/docs/..%2F..%2F..%2Fescaped"
check "swift delete removes an object" swift delete docs small.txt
check "swift delete removes a DLO and its segments" swift delete docs big.bin
check "swift delete --all empties the account" swift delete --all
check "the account is empty afterwards" bash -c '[ -z "$(swift list)" ]'

finish
