#!/usr/bin/env bash
# S3 with the stock clients (awscli, s3cmd, curl) against a real `cloudbox serve`: buckets,
# objects, metadata, copy, presigned URLs, a 40 MB multipart upload, and the refusals
# (bad signature, another project's bucket). An S3 bucket is the Swift container of the project.
. "$(dirname "$0")/lib.sh"
start_cloudbox

work=$(mktemp -d /tmp/objects-s3-XXXXXX)
cleanup() { rm -rf "$work"; stop_cloudbox; }
trap cleanup EXIT

s3_host=${CB_S3_URL#http://}
project_id=$(openstack token issue -f value -c project_id)

# EC2 credentials for the admin project: what aws and s3cmd sign with.
credential=$(openstack ec2 credentials create -f json)
access=$(echo "$credential" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
secret=$(echo "$credential" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
export AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=RegionOne
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
: >"$AWS_CONFIG_FILE"
s3() { aws --endpoint-url "$CB_S3_URL" "$@"; }

cat >"$work/s3cfg" <<CFG
[default]
access_key = $access
secret_key = $secret
host_base = $s3_host
host_bucket = $s3_host
use_https = False
signature_v2 = False
bucket_location = RegionOne
CFG
sc() { s3cmd -c "$work/s3cfg" "$@"; }

echo "hello from s3" >"$work/hello.txt"
head -c 40000000 /dev/urandom >"$work/big.bin"

# ---- aws s3 -----------------------------------------------------------------------------
check "catalog publishes the S3 endpoint" sh -c "openstack catalog show s3 -f json | grep -q '$CB_S3_URL'"
check "aws s3 mb" s3 s3 mb s3://acc-bucket
check "aws s3 ls lists the bucket" sh -c "aws --endpoint-url $CB_S3_URL s3 ls | grep -q acc-bucket"
check "aws s3 cp uploads" s3 s3 cp --only-show-errors "$work/hello.txt" "s3://acc-bucket/docs/hello world+1.txt"
check "aws s3 ls shows the prefix and the key" sh -c "
    aws --endpoint-url $CB_S3_URL s3 ls s3://acc-bucket/ | grep -q 'PRE docs/' &&
    aws --endpoint-url $CB_S3_URL s3 ls s3://acc-bucket/docs/ | grep -q 'hello world+1.txt'"
check "aws s3 cp downloads the same bytes" sh -c "
    aws --endpoint-url $CB_S3_URL s3 cp 's3://acc-bucket/docs/hello world+1.txt' '$work/hello.back' --only-show-errors &&
    cmp '$work/hello.txt' '$work/hello.back'"

presigned=$(s3 s3 presign "s3://acc-bucket/docs/hello world+1.txt" --expires-in 300)
check "aws s3 presign URL fetched with curl" sh -c "curl -fsS '$presigned' | grep -q 'hello from s3'"
cat >"$AWS_CONFIG_FILE" <<CFG
[default]
s3 =
    signature_version = s3v4
CFG
presigned_v4=$(s3 s3 presign "s3://acc-bucket/docs/hello world+1.txt" --expires-in 300)
: >"$AWS_CONFIG_FILE"
check "aws s3 presign (SigV4) URL fetched with curl" sh -c "echo '$presigned_v4' | grep -q X-Amz-Signature && curl -fsS '$presigned_v4' | grep -q 'hello from s3'"
refuse "a tampered presigned URL is refused" "403 SignatureDoesNotMatch" sh -c "
    out=\$(curl -sS -o '$work/tampered.xml' -w '%{http_code}' '${presigned_v4/acc-bucket\/docs/acc-bucket\/docz}'); echo \"\$out \$(grep -o 'SignatureDoesNotMatch' '$work/tampered.xml')\"; [ \"\$out\" = 200 ]"

check "a 40 MB aws s3 cp goes up multipart" s3 s3 cp --only-show-errors "$work/big.bin" s3://acc-bucket/big.bin
check "its ETag is multipart-style (md5 of part md5s - N)" sh -c "
    aws --endpoint-url $CB_S3_URL s3api head-object --bucket acc-bucket --key big.bin --query ETag --output text | grep -Eq '^\"?[0-9a-f]{32}-[0-9]+\"?$'"
check "the 40 MB object comes back with the same checksum" sh -c "
    aws --endpoint-url $CB_S3_URL s3 cp s3://acc-bucket/big.bin '$work/big.back' --only-show-errors &&
    [ \"\$(sha256sum < '$work/big.bin')\" = \"\$(sha256sum < '$work/big.back')\" ]"

check "aws s3 cp between buckets copies the 40 MB object server-side (multipart copy)" sh -c "
    aws --endpoint-url $CB_S3_URL s3 mb s3://acc-copies >/dev/null &&
    aws --endpoint-url $CB_S3_URL s3 cp s3://acc-bucket/big.bin s3://acc-copies/big.bin --only-show-errors &&
    aws --endpoint-url $CB_S3_URL s3 cp s3://acc-copies/big.bin '$work/big.copy' --only-show-errors &&
    cmp '$work/big.bin' '$work/big.copy' &&
    aws --endpoint-url $CB_S3_URL s3 rb s3://acc-copies --force >/dev/null"

mkdir -p "$work/tree/sub" "$work/tree.back"
echo one >"$work/tree/one.txt"; echo two >"$work/tree/sub/two.txt"
check "aws s3 sync up and back down reproduces a directory tree" sh -c "
    aws --endpoint-url $CB_S3_URL s3 sync '$work/tree' s3://acc-bucket/tree --only-show-errors &&
    aws --endpoint-url $CB_S3_URL s3 sync s3://acc-bucket/tree '$work/tree.back' --only-show-errors &&
    diff -r '$work/tree' '$work/tree.back'"

# ---- aws s3api ----------------------------------------------------------------------------
check "s3api put-object with metadata" s3 s3api put-object --bucket acc-bucket --key meta.txt --body "$work/hello.txt" \
    --metadata color=blue,owner=ops --content-type text/x-acceptance
check "s3api head-object shows metadata, type and ETag" sh -c "
    out=\$(aws --endpoint-url $CB_S3_URL s3api head-object --bucket acc-bucket --key meta.txt --output json);
    echo \"\$out\" | grep -q '\"color\": \"blue\"' && echo \"\$out\" | grep -q 'text/x-acceptance' &&
    echo \"\$out\" | grep -q \"\$(md5sum < '$work/hello.txt' | cut -c1-32)\""
check "s3api copy-object copies bytes and metadata" sh -c "
    aws --endpoint-url $CB_S3_URL s3api copy-object --bucket acc-bucket --key meta-copy.txt --copy-source acc-bucket/meta.txt >/dev/null &&
    aws --endpoint-url $CB_S3_URL s3api head-object --bucket acc-bucket --key meta-copy.txt --output json | grep -q '\"owner\": \"ops\"'"
check "s3api get-object with a range" sh -c "
    aws --endpoint-url $CB_S3_URL s3api get-object --bucket acc-bucket --key meta.txt --range bytes=0-4 '$work/range.out' >/dev/null &&
    [ \"\$(cat '$work/range.out')\" = hello ]"
check "s3api list-objects-v2 pages with continuation tokens" sh -c "
    for i in 1 2 3; do aws --endpoint-url $CB_S3_URL s3api put-object --bucket acc-bucket --key page/\$i --body '$work/hello.txt' >/dev/null; done;
    [ \"\$(aws --endpoint-url $CB_S3_URL s3api list-objects-v2 --bucket acc-bucket --prefix page/ --page-size 1 --query 'Contents[].Key' --output text | wc -w)\" = 3 ]"
check "aws s3 rm deletes" sh -c "
    aws --endpoint-url $CB_S3_URL s3 rm s3://acc-bucket/meta-copy.txt --only-show-errors &&
    ! aws --endpoint-url $CB_S3_URL s3 ls s3://acc-bucket/meta-copy.txt"
refuse "a non-empty bucket cannot be removed" "BucketNotEmpty" s3 s3api delete-bucket --bucket acc-bucket
refuse "a missing key is NoSuchKey (404)" "Not Found" s3 s3api head-object --bucket acc-bucket --key no-such-key

# ---- s3cmd --------------------------------------------------------------------------------
check "s3cmd mb" sc mb s3://acc-s3cmd
check "s3cmd put" sc put "$work/hello.txt" s3://acc-s3cmd/dir/hello.txt
check "s3cmd ls" sh -c "s3cmd -c '$work/s3cfg' ls s3://acc-s3cmd/dir/ | grep -q 's3://acc-s3cmd/dir/hello.txt'"
check "s3cmd get returns the same bytes" sh -c "s3cmd -c '$work/s3cfg' get --force s3://acc-s3cmd/dir/hello.txt '$work/s3cmd.back' >/dev/null && cmp '$work/hello.txt' '$work/s3cmd.back'"
check "s3cmd info shows the object's MD5 and owner's ACL" sh -c "
    out=\$(s3cmd -c '$work/s3cfg' info s3://acc-s3cmd/dir/hello.txt) &&
    echo \"\$out\" | grep -q \"\$(md5sum < '$work/hello.txt' | cut -c1-32)\" && echo \"\$out\" | grep -q 'FULL_CONTROL'"
check "s3cmd del" sc del s3://acc-s3cmd/dir/hello.txt
check "s3cmd rb of the emptied bucket" sc rb s3://acc-s3cmd

# ---- refusals -----------------------------------------------------------------------------
refuse "a bad secret is SignatureDoesNotMatch" "SignatureDoesNotMatch" env AWS_SECRET_ACCESS_KEY=not-the-secret \
    aws --endpoint-url "$CB_S3_URL" s3 ls s3://acc-bucket
refuse "a bad signature answers 403 with S3's XML error" "403 <?xml" sh -c "
    curl -sS -w '%{http_code} ' -o '$work/bad.xml' -H \"Authorization: AWS4-HMAC-SHA256 Credential=$access/\$(date -u +%Y%m%d)/RegionOne/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=0000\" \
        -H \"x-amz-date: \$(date -u +%Y%m%dT%H%M%SZ)\" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' '$CB_S3_URL/acc-bucket/'; cat '$work/bad.xml'; grep -q '<Code>SignatureDoesNotMatch</Code>' '$work/bad.xml' && exit 1"
refuse "a request signed for another region is AuthorizationHeaderMalformed, naming ours" "400 <?xml" sh -c "
    curl -sS -w '%{http_code} ' -o '$work/region.xml' -H \"Authorization: AWS4-HMAC-SHA256 Credential=$access/\$(date -u +%Y%m%d)/us-west-2/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature=0000\" \
        -H \"x-amz-date: \$(date -u +%Y%m%dT%H%M%SZ)\" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' '$CB_S3_URL/acc-bucket/'; cat '$work/region.xml';
    grep -q '<Code>AuthorizationHeaderMalformed</Code>' '$work/region.xml' && grep -q '<Region>RegionOne</Region>' '$work/region.xml' && exit 1; exit 0"
check "awscli signed for another region follows the error's Region and succeeds" aws --region us-west-2 --endpoint-url "$CB_S3_URL" s3 ls s3://acc-bucket
refuse "an unknown access key is InvalidAccessKeyId" "InvalidAccessKeyId" env AWS_ACCESS_KEY_ID=AKIDNOTKNOWN \
    aws --endpoint-url "$CB_S3_URL" s3 ls

openstack project create acc-other >/dev/null
openstack user create --project acc-other --password other-pw acc-other-user >/dev/null
openstack role add --project acc-other --user acc-other-user member
other=$(openstack ec2 credentials create --project acc-other --user acc-other-user -f json)
other_access=$(echo "$other" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
other_secret=$(echo "$other" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
as_other() { env AWS_ACCESS_KEY_ID="$other_access" AWS_SECRET_ACCESS_KEY="$other_secret" aws --endpoint-url "$CB_S3_URL" "$@"; }
refuse "another project's bucket is AccessDenied (403)" "AccessDenied" as_other s3 ls s3://acc-bucket/
refuse "another project cannot read its objects" "Forbidden" as_other s3api head-object --bucket acc-bucket --key meta.txt
refuse "another project cannot take its name" "BucketAlreadyExists" as_other s3 mb s3://acc-bucket
check "the other project sees only its own buckets" sh -c "
    env AWS_ACCESS_KEY_ID=$other_access AWS_SECRET_ACCESS_KEY=$other_secret aws --endpoint-url $CB_S3_URL s3 mb s3://acc-other-bucket &&
    out=\$(env AWS_ACCESS_KEY_ID=$other_access AWS_SECRET_ACCESS_KEY=$other_secret aws --endpoint-url $CB_S3_URL s3 ls) &&
    echo \"\$out\" | grep -q acc-other-bucket && ! echo \"\$out\" | grep -q ' acc-bucket$'"
openstack role remove --project acc-other --user acc-other-user member
refuse "a user who lost the project's role is refused though the secret still signs" "AccessDenied" as_other s3 ls

# ---- one namespace with Swift -------------------------------------------------------------
token=$(openstack token issue -f value -c id)
swift_object="$CB_URL/object-store/v1/AUTH_$project_id/acc-bucket/meta.txt"
check "the bucket's object is seen through Swift with the same bytes" sh -c "
    curl -fsS -H 'X-Auth-Token: $token' '$swift_object' | cmp - '$work/hello.txt'"
check "Swift shows the S3 user metadata as object metadata" sh -c "
    curl -fsSI -H 'X-Auth-Token: $token' '$swift_object' | grep -qi '^X-Object-Meta-Color: blue'"

finish
