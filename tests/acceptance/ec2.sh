#!/usr/bin/env bash
# The EC2 Query API with the stock AWS CLI (`aws ec2`) and boto3 against a real `cloudbox serve`:
# regions and zones, key pairs, security groups, volumes, instances (booted by `cloudbox vmm` as in
# compute.sh when the binary has it), addresses, console output, stop/start/terminate, internet
# gateways and route tables on the default VPC (seen on its Neutron router); the same
# resources seen through `openstack`; EC2's error codes for a wrong secret, an unknown id and a quota overrun.
. "$(dirname "$0")/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox

work=$(mktemp -d)
trap 'rm -rf "$work"; stop_cloudbox' EXIT

# --- a project, a member with EC2 credentials, an external network, a bootable image --------
openstack project create acc-ec2 >/dev/null
openstack user create --project acc-ec2 --password ec2-pw acc-ec2-user >/dev/null
openstack role add --project acc-ec2 --user acc-ec2-user member
creds=$(openstack ec2 credentials create --project acc-ec2 --user acc-ec2-user -f json)
access=$(echo "$creds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')
secret=$(echo "$creds" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
openstack network create acc-ext --external >/dev/null
openstack subnet create acc-ext-sub --network acc-ext --subnet-range 100.64.77.0/24 --no-dhcp >/dev/null
openstack quota set --instances 3 acc-ec2

guest_cmdline="console=ttyS0 $(cat "$REPO_ROOT/packaging/guest/kernel-cmdline")"
if [ -z "${CLOUDBOX_GUEST_KERNEL:-}" ] && guest_dir=$("$REPO_ROOT/packaging/guest/build-initramfs.sh" 2>/dev/null | tail -n 1) \
    && [ -f "$guest_dir/vmlinux" ] && [ -f "$guest_dir/initramfs.cpio" ]; then
    CLOUDBOX_GUEST_KERNEL=$guest_dir/vmlinux
    CLOUDBOX_GUEST_INITRD=$guest_dir/initramfs.cpio
    CLOUDBOX_GUEST_CMDLINE=${CLOUDBOX_GUEST_CMDLINE:-$guest_cmdline}
fi
kernel_file=${CLOUDBOX_GUEST_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | head -1)}
initrd_file=${CLOUDBOX_GUEST_INITRD:-$(ls /boot/initrd.img-* 2>/dev/null | head -1)}
truncate -s 64M "$work/root.raw"
openstack image create acc-ec2-kernel --file "$kernel_file" --disk-format aki --container-format aki --public >/dev/null
openstack image create acc-ec2-ramdisk --file "$initrd_file" --disk-format ari --container-format ari --public >/dev/null
openstack image create acc-ec2-disk --file "$work/root.raw" --disk-format raw --container-format bare --public \
    --property kernel_id="$(openstack image show acc-ec2-kernel -f value -c id)" \
    --property ramdisk_id="$(openstack image show acc-ec2-ramdisk -f value -c id)" \
    --property os_command_line="${CLOUDBOX_GUEST_CMDLINE:-console=ttyS0 panic=-1}" >/dev/null
if "$CLOUDBOX_BIN" vmm --help 2>&1 | grep -q -- --kernel; then BOOTS=1; else BOOTS=0; fi

export AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=RegionOne
export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
: >"$AWS_CONFIG_FILE"
ec2() { aws ec2 --endpoint-url "$CB_EC2_URL" --region RegionOne --output text "$@"; }

# --- regions, zones, catalog ---------------------------------------------------------------
check "describe-regions names RegionOne" bash -c "aws ec2 --endpoint-url $CB_EC2_URL describe-regions --output text | grep -q RegionOne"
check "describe-availability-zones shows nova" bash -c "ec2() { aws ec2 --endpoint-url $CB_EC2_URL --output text \"\$@\"; }; ec2 describe-availability-zones --query 'AvailabilityZones[].ZoneName' | grep -qw nova"
check "the catalog has the ec2 service on its own port" bash -c "openstack catalog show ec2 -f value | grep -q '$CB_EC2_URL'"

# --- key pair, security group, volume ------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -f "$work/key" >/dev/null
check "import-key-pair" ec2 import-key-pair --key-name acc-key --public-key-material "fileb://$work/key.pub"
check "describe-key-pairs --key-pair-ids finds it by its key- id" bash -c "kid=\$(aws ec2 --endpoint-url $CB_EC2_URL --output text describe-key-pairs --key-names acc-key --query 'KeyPairs[0].KeyPairId') &&
    [[ \$kid =~ ^key-[0-9a-f]{17}$ ]] && aws ec2 --endpoint-url $CB_EC2_URL --output text describe-key-pairs --key-pair-ids \$kid --query 'KeyPairs[0].KeyName' | grep -qx acc-key"
check "the key pair is Nova's, with the same name" bash -c "openstack keypair list --user acc-ec2-user -f value -c Name | grep -qx acc-key"
sg=$(ec2 create-security-group --group-name acc-web --description "web servers" --query GroupId)
check "create-security-group answers an sg- id" bash -c "[[ '$sg' =~ ^sg-[0-9a-f]{17}$ ]]"
check "authorize-security-group-ingress tcp/22" ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 22 --cidr 0.0.0.0/0
check "the group and rule are Neutron's" bash -c "openstack security group rule list \$(openstack security group list --project acc-ec2 -f value -c ID -c Name | awk '\$2 == \"acc-web\" {print \$1}') -f value | grep -q '22:22'"
vol=$(ec2 create-volume --size 1 --availability-zone nova --tag-specifications 'ResourceType=volume,Tags=[{Key=Name,Value=acc-data}]' --query VolumeId)
check "create-volume answers a vol- id" bash -c "[[ '$vol' =~ ^vol-[0-9a-f]{17}$ ]]"
check "the volume is Cinder's, named by its Name tag" bash -c "for i in \$(seq 50); do openstack volume list --project acc-ec2 -f value -c Name -c Status | grep -q 'acc-data available' && exit 0; sleep 0.2; done; exit 1"

# --- an instance -----------------------------------------------------------------------------
ami=$(ec2 describe-images --filters Name=name,Values=acc-ec2-disk --query 'Images[0].ImageId')
check "describe-images maps the image to an ami- id" bash -c "[[ '$ami' =~ ^ami-[0-9a-f]{17}$ ]]"
iid=$(ec2 run-instances --image-id "$ami" --instance-type m1.tiny --count 1 --key-name acc-key --security-group-ids "$sg" \
    --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=acc-ec2-vm}]' --query 'Instances[0].InstanceId')
