#!/usr/bin/env bash
# Orchestration (Heat v1) with the stock client, python3-heatclient's `openstack stack …`: a stack of
# networks, a router with a floating IP, a security group, a port, a volume and a container is
# created, read, updated by difference (in place, extend, replace) and deleted; broken templates are
# refused naming the path; a failing resource rolls the stack back; a kill -9 of serve in the
# middle of a 20-resource create is resumed after the restart.
ACCEPTANCE_NAME=orchestration
. "$(dirname "$0")/lib.sh"

export CLOUDBOX_NETWORK_DATA_PLANE=off
work=$(mktemp -d)
# OS::Glance::WebImage's data comes from a web server on loopback, which serve's web-download may reach here.
mkdir "$work/www"
head -c 1048576 /dev/urandom > "$work/www/disk.raw"
web_port=$(free_port)
python3 -m http.server "$web_port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
web_pid=$!
export CLOUDBOX_IMAGE_IMPORT_ALLOWED_HOSTS=127.0.0.1 CLOUDBOX_IMAGE_IMPORT_ALLOWED_PORTS=$web_port
start_cloudbox
trap 'stop_cloudbox; kill $web_pid 2>/dev/null; rm -rf "$work"' EXIT

check "orchestration endpoint in the catalog" bash -c "openstack catalog show orchestration -f value | grep -q '/orchestration/v1/'"
check "stack list answers (empty)" openstack stack list
check "template version list" bash -c "openstack orchestration template version list -f value -c Version | grep -q 'heat_template_version.2021-04-16'"
check "template function list" bash -c "openstack orchestration template function list heat_template_version.2017-09-01 -f value -c Functions | grep -qx make_url"
check "resource type list" bash -c "openstack orchestration resource type list -f value | grep -qx OS::Neutron::Port"
check "resource type list has the Keystone, Glance and Aodh types" bash -c "openstack orchestration resource type list -f value > $work/types.txt &&
    grep -qx OS::Keystone::User $work/types.txt && grep -qx OS::Keystone::Project $work/types.txt && grep -qx OS::Keystone::Role $work/types.txt &&
    grep -qx OS::Glance::WebImage $work/types.txt && grep -qx OS::Aodh::Alarm $work/types.txt && grep -qx OS::Aodh::GnocchiAggregationByResourcesAlarm $work/types.txt"
check "resource type show" bash -c "openstack orchestration resource type show OS::Cinder::Volume -f json | grep -q update_allowed"
check "resource type list --filter name (a pattern from the start)" bash -c "out=\$(openstack orchestration resource type list --filter name=OS::Neutron:: -f value) &&
    [ -n \"\$out\" ] && ! echo \"\$out\" | grep -qv '^OS::Neutron::'"
check "resource type list --filter support_status --long" bash -c "openstack orchestration resource type list --filter support_status=SUPPORTED --long -f value | grep -q '^OS::Heat::AutoScalingGroup '"
check "resource type show --template-type hot" bash -c "openstack orchestration resource type show OS::Heat::TestResource --template-type hot -f json |
    python3 -c 'import json,sys; t=json.load(sys.stdin); sys.exit(0 if t[\"resources\"][\"TestResource\"][\"properties\"][\"value\"] == {\"get_param\": \"value\"} and \"output\" in t[\"outputs\"] else 1)'"
check "template function list of 2013-05-23 has no list_join" bash -c "openstack orchestration template function list heat_template_version.2013-05-23 -f value -c Functions > $work/fn.txt &&
    grep -qx get_param $work/fn.txt && ! grep -qx list_join $work/fn.txt"

openstack network create acc-ext --external >/dev/null
openstack subnet create acc-ext-sub --network acc-ext --subnet-range 100.64.50.0/24 >/dev/null

cat > "$work/stack.yaml" <<'YAML'
heat_template_version: 2018-08-31
description: network, router with a floating IP, security group, port, volume and container
parameters:
  size: {type: number, default: 1, constraints: [{range: {min: 1, max: 10}}]}
  sg_description: {type: string, default: first}
  marker: {type: string, default: a}
resources:
  net: {type: OS::Neutron::Net, properties: {name: acc-net}}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.71.0.0/24}
  router:
    type: OS::Neutron::Router
    properties: {external_gateway_info: {network: acc-ext}}
  iface:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}
  sg:
    type: OS::Neutron::SecurityGroup
    properties:
      description: {get_param: sg_description}
      rules: [{protocol: tcp, port_range_min: 22, port_range_max: 22}]
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
      security_groups: [{get_resource: sg}]
  fip:
    type: OS::Neutron::FloatingIP
    depends_on: iface
    properties: {floating_network: acc-ext, port_id: {get_resource: port}}
  vol:
    type: OS::Cinder::Volume
    properties: {size: {get_param: size}, name: acc-vol}
  box: {type: OS::Swift::Container, properties: {name: acc-box}}
  token:
    type: OS::Heat::TestResource
    properties: {value: {get_param: marker}, update_replace: true}
