#!/usr/bin/env bash
# Networking with Debian's stock openstackclient: the acceptance list of issue 5. The kernel data
# plane is left off here (it has tests of its own in throwaway namespaces), so the script can run
# beside anything else on the machine.
. "$(dirname "$0")/lib.sh"
export CLOUDBOX_NETWORK_DATA_PLANE=off
start_cloudbox

run=$RANDOM
check "network list (version discovery, extensions)" openstack network list
check "catalog has a network endpoint" bash -c 'openstack catalog list -f value -c Type | grep -qx network'

check "network create" openstack network create "net-$run"
check "network list shows it" bash -c "openstack network list -f value -c Name | grep -qx net-$run"
check "network set --description" openstack network set "net-$run" --description changed
check "network show reflects set" bash -c "openstack network show net-$run -f value -c description | grep -qx changed"
check "subnet create with pool, gateway and dns" openstack subnet create "sub-$run" --network "net-$run" --subnet-range 10.50.0.0/24 \
    --allocation-pool start=10.50.0.10,end=10.50.0.100 --gateway 10.50.0.1 --dns-nameserver 10.50.0.53
check "subnet show has the pool" bash -c "openstack subnet show sub-$run -f json -c allocation_pools | grep -q '10.50.0.100'"
refuse "an invalid CIDR is refused" "400" openstack subnet create "bad-$run" --network "net-$run" --subnet-range 10.60.0.300/24
refuse "an overlapping subnet is refused" "400" openstack subnet create "over-$run" --network "net-$run" --subnet-range 10.50.0.128/25

check "port create with a fixed ip" openstack port create "port-$run" --network "net-$run" --fixed-ip subnet="sub-$run",ip-address=10.50.0.20
check "port show has the address" bash -c "openstack port show port-$run -f value -c fixed_ips | grep -q 10.50.0.20"
check "port create takes the next free address" bash -c "openstack port create port2-$run --network net-$run -f value -c fixed_ips | grep -q 10.50.0.10"
refuse "an address already in use is refused" "409" openstack port create "dup-$run" --network "net-$run" --fixed-ip subnet="sub-$run",ip-address=10.50.0.20
refuse "an address outside the subnet is refused" "400" openstack port create "out-$run" --network "net-$run" --fixed-ip subnet="sub-$run",ip-address=10.99.0.5
check "port list --fixed-ip" bash -c "openstack port list --fixed-ip ip-address=10.50.0.20 -f value -c Name | grep -qx port-$run"

# IPv6 with SLAAC: the port's address is the EUI-64 address of its MAC, which the guest configures from the router's advertisements.
check "IPv6 network create" openstack network create "net6-$run"
check "second IPv6 network create" openstack network create "net6b-$run"
check "subnet create --ip-version 6 --ipv6-ra-mode slaac --ipv6-address-mode slaac" openstack subnet create "sub6-$run" --network "net6-$run" \
    --ip-version 6 --subnet-range fd00:50::/64 --ipv6-ra-mode slaac --ipv6-address-mode slaac --dns-nameserver fd00:50::53
check "the IPv6 subnet shows its modes and gateway" bash -c "openstack subnet show sub6-$run -f value -c ipv6_address_mode -c ipv6_ra_mode -c gateway_ip | sort | tr '\n' ' ' | grep -q 'fd00:50::1 slaac slaac'"
check "a port on it has the EUI-64 address of its MAC" bash -c \
    "openstack port create port6-$run --network net6-$run --mac-address fa:16:3e:00:50:01 -f value -c fixed_ips | grep -q 'fd00:50::f816:3eff:fe00:5001'"
refuse "an address of one's choice on a SLAAC subnet is refused" "400" openstack port create "p6bad-$run" --network "net6-$run" \
    --fixed-ip subnet="sub6-$run",ip-address=fd00:50::99
# DHCPv6: stateful subnets lease addresses from the pool (CloudBox's own DHCPv6 server); the two modes must agree.
check "subnet create --ipv6-ra-mode dhcpv6-stateful --ipv6-address-mode dhcpv6-stateful" openstack subnet create "stateful-$run" \
    --network "net6b-$run" --ip-version 6 --subnet-range fd00:51::/64 --ipv6-ra-mode dhcpv6-stateful --ipv6-address-mode dhcpv6-stateful
check "a port on the stateful subnet gets an address from its pool" bash -c \
    "openstack port create port6s-$run --network net6b-$run -f value -c fixed_ips | grep -q 'fd00:51::'"
refuse "an RA mode that disagrees with the address mode is refused" "400" openstack subnet create "mixed-$run" --network "net6b-$run" \
    --ip-version 6 --subnet-range fd00:52::/64 --ipv6-ra-mode slaac --ipv6-address-mode dhcpv6-stateful