check "run-instances answers an i- id" bash -c "[[ '$iid' =~ ^i-[0-9a-f]{17}$ ]]"
check "the instance is a Nova server named by its Name tag, with the key" bash -c "openstack server list --project acc-ec2 -f value -c Name -c 'Key Name' --long 2>/dev/null | grep -q acc-ec2-vm || openstack server list --project acc-ec2 -f value -c Name | grep -qx acc-ec2-vm"
if [ "$BOOTS" = 1 ]; then
    echo "# cloudbox vmm is present: the instance must boot"
    check "describe-instances shows it running under its tag:Name" bash -c "
        for i in \$(seq 300); do
            aws ec2 --endpoint-url $CB_EC2_URL --output text describe-instances --filters Name=tag:Name,Values=acc-ec2-vm Name=instance-state-name,Values=running \
                --query 'Reservations[].Instances[].InstanceId' | grep -q '$iid' && exit 0; sleep 1; done; exit 1"
    check "attach-volume" ec2 attach-volume --volume-id "$vol" --instance-id "$iid" --device /dev/vdb
    check "the volume is in-use on the instance" bash -c "for i in \$(seq 100); do [ \"\$(aws ec2 --endpoint-url $CB_EC2_URL --output text describe-volumes --volume-ids $vol --query 'Volumes[0].State')\" = in-use ] && exit 0; sleep 0.3; done; exit 1"
    alloc=$(ec2 allocate-address --domain vpc --query AllocationId)
    check "allocate-address answers an eipalloc- id" bash -c "[[ '$alloc' =~ ^eipalloc-[0-9a-f]{17}$ ]]"
    check "associate-address with the instance" ec2 associate-address --allocation-id "$alloc" --instance-id "$iid"
    check "the address is a floating IP on the instance's port" bash -c "
        ip=\$(aws ec2 --endpoint-url $CB_EC2_URL --output text describe-addresses --allocation-ids $alloc --query 'Addresses[0].PublicIp') &&
        openstack floating ip list --project acc-ec2 -f value -c 'Floating IP Address' -c Port | grep \"^\$ip \" | grep -vq None"
    check "get-console-output has the guest kernel's messages" bash -c "
        for i in \$(seq 100); do aws ec2 --endpoint-url $CB_EC2_URL --output text get-console-output --instance-id $iid --query Output | grep -q 'Linux version' && exit 0; sleep 1; done; exit 1"
    check "stop-instances, then stopped" bash -c "aws ec2 --endpoint-url $CB_EC2_URL stop-instances --instance-ids $iid >/dev/null &&
        for i in \$(seq 100); do [ \"\$(aws ec2 --endpoint-url $CB_EC2_URL --output text describe-instances --instance-ids $iid --query 'Reservations[0].Instances[0].State.Name')\" = stopped ] && exit 0; sleep 0.3; done; exit 1"
    check "openstack shows it SHUTOFF (the admin lists the EC2 user's project)" bash -c "[ \"\$(openstack server list --project acc-ec2 --name '^acc-ec2-vm\$' -f value -c Status)\" = SHUTOFF ]"
    check "start-instances, then running" bash -c "aws ec2 --endpoint-url $CB_EC2_URL start-instances --instance-ids $iid >/dev/null &&
        for i in \$(seq 100); do [ \"\$(aws ec2 --endpoint-url $CB_EC2_URL --output text describe-instances --instance-ids $iid --query 'Reservations[0].Instances[0].State.Name')\" = running ] && exit 0; sleep 0.3; done; exit 1"
    check "disassociate and release the address" bash -c "aws ec2 --endpoint-url $CB_EC2_URL disassociate-address --association-id \
        \$(aws ec2 --endpoint-url $CB_EC2_URL --output text describe-addresses --allocation-ids $alloc --query 'Addresses[0].AssociationId') &&
        aws ec2 --endpoint-url $CB_EC2_URL release-address --allocation-id $alloc"
    check "detach-volume" ec2 detach-volume --volume-id "$vol"
else
    echo "# cloudbox vmm is NOT in this binary: the instance ends stopped (Nova ERROR)"
    check "describe-instances finds it by tag:Name" bash -c "ec2() { aws ec2 --endpoint-url $CB_EC2_URL --output text \"\$@\"; }; ec2 describe-instances --filters Name=tag:Name,Values=acc-ec2-vm --query 'Reservations[].Instances[].InstanceId' | grep -q '$iid'"
fi
check "terminate-instances" bash -c "aws ec2 --endpoint-url $CB_EC2_URL --output text terminate-instances --instance-ids $iid --query 'TerminatingInstances[0].CurrentState.Name' | grep -q shutting-down"
check "the server is gone from openstack" bash -c "for i in \$(seq 100); do openstack server list --project acc-ec2 -f value -c Name | grep -qx acc-ec2-vm || exit 0; sleep 0.3; done; exit 1"

# --- internet gateways and route tables on the default VPC (its router is Neutron's default-vpc) --
# gateway_is NETWORK_ID|none: the default VPC's router as openstack router show prints it
gateway_is() { [ "$(openstack router show default-vpc -f json | python3 -c 'import json,sys; g=json.load(sys.stdin).get("external_gateway_info") or {}; print(g.get("network_id") or "none")')" = "$1" ]; }
ext_net=$(openstack network show acc-ext -f value -c id)
default_vpc=$(ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].VpcId')
default_igw=$(ec2 describe-internet-gateways --filters Name=attachment.vpc-id,Values="$default_vpc" --query 'InternetGateways[0].InternetGatewayId')
check "the default VPC came with an attached internet gateway (as in ec2-api)" bash -c "[[ '$default_igw' =~ ^igw-[0-9a-f]{17}$ ]]"
igw=$(ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
check "create-internet-gateway answers an igw- id" bash -c "[[ '$igw' =~ ^igw-[0-9a-f]{17}$ ]]"
refuse "a second gateway on the default VPC is InvalidParameterValue" "InvalidParameterValue" \
    ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$default_vpc"
check "detach-internet-gateway (the default one)" ec2 detach-internet-gateway --internet-gateway-id "$default_igw" --vpc-id "$default_vpc"
check "openstack router show: no external gateway then" gateway_is none
check "attach-internet-gateway to the default VPC" ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$default_vpc"
check "describe-route-tables: 0.0.0.0/0 goes to the new gateway" bash -c "aws ec2 --endpoint-url $CB_EC2_URL --output text describe-route-tables \
    --filters Name=vpc-id,Values=$default_vpc --query \"RouteTables[].Routes[?DestinationCidrBlock=='0.0.0.0/0'].[GatewayId,State]\" | grep -q '$igw[[:space:]]*active'"
check "openstack router show: the VPC's router has the external network as its gateway" gateway_is "$ext_net"
refuse "deleting an attached gateway is DependencyViolation" "DependencyViolation" ec2 delete-internet-gateway --internet-gateway-id "$igw"
check "detach-internet-gateway" ec2 detach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$default_vpc"
check "delete-internet-gateway" ec2 delete-internet-gateway --internet-gateway-id "$igw"
refuse "the deleted gateway is InvalidInternetGatewayID.NotFound" "InvalidInternetGatewayID.NotFound" \
    ec2 describe-internet-gateways --internet-gateway-ids "$igw"
check "the default gateway attaches again" ec2 attach-internet-gateway --internet-gateway-id "$default_igw" --vpc-id "$default_vpc"

# --- boto3 -----------------------------------------------------------------------------------
cat >"$work/boto.py" <<'PY'
import os, sys, boto3, botocore
ec2 = boto3.client("ec2", endpoint_url=os.environ["CB_EC2_URL"], region_name="RegionOne")
assert [r["RegionName"] for r in ec2.describe_regions()["Regions"]] == ["RegionOne"]
assert "nova" in [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
key = ec2.create_key_pair(KeyName="acc-boto-key")
assert "PRIVATE KEY" in key["KeyMaterial"]
group = ec2.create_security_group(GroupName="acc-boto", Description="boto3")["GroupId"]
ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
assert any(p.get("FromPort") == 80 for p in perms), perms
volume = ec2.create_volume(Size=1, AvailabilityZone="nova")["VolumeId"]
ec2.create_tags(Resources=[volume], Tags=[{"Key": "team", "Value": "acc"}])
assert [v["VolumeId"] for v in ec2.describe_volumes(Filters=[{"Name": "tag:team", "Values": ["acc"]}])["Volumes"]] == [volume]
try:
    ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    sys.exit("unknown instance was not refused")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidInstanceID.NotFound", e.response
ec2.delete_key_pair(KeyName="acc-boto-key")
ec2.delete_security_group(GroupId=group)
print("boto3 ok")
PY
check "boto3: regions, zones, key pair, group and rule, volume with a tag filter, an unknown id" /usr/bin/python3 "$work/boto.py"

# --- refusals ----------------------------------------------------------------------------------
refuse "a wrong secret key is SignatureDoesNotMatch" "SignatureDoesNotMatch" env AWS_SECRET_ACCESS_KEY=not-the-secret \
    aws ec2 --endpoint-url "$CB_EC2_URL" describe-instances
refuse "an unknown access key is AuthFailure" "AuthFailure" env AWS_ACCESS_KEY_ID=AKIDNOTKNOWN aws ec2 --endpoint-url "$CB_EC2_URL" describe-instances
refuse "a signature for another region is refused" "AuthFailure" aws ec2 --endpoint-url "$CB_EC2_URL" --region us-west-2 describe-instances
refuse "an unknown instance id is InvalidInstanceID.NotFound" "InvalidInstanceID.NotFound" \
    aws ec2 --endpoint-url "$CB_EC2_URL" describe-instances --instance-ids i-0123456789abcdef0
refuse "a quota overrun is InstanceLimitExceeded" "InstanceLimitExceeded" \
    aws ec2 --endpoint-url "$CB_EC2_URL" run-instances --image-id "$ami" --instance-type m1.tiny --count 5
check "delete-volume" ec2 delete-volume --volume-id "$vol"

finish