outputs:
  port_ip: {value: {get_attr: [port, fixed_ips, 0, ip_address]}}
  floating_ip: {value: {get_attr: [fip, floating_ip_address]}}
  volume_size: {value: {get_attr: [vol, size]}}
YAML

check "stack create --wait" openstack stack create acc-stack -t "$work/stack.yaml" --wait
check "stack is CREATE_COMPLETE" test "$(openstack stack show acc-stack -f value -c stack_status)" = CREATE_COMPLETE
check "the network exists in Neutron" openstack network show acc-net
check "the port has an address on the subnet" bash -c "openstack port list --network acc-net -f value -c 'Fixed IP Addresses' | grep -q '10.71.0.'"
check "the volume exists in Cinder" bash -c "[ \"\$(openstack volume show acc-vol -f value -c status)\" = available ]"
check "the container exists in Swift" openstack container show acc-box
check "the floating IP exists" bash -c "openstack floating ip list -f value -c 'Floating IP Address' | grep -q '100.64.50.'"
check "stack output show port_ip" bash -c "openstack stack output show acc-stack port_ip -f value -c output_value | grep -q '10.71.0.'"
check "stack output list" bash -c "openstack stack output list acc-stack -f value -c output_key | grep -qx floating_ip"
check "stack resource list" bash -c "[ \$(openstack stack resource list acc-stack -f value -c resource_status | grep -c CREATE_COMPLETE) -eq 10 ]"
check "stack resource show" bash -c "openstack stack resource show acc-stack vol -f value -c resource_type | grep -qx OS::Cinder::Volume"
check "stack template show" bash -c "openstack stack template show acc-stack | grep -q OS::Swift::Container"

old_token=$(openstack stack resource show acc-stack token -f value -c physical_resource_id)
old_sg=$(openstack stack resource show acc-stack sg -f value -c physical_resource_id)
check "update --dry-run reports in-place, extend and replace" bash -c "openstack stack update acc-stack --existing --dry-run \
    --parameter size=2 --parameter sg_description=second --parameter marker=b -f json > $work/plan.json &&
    python3 -c 'import json,sys; d={k: (json.loads(v) if isinstance(v, str) else v) for k, v in json.load(open(\"$work/plan.json\")).items()}; u=sorted(r[\"resource_name\"] for r in d[\"updated\"]); r=[x[\"resource_name\"] for x in d[\"replaced\"]]; sys.exit(0 if u==[\"sg\",\"vol\"] and r==[\"token\"] and not d[\"added\"] and not d[\"deleted\"] else 1)'"
check "stack update --existing --wait" openstack stack update acc-stack --existing --parameter size=2 --parameter sg_description=second --parameter marker=b --wait
check "stack is UPDATE_COMPLETE" test "$(openstack stack show acc-stack -f value -c stack_status)" = UPDATE_COMPLETE
check "the volume was extended to 2 GiB" test "$(openstack volume show acc-vol -f value -c size)" = 2
check "the security group was updated in place" bash -c "[ \"\$(openstack stack resource show acc-stack sg -f value -c physical_resource_id)\" = $old_sg ] &&
    openstack security group show $old_sg -f value -c description | grep -qx second"
check "the test resource was replaced" bash -c "[ \"\$(openstack stack resource show acc-stack token -f value -c physical_resource_id)\" != $old_token ]"
check "stack event list shows the update" bash -c "openstack stack event list acc-stack -f value | grep -q 'UPDATE_IN_PROGRESS'"
check "stack event list for a resource" bash -c "openstack stack event list acc-stack --resource vol -f value | grep -q CREATE_COMPLETE"

# --- an AutoScalingGroup resized through its policies' URLs with plain curl -----------------
cat > "$work/asg.yaml" <<'YAML'
heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties: {min_size: 1, max_size: 2, resource: {type: OS::Heat::RandomString, properties: {length: 8}}}
  up: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: 1}}
  down: {type: OS::Heat::ScalingPolicy, properties: {auto_scaling_group_id: {get_resource: asg}, adjustment_type: change_in_capacity, scaling_adjustment: -1, cooldown: 600}}
  busy:
    type: OS::Aodh::GnocchiAggregationByResourcesAlarm
    properties:
      metric: cpu_util
      resource_type: instance
      query: {str_replace: {template: '{"=": {"server_group": "SG"}}', params: {SG: {get_param: "OS::stack_id"}}}}
      aggregation_method: mean
      granularity: 60
      threshold: 80
      comparison_operator: gt
      alarm_actions: [{get_attr: [up, alarm_url]}]