check "security group create" openstack security group create "sg-$run" --description web
check "security group rule create" openstack security group rule create "sg-$run" --protocol tcp --dst-port 22 --remote-ip 0.0.0.0/0
refuse "a duplicate rule is refused" "409" openstack security group rule create "sg-$run" --protocol tcp --dst-port 22 --remote-ip 0.0.0.0/0
check "security group rule list shows it" bash -c "openstack security group rule list sg-$run -f value -c 'Port Range' | grep -q '22:22'"
check "the default group exists" bash -c "openstack security group list -f value -c Name | grep -qx default"
check "port set --security-group" openstack port set "port-$run" --security-group "sg-$run"
check "IPv6 security group rule create" openstack security group rule create "sg-$run" --ethertype IPv6 --protocol ipv6-icmp --remote-ip fd00:50::/64

check "external network create" openstack network create "ext-$run" --external --provider-network-type flat --provider-physical-network external
check "external subnet create" openstack subnet create "extsub-$run" --network "ext-$run" --subnet-range 203.0.113.0/24 --no-dhcp
check "router create" openstack router create "router-$run"
check "router set --external-gateway" openstack router set "router-$run" --external-gateway "ext-$run"
check "router show has the gateway" bash -c "openstack router show router-$run -f value -c external_gateway_info | grep -q 203.0.113"
check "router add subnet" openstack router add subnet "router-$run" "sub-$run"
check "router add an IPv6 subnet" openstack router add subnet "router-$run" "sub6-$run"
check "the router's IPv6 interface holds the gateway" bash -c "openstack port list --router router-$run -f value -c fixed_ips | grep -q 'fd00:50::1'"
check "floating ip create" openstack floating ip create "ext-$run"
FIP=$(echo "$LAST_OUTPUT" | awk '$2 == "floating_ip_address" {print $4}')
check "floating ip set --port" openstack floating ip set --port "port-$run" "$FIP"
check "floating ip show is bound to the port's address" bash -c "openstack floating ip show $FIP -f value -c fixed_ip_address | grep -qx 10.50.0.20"
refuse "deleting a network with ports in use is refused" "409" openstack network delete "net-$run"

# A member of another project.
check "project for a member" openstack project create "proj-$run"
check "member user" openstack user create "bob-$run" --project "proj-$run" --password bob-pass-1
check "member role" openstack role add --project "proj-$run" --user "bob-$run" member
as_bob() {
    env -u OS_PASSWORD -u OS_USERNAME -u OS_PROJECT_NAME OS_USERNAME="bob-$run" OS_PASSWORD=bob-pass-1 OS_PROJECT_NAME="proj-$run" "$@"
}
check "a member creates a network" as_bob openstack network create "bobnet-$run"
refuse "a member cannot create an external network" "403" as_bob openstack network create "bobext-$run" --external
check "a member sees the external network" bash -c "$(declare -f as_bob); run=$run as_bob openstack network list -f value -c Name | grep -qx ext-$run"
check "a member does not see the admin's network" bash -c "$(declare -f as_bob); run=$run; ! as_bob openstack network list -f value -c Name | grep -qx net-$run"

# openstackclient's quota set also asks Compute, which this binary may not host; the API is called directly.
quota_put() {
    local token project
    token=$(openstack token issue -f value -c id)
    project=$(openstack project show "proj-$run" -f value -c id)
    curl -fsS -X PUT -H "X-Auth-Token: $token" -H "Content-Type: application/json" \
        -d '{"quota": {"network": 1}}' "$CB_URL/network/v2.0/quotas/$project"
}
check "quota set (network 1)" quota_put
refuse "a member over quota is refused" "409" as_bob openstack network create "bobnet2-$run"

# The deletes, in the order a user would run them.
check "floating ip delete" openstack floating ip delete "$FIP"
check "router remove subnet" openstack router remove subnet "router-$run" "sub-$run"
check "router remove the IPv6 subnet" openstack router remove subnet "router-$run" "sub6-$run"
check "router unset --external-gateway" openstack router unset --external-gateway "router-$run"
check "router delete" openstack router delete "router-$run"
check "port delete" openstack port delete "port-$run" "port2-$run" "port6-$run" "port6s-$run"
check "security group rule delete" bash -c "openstack security group rule delete \$(openstack security group rule list sg-$run --protocol tcp -f value -c ID)"
check "security group delete" openstack security group delete "sg-$run"
check "subnet delete" openstack subnet delete "sub-$run" "sub6-$run" "stateful-$run"
check "network delete" openstack network delete "net-$run" "ext-$run" "net6-$run" "net6b-$run"
check "network is gone" bash -c "! openstack network list -f value -c Name | grep -qx net-$run"
finish
