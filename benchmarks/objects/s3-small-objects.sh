#!/usr/bin/env bash
# S3 small objects: 4 KiB PUT and GET per second with 16 concurrent clients against a real
# `cloudbox serve` (SQLite, fresh data directory on this disk), measured by s3load.cs.
#   benchmarks/objects/s3-small-objects.sh [concurrency=16] [seconds=10] [bytes=4096]
# Uses CLOUDBOX_BIN (default .build/cloudbox/cloudbox: dotnet publish src/CloudBox -c Release -o .build/cloudbox).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../tests/acceptance/lib.sh"
start_cloudbox

credential=$(openstack ec2 credentials create -f json)
access=$(echo "$credential" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
secret=$(echo "$credential" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 \
    aws --endpoint-url "$CB_S3_URL" s3 mb s3://bench >/dev/null

echo "cloudbox $("$CLOUDBOX_BIN" version 2>/dev/null | head -1), $(nproc) cores, data dir $CB_DATA ($(df -h --output=source "$CB_DATA" | tail -1))"
dotnet run -c Release "$here/s3load.cs" -- "$CB_S3_URL" "$access" "$secret" bench "${1:-16}" "${2:-10}" "${3:-4096}"