outputs:
  up_url: {value: {get_attr: [up, signal_url]}}
  down_url: {value: {get_attr: [down, alarm_url]}}
  size: {value: {get_attr: [asg, current_size]}}
YAML
asg_size() { openstack stack output show acc-asg size -f value -c output_value; }
# asg_becomes N: the group's size reaches N and its nested stack is no longer in progress.
asg_becomes() {
    for _ in $(seq 100); do
        [ "$(asg_size)" = "$1" ] && ! openstack stack list --nested -f value -c 'Stack Status' | grep -q IN_PROGRESS && return 0
        sleep 0.2
    done
    echo "size $(asg_size)"; return 1
}
check "stack create of an AutoScalingGroup with two policies" openstack stack create acc-asg -t "$work/asg.yaml" --wait
check "the group starts at min_size 1" asg_becomes 1
up_url=$(openstack stack output show acc-asg up_url -f value -c output_value)
down_url=$(openstack stack output show acc-asg down_url -f value -c output_value)
check "curl -X POST on the up policy's signal_url answers 200" curl -fsS -X POST "$up_url"
check "the group scaled up to 2" asg_becomes 2
check "curl on the up URL again is accepted" curl -fsS -X POST "$up_url"
check "max_size 2 holds the group at 2" bash -c "sleep 1; [ \"\$(openstack stack output show acc-asg size -f value -c output_value)\" = 2 ] &&
    openstack stack event list acc-asg --resource up -f value | grep -q 'stays at 2'"
check "curl -X POST on the down policy's alarm_url answers 200" curl -fsS -X POST "$down_url"
check "the group scaled down to 1" asg_becomes 1
check "a second down signal is within the 600 s cooldown" bash -c "curl -fsS -X POST '$down_url' &&
    openstack stack event list acc-asg --resource down -f value | grep -q cooldown"
check "min_size 1 holds the group at 1" bash -c "sleep 1; [ \"\$(openstack stack output show acc-asg size -f value -c output_value)\" = 1 ]"
refuse "a forged signal URL is refused" "403" curl -fsS -X POST "${up_url%????}0000"
alarm_id=$(openstack stack resource show acc-asg busy -f value -c physical_resource_id)
check "the Aodh alarm exists with its Gnocchi rule" bash -c "openstack alarm show '$alarm_id' -f value -c type | grep -qx gnocchi_aggregation_by_resources_threshold &&
    openstack alarm show '$alarm_id' -f value -c query | grep -q server_group"
check "the alarm's action is the up policy's alarm_url" bash -c "openstack alarm show '$alarm_id' -f value -c alarm_actions | grep -qF '$up_url'"
check "stack delete of the group and its nested stack" openstack stack delete acc-asg --yes --wait
check "the alarm went with the stack" bash -c "! openstack alarm show '$alarm_id' >/dev/null 2>&1"
check "the group's nested stack went with it" bash -c "! openstack stack list --nested -f value -c 'Stack Name' | grep -q acc-asg"

# --- stack actions: check, suspend, resume, cancel; resource mark unhealthy -----------------
cat > "$work/actions.yaml" <<'YAML'
heat_template_version: 2016-10-14
parameters:
  v: {type: string, default: one}
  slow: {type: number, default: 0}
resources:
  secret: {type: OS::Heat::RandomString, properties: {length: 10}}
  test:
    type: OS::Heat::TestResource
    properties: {value: {get_param: v}, action_wait_secs: {update: {get_param: slow}}}
  group:
    type: OS::Heat::ResourceGroup
    properties: {count: 2, resource_def: {type: OS::Heat::RandomString}}
outputs:
  out: {value: {get_attr: [test, output]}}
YAML
# stack_becomes NAME STATUS: the stack reaches STATUS (through transient *_FAILED on the way to a rollback).
stack_becomes() {
    local s
    for _ in $(seq 150); do
        s=$(openstack stack show "$1" -f value -c stack_status)
        [ "$s" = "$2" ] && return 0
        case $s in *_IN_PROGRESS|UPDATE_FAILED) ;; *) break ;; esac
        sleep 0.2
    done
    echo "$1 is $s"; return 1
}
check "stack create for actions" openstack stack create acc-act -t "$work/actions.yaml" --wait
check "stack check --wait reaches CHECK_COMPLETE" bash -c "openstack stack check acc-act --wait >/dev/null &&
    [ \"\$(openstack stack show acc-act -f value -c stack_status)\" = CHECK_COMPLETE ]"
check "every resource is CHECK_COMPLETE" bash -c "[ \$(openstack stack resource list acc-act -f value -c resource_status | grep -c CHECK_COMPLETE) -eq 3 ]"
refuse "stack resume of a stack that is not suspended is refused" "not suspended" openstack stack resume acc-act
check "stack suspend" openstack stack suspend acc-act
check "the stack is SUSPEND_COMPLETE" stack_becomes acc-act SUSPEND_COMPLETE
check "the group's nested stack is suspended too" bash -c "openstack stack list --nested -f value -c 'Stack Name' -c 'Stack Status' | grep acc-act-group | grep -q SUSPEND_COMPLETE"
refuse "a suspended stack refuses an update" "suspended" openstack stack update acc-act --existing --parameter v=x
check "stack resume" openstack stack resume acc-act
check "the stack is RESUME_COMPLETE" stack_becomes acc-act RESUME_COMPLETE
old_secret=$(openstack stack resource show acc-act secret -f value -c physical_resource_id)
check "stack resource mark unhealthy" openstack stack resource mark unhealthy acc-act secret "disk gone"
check "the resource is CHECK_FAILED with the reason" bash -c "openstack stack resource show acc-act secret -f value -c resource_status -c resource_status_reason | tr '\n' ' ' | grep -q 'CHECK_FAILED disk gone'"
check "the next update replaces the unhealthy resource" bash -c "openstack stack update acc-act --existing --wait >/dev/null &&
    [ \"\$(openstack stack resource show acc-act secret -f value -c physical_resource_id)\" != $old_secret ]"
openstack stack update acc-act --existing --parameter v=two --parameter slow=60 >/dev/null
check "stack cancel of an update in progress" bash -c "for i in \$(seq 50); do openstack stack resource show acc-act test -f value -c resource_status | grep -q UPDATE_IN_PROGRESS && break; sleep 0.2; done; openstack stack cancel acc-act"
check "the cancelled update rolls back (ROLLBACK_COMPLETE)" stack_becomes acc-act ROLLBACK_COMPLETE
check "the output is the value before the update" test "$(openstack stack output show acc-act out -f value -c output_value)" = one
refuse "stack cancel with nothing in progress is refused" "not in cancelable state" openstack stack cancel acc-act
snap=$(openstack stack snapshot create acc-act --name first -f value -c ID)
check "stack snapshot create" test -n "$snap"
check "stack snapshot list" bash -c "openstack stack snapshot list acc-act -f value -c id -c name -c status | grep -q '$snap first COMPLETE'"
check "stack snapshot show has the template" bash -c "openstack stack snapshot show acc-act $snap | grep -q OS::Heat::ResourceGroup"
check "an update changes the output" bash -c "openstack stack update acc-act --existing --parameter v=three --wait >/dev/null &&
    [ \"\$(openstack stack output show acc-act out -f value -c output_value)\" = three ]"
check "stack snapshot restore" openstack stack snapshot restore acc-act "$snap"
check "the stack is RESTORE_COMPLETE" stack_becomes acc-act RESTORE_COMPLETE
check "the restored output is the snapshot's" test "$(openstack stack output show acc-act out -f value -c output_value)" = one
check "stack snapshot delete" openstack stack snapshot delete acc-act "$snap" --yes
check "the snapshot is gone" bash -c "! openstack stack snapshot list acc-act -f value | grep -q ."
secret_id=$(openstack stack resource show acc-act secret -f value -c physical_resource_id)
check "stack abandon --output-file" openstack stack abandon acc-act --output-file "$work/abandoned.json"
check "the abandoned stack is gone, its data names the resources" bash -c "! openstack stack show acc-act >/dev/null 2>&1 && grep -q '$secret_id' $work/abandoned.json"
check "stack adopt --wait reaches ADOPT_COMPLETE" bash -c "openstack stack adopt acc-adopted --adopt-file $work/abandoned.json --wait >/dev/null &&
    [ \"\$(openstack stack show acc-adopted -f value -c stack_status)\" = ADOPT_COMPLETE ]"
check "the adopted stack took the same resources over" test "$(openstack stack resource show acc-adopted secret -f value -c physical_resource_id)" = "$secret_id"
check "stack delete of the adopted stack" openstack stack delete acc-adopted --yes --wait

# --- software configs; security group rule, floating IP association, flavor, cloud-config/MIME types
printf '#!/bin/sh\necho hello\n' > "$work/hello.sh"
# heatclient prints every field of the new config whatever -c says; the id is the first.
cfg=$(openstack software config create acc-cfg --config-file "$work/hello.sh" --group script -f value -c id | head -n 1)
check "software config create" test -n "$cfg"
check "software config list" bash -c "openstack software config list -f value -c id | grep -qx '$cfg'"
check "software config show --config-only" bash -c "openstack software config show '$cfg' --config-only | grep -q 'echo hello'"
check "software config delete" openstack software config delete "$cfg"
check "the deleted config is gone" bash -c "! openstack software config show '$cfg' >/dev/null 2>&1"
cat > "$work/more.yaml" <<'YAML'
heat_template_version: 2018-08-31
parameters:
  image_url: {type: string}
resources:
  ks_project: {type: OS::Keystone::Project, properties: {name: acc-ks-proj, description: from heat}}
  ks_role: {type: OS::Keystone::Role, properties: {name: acc-ks-role}}
  ks_user:
    type: OS::Keystone::User
    properties:
      name: acc-ks-user
      password: acc-ks-pass-1
      default_project: {get_resource: ks_project}
      roles: [{role: {get_resource: ks_role}, project: {get_resource: ks_project}}, {role: member, project: {get_resource: ks_project}}]
  image:
    type: OS::Glance::WebImage
    properties: {name: acc-web-image, location: {get_param: image_url}, disk_format: raw, container_format: bare, os_distro: debian, tags: [heat]}
  sg: {type: OS::Neutron::SecurityGroup, properties: {description: more}}
  rule:
    type: OS::Neutron::SecurityGroupRule
    properties: {security_group: {get_resource: sg}, protocol: tcp, port_range_min: 8080, port_range_max: 8080}
  net: {type: OS::Neutron::Net, properties: {name: acc-more-net}}
  subnet: {type: OS::Neutron::Subnet, properties: {network: {get_resource: net}, cidr: 10.74.0.0/24}}
  router: {type: OS::Neutron::Router, properties: {external_gateway_info: {network: acc-ext}}}
  iface: {type: OS::Neutron::RouterInterface, properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}}
  port: {type: OS::Neutron::Port, properties: {network: {get_resource: net}, fixed_ips: [{subnet: {get_resource: subnet}}]}}
  fip: {type: OS::Neutron::FloatingIP, depends_on: iface, properties: {floating_network: acc-ext}}
  assoc: {type: OS::Neutron::FloatingIPAssociation, properties: {floatingip_id: {get_resource: fip}, port_id: {get_resource: port}}}
  flavor: {type: OS::Nova::Flavor, properties: {name: acc-flavor, ram: 128, vcpus: 1, extra_specs: {"hw:cpu_policy": shared}}}
  apart: {type: OS::Nova::ServerGroup, properties: {name: acc-apart, policies: [anti-affinity]}}
  cloud: {type: OS::Heat::CloudConfig, properties: {cloud_config: {packages: [htop]}}}
  mime: {type: OS::Heat::MultipartMime, properties: {parts: [{config: {get_resource: cloud}}, {config: "#!/bin/sh\necho hi"}]}}
outputs:
  mime: {value: {get_attr: [mime, config]}}
YAML
check "stack create with the newer resource types" openstack stack create acc-more -t "$work/more.yaml" --parameter "image_url=http://127.0.0.1:$web_port/disk.raw" --wait
check "the Keystone project exists" bash -c "openstack project show acc-ks-proj -f value -c description | grep -qx 'from heat'"
check "the Keystone user holds the stack's role on the stack's project" bash -c "openstack role assignment list --user acc-ks-user --project acc-ks-proj --names -f value -c Role | grep -qx acc-ks-role"
check "the Keystone user signs in with the template's password" bash -c "OS_USERNAME=acc-ks-user OS_PASSWORD=acc-ks-pass-1 OS_PROJECT_NAME=acc-ks-proj openstack token issue -f value -c project_id | grep -qx \"\$(openstack project show acc-ks-proj -f value -c id)\""
check "the web image is active with the served bytes" bash -c "[ \"\$(openstack image show acc-web-image -f value -c status)\" = active ] &&
    [ \"\$(openstack image show acc-web-image -f value -c checksum)\" = \"\$(md5sum < $work/www/disk.raw | cut -d' ' -f1)\" ]"
check "the security group rule exists in Neutron" bash -c "openstack security group rule list \$(openstack stack resource show acc-more sg -f value -c physical_resource_id) --protocol tcp -f value -c 'Port Range' | grep -qx 8080:8080"
check "the floating IP is associated with the stack's port" bash -c "[ \"\$(openstack floating ip show \$(openstack stack resource show acc-more fip -f value -c physical_resource_id) -f value -c port_id)\" = \"\$(openstack stack resource show acc-more port -f value -c physical_resource_id)\" ]"
check "the flavor exists in Compute with its extra spec" bash -c "openstack flavor show acc-flavor -f value -c ram | grep -qx 128 && openstack flavor show acc-flavor -f value -c properties | grep -q shared"
check "the server group exists in Compute with its policy" bash -c "openstack server group show \$(openstack stack resource show acc-more apart -f value -c physical_resource_id) -f json | grep -q anti-affinity"
check "the MIME output holds the cloud-config and the script" bash -c "openstack stack output show acc-more mime -f value -c output_value | tr '\n' ' ' | grep -q 'text/cloud-config.*text/x-shellscript'"
check "stack delete of the newer types" openstack stack delete acc-more --yes --wait
check "the flavor is gone" bash -c "! openstack flavor show acc-flavor >/dev/null 2>&1"
check "the Keystone project, user and role are gone" bash -c "! openstack project show acc-ks-proj >/dev/null 2>&1 && ! openstack user show acc-ks-user >/dev/null 2>&1 && ! openstack role show acc-ks-role >/dev/null 2>&1"
check "the web image is gone" bash -c "! openstack image show acc-web-image >/dev/null 2>&1"
check "the server group is gone" bash -c "! openstack server group list -f value -c Name | grep -qx acc-apart"
check "the rule's group and the network are gone" bash -c "! openstack network show acc-more-net >/dev/null 2>&1"

# --- servers in a stack: a port, a floating IP and an attached volume; updated in place, extended and replaced ----
if ! guest_kernel; then
    skip "a server stack with an attached volume and a floating IP" "no test guest: packaging/guest/build-initramfs.sh found no kernel"
    skip "a ResourceGroup of 10 servers builds in parallel" "no test guest"
else
register_guest orch-a "$work"
register_guest orch-b "$work"
openstack flavor create acc.srv --ram 128 --disk 1 --vcpus 1 >/dev/null
cat > "$work/server.yaml" <<'YAML'
heat_template_version: 2018-08-31
description: a server on a port with a floating IP and an attached volume
parameters:
  image: {type: string, constraints: [{custom_constraint: glance.image}]}
  flavor: {type: string, default: acc.srv, constraints: [{custom_constraint: nova.flavor}]}
  role: {type: string, default: web}
  size: {type: number, default: 1}
resources:
  net: {type: OS::Neutron::Net, properties: {name: acc-srv-net}}
  subnet: {type: OS::Neutron::Subnet, properties: {network: {get_resource: net}, cidr: 10.72.0.0/24}}
  router: {type: OS::Neutron::Router, properties: {external_gateway_info: {network: acc-ext}}}
  iface: {type: OS::Neutron::RouterInterface, properties: {router: {get_resource: router}, subnet: {get_resource: subnet}}}
  port: {type: OS::Neutron::Port, properties: {network: {get_resource: net}, fixed_ips: [{subnet: {get_resource: subnet}}]}}
  fip:
    type: OS::Neutron::FloatingIP
    depends_on: iface
    properties: {floating_network: acc-ext, port_id: {get_resource: port}}
  vol: {type: OS::Cinder::Volume, properties: {size: {get_param: size}, name: acc-srv-vol}}
  server:
    type: OS::Nova::Server
    properties:
      name: acc-srv
      image: {get_param: image}
      flavor: {get_param: flavor}
      networks: [{port: {get_resource: port}}]
      metadata: {role: {get_param: role}}
  attach: {type: OS::Cinder::VolumeAttachment, properties: {instance_uuid: {get_resource: server}, volume_id: {get_resource: vol}}}
outputs:
  address: {value: {get_attr: [server, first_address]}}
  floating_ip: {value: {get_attr: [fip, floating_ip_address]}}
YAML
srv_id() { openstack stack resource show acc-srv server -f value -c physical_resource_id; }
vol_on() { [ "$(openstack volume show acc-srv-vol -f value -c status)" = in-use ] &&
    openstack volume show acc-srv-vol -f json | python3 -c "import json,sys; a=json.load(sys.stdin)['attachments']; sys.exit(0 if [x['server_id'] for x in a] == ['$1'] else 1)"; }
check "stack create of a server with a port, a floating IP and an attached volume" openstack stack create acc-srv -t "$work/server.yaml" --parameter image=orch-a-disk --wait
check "the server is ACTIVE on the stack's port" bash -c "[ \"\$(openstack server show acc-srv -f value -c status)\" = ACTIVE ] &&
    [ \"\$(openstack port show \$(openstack stack resource show acc-srv port -f value -c physical_resource_id) -f value -c device_id)\" = \"\$(openstack server show acc-srv -f value -c id)\" ]"
srv1=$(srv_id)
check "the volume is attached to the server" vol_on "$srv1"
check "the floating IP is on the server's port" bash -c "openstack floating ip show \$(openstack stack output show acc-srv floating_ip -f value -c output_value) -f value -c port_id |
    grep -qx \"\$(openstack stack resource show acc-srv port -f value -c physical_resource_id)\""
check "stack output show address (the port's address)" bash -c "openstack stack output show acc-srv address -f value -c output_value | grep -q '^10.72.0.'"
check "update --dry-run of metadata and size: the server and the volume in place, nothing replaced" bash -c "openstack stack update acc-srv --existing --dry-run \
    --parameter role=db --parameter size=2 -f json > $work/srvplan.json &&
    python3 -c 'import json,sys; d={k: (json.loads(v) if isinstance(v, str) else v) for k, v in json.load(open(\"$work/srvplan.json\")).items()}; u=sorted(r[\"resource_name\"] for r in d[\"updated\"]); sys.exit(0 if u==[\"server\",\"vol\"] and not d[\"replaced\"] else 1)'"
check "stack update of the server's metadata and the volume's size" openstack stack update acc-srv --existing --parameter role=db --parameter size=2 --wait
check "the server was updated in place (same id, new metadata)" bash -c "[ \"\$(openstack stack resource show acc-srv server -f value -c physical_resource_id)\" = $srv1 ] &&
    openstack server show $srv1 -f json | python3 -c 'import json,sys; p=json.load(sys.stdin)[\"properties\"]; sys.exit(0 if \"db\" in str(p) and \"web\" not in str(p) else 1)'"
extended_on() { [ "$(openstack volume show acc-srv-vol -f value -c size)" = 2 ] && vol_on "$1"; }
check "the attached volume was extended to 2 GiB and is attached again" extended_on "$srv1"
check "update --dry-run of the image: the server is replaced" bash -c "openstack stack update acc-srv --existing --dry-run --parameter image=orch-b-disk -f json > $work/srvplan2.json &&
    python3 -c 'import json,sys; d={k: (json.loads(v) if isinstance(v, str) else v) for k, v in json.load(open(\"$work/srvplan2.json\")).items()}; sys.exit(0 if [r[\"resource_name\"] for r in d[\"replaced\"]]==[\"server\"] else 1)'"
check "stack update of the server's image" openstack stack update acc-srv --existing --parameter image=orch-b-disk --wait
srv2=$(srv_id)
check "the server was replaced: a new server on the new image, the old one gone" bash -c "[ -n '$srv2' ] && [ '$srv2' != '$srv1' ] &&
    [ \"\$(openstack server show $srv2 -f value -c status)\" = ACTIVE ] &&
    openstack server show $srv2 -f value -c image | grep -q \"\$(openstack image show orch-b-disk -f value -c id)\" &&
    ! openstack server show $srv1 >/dev/null 2>&1"
check "the replacement kept the port, its address and floating IP" bash -c "[ \"\$(openstack port show \$(openstack stack resource show acc-srv port -f value -c physical_resource_id) -f value -c device_id)\" = '$srv2' ] &&
    openstack stack output show acc-srv address -f value -c output_value | grep -q '^10.72.0.'"
check "the volume moved to the replacement" vol_on "$srv2"
check "stack event list shows the server's replacement" bash -c "openstack stack event list acc-srv --resource server -f value | grep -q UpdateReplace ||
    [ \$(openstack stack event list acc-srv --resource server -f value | grep -c CREATE_COMPLETE) -ge 2 ]"
check "stack delete of the server stack" openstack stack delete acc-srv --yes --wait
check "the server, its volume and its network are gone" bash -c "! openstack server show acc-srv >/dev/null 2>&1 && ! openstack volume show acc-srv-vol >/dev/null 2>&1 &&
    ! openstack network show acc-srv-net >/dev/null 2>&1"

# A ResourceGroup of 10 servers: they build together (every one starts before the first is ACTIVE).
cat > "$work/group.yaml" <<'YAML'
heat_template_version: 2018-08-31
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 10
      resource_def:
        type: OS::Nova::Server
        properties: {name: acc-grp-%index%, image: orch-a-disk, flavor: acc.srv}
outputs:
  ids: {value: {get_attr: [group, refs]}}
YAML
check "stack create of a ResourceGroup of 10 servers" openstack stack create acc-grp -t "$work/group.yaml" --wait
check "10 servers named by index are ACTIVE" bash -c "[ \$(openstack server list --name '^acc-grp-' -f value -c Status | grep -c ACTIVE) -eq 10 ]"
check "the 10 servers built in parallel (all started before the first finished)" bash -c "
    nested=\$(openstack stack resource show acc-grp group -f value -c physical_resource_id) &&
    openstack stack event list \$nested -f json | python3 -c 'import json,sys
e=[x for x in json.load(sys.stdin) if x[\"resource_name\"].isdigit()]
first=next(i for i,x in enumerate(e) if x[\"resource_status\"]==\"CREATE_COMPLETE\")
started={x[\"resource_name\"] for x in e[:first] if x[\"resource_status\"]==\"CREATE_IN_PROGRESS\"}
print(len(started), \"started before the first completed\"); sys.exit(0 if len(started)==10 else 1)'"
check "stack delete of the group" openstack stack delete acc-grp --yes --wait
check "the group's servers are gone" bash -c "! openstack server list --name '^acc-grp-' -f value | grep -q ."
fi

# --- broken templates ----------------------------------------------------------------------
printf 'heat_template_version: 2013-05-23\nresources:\n  v:\n    type: OS::Heat::Value\n    properties:\n      value: {list_join: [",", [a]]}\n' > "$work/badfn.yaml"
refuse "a function of a later version is refused with its path" "resources.v.properties.value" openstack stack create bad1 -t "$work/badfn.yaml"
printf 'heat_template_version: 2013-05-23\nparameters:\n  needed: {type: string}\nresources: {}\n' > "$work/badparam.yaml"
refuse "a missing parameter is refused" "The Parameter (needed) was not provided" openstack stack create bad2 -t "$work/badparam.yaml"
refuse "a failing constraint is refused with the parameter" "parameters.size" openstack stack create bad3 -t "$work/stack.yaml" --parameter size=99
printf 'heat_template_version: 2013-05-23\nresources:\n  v:\n    type: OS::Heat::Value\n    properties: {value: 1, colour: red}\n' > "$work/badprop.yaml"
refuse "an unknown property is refused with its path" "resources.v.properties.colour" openstack stack create bad4 -t "$work/badprop.yaml"
check "template validate" bash -c "openstack orchestration template validate -t $work/stack.yaml -f json | grep -q sg_description"

# --- a failing resource rolls back ---------------------------------------------------------
printf 'heat_template_version: 2013-05-23\nresources:\n  ok: {type: OS::Neutron::Net, properties: {name: acc-rollback-net}}\n  big: {type: OS::Cinder::Volume, depends_on: ok, properties: {size: 100000}}\n' > "$work/quota.yaml"
openstack stack create acc-quota -t "$work/quota.yaml" --enable-rollback --wait >/dev/null 2>&1
check "a quota failure rolls the stack back" bash -c "for i in \$(seq 100); do s=\$(openstack stack show acc-quota -f value -c stack_status); [ \"\$s\" = ROLLBACK_COMPLETE ] && exit 0; sleep 0.2; done; echo \$s; exit 1"
check "the reason names the quota" bash -c "openstack stack event list acc-quota -f value | grep -qi quota"
check "the rolled back network is gone" bash -c "! openstack network show acc-rollback-net"

# --- kill -9 during a 20-resource create ---------------------------------------------------
{
    echo "heat_template_version: 2016-04-08"
    echo "resources:"
    for i in $(seq 1 20); do
        echo "  r$i: {type: OS::Heat::TestResource, properties: {value: v$i, wait_secs: 1}$([ "$i" -gt 1 ] && echo ", depends_on: r$(( (i - 1) / 2 + 1 ))")}"
    done
} > "$work/twenty.yaml"
openstack stack create acc-twenty -t "$work/twenty.yaml" >/dev/null
sleep 2.5
restart_cloudbox KILL
check "after kill -9 and restart the 20-resource stack completes" bash -c "for i in \$(seq 150); do s=\$(openstack stack show acc-twenty -f value -c stack_status); [ \"\$s\" = CREATE_COMPLETE ] && exit 0; sleep 0.2; done; echo \$s; exit 1"
check "all 20 resources are CREATE_COMPLETE, none twice" bash -c "[ \$(openstack stack resource list acc-twenty -f value -c resource_status | grep -c CREATE_COMPLETE) -eq 20 ]"

# --- delete ------------------------------------------------------------------------------
check "stack delete --wait" openstack stack delete acc-stack --yes --wait
check "the network is gone" bash -c "! openstack network show acc-net"
check "the volume is gone" bash -c "! openstack volume show acc-vol"
check "the container is gone" bash -c "! openstack container show acc-box"
check "no floating IP left" bash -c "! openstack floating ip list -f value | grep -q ."
check "stack list no longer has it" bash -c "! openstack stack list -f value -c 'Stack Name' | grep -qx acc-stack"

finish
