#!/usr/bin/env bash
# Identity with Debian's stock openstackclient: the acceptance list of issue 2.
. "$(dirname "$0")/lib.sh"
start_cloudbox

run=$RANDOM
check "token issue" openstack token issue
check "catalog list shows identity" bash -c 'openstack catalog list -f value -c Type | grep -qx identity'
check "endpoint list has public, internal and admin identity endpoints" \
    bash -c '[ "$(openstack endpoint list --service identity -f value -c Interface | sort | tr "\n" " ")" = "admin internal public " ]'

check "project create" openstack project create "demo-$run" --description "acceptance"
check "project list" bash -c "openstack project list -f value -c Name | grep -qx demo-$run"
check "project set" openstack project set "demo-$run" --description changed
check "project show reflects set" bash -c "openstack project show demo-$run -f value -c description | grep -qx changed"

check "user create --project --password" openstack user create "alice-$run" --project "demo-$run" --password alice-pass-1
check "role add --project --user" openstack role add --project "demo-$run" --user "alice-$run" member
check "role assignment list --names" bash -c "openstack role assignment list --names --user alice-$run -f value -c Role -c Project | grep -q 'member demo-$run'"
check "group create" openstack group create "devs-$run"
check "group add user" openstack group add user "devs-$run" "alice-$run"
check "group contains user" openstack group contains user "devs-$run" "alice-$run"
check "domain create" openstack domain create "dom-$run"
check "domain set --disable and delete" bash -c "openstack domain set --disable dom-$run && openstack domain delete dom-$run"

# The new user, on her own.
as_alice() {
    env -u OS_PASSWORD -u OS_USERNAME -u OS_PROJECT_NAME \
        OS_USERNAME="alice-$run" OS_PASSWORD="$ALICE_PASSWORD" OS_PROJECT_NAME="demo-$run" "$@"
}
ALICE_PASSWORD=alice-pass-1
check "log in as the new user" as_alice openstack token issue
refuse "a wrong password is refused" "HTTP 401" env OS_PASSWORD=wrong openstack token issue
refuse "a member cannot create users" "HTTP 403" as_alice openstack user create "mallory-$run" --password x
refuse "a token for a project without a role is refused" "HTTP 401" \
    env -u OS_PASSWORD OS_USERNAME="alice-$run" OS_PASSWORD=alice-pass-1 OS_PROJECT_NAME=admin openstack token issue

check "user changes her own password" as_alice openstack user password set --original-password alice-pass-1 --password alice-pass-2
refuse "the old password no longer works" "HTTP 401" as_alice openstack token issue
ALICE_PASSWORD=alice-pass-2
check "the new password works" as_alice openstack token issue
check "admin sets a password with user set --password" openstack user set "alice-$run" --password alice-pass-3
ALICE_PASSWORD=alice-pass-3
check "log in with the password the admin set" as_alice openstack token issue

# Application credentials authenticate on their own.
check "application credential create" as_alice openstack application credential create "ci-$run" --secret app-secret-1 -f value -c id
APP_ID=$(echo "$LAST_OUTPUT" | tail -1)
check "authenticate with the application credential" env -u OS_USERNAME -u OS_PASSWORD -u OS_PROJECT_NAME \
    -u OS_USER_DOMAIN_NAME -u OS_PROJECT_DOMAIN_NAME \
    OS_AUTH_TYPE=v3applicationcredential OS_APPLICATION_CREDENTIAL_ID="$APP_ID" \
    OS_APPLICATION_CREDENTIAL_SECRET=app-secret-1 openstack token issue

check "ec2 credentials create" as_alice openstack ec2 credentials create
check "ec2 credentials list" bash -c "$(declare -f as_alice); run=$run ALICE_PASSWORD=$ALICE_PASSWORD as_alice openstack ec2 credentials list -f value | grep -q ."

# Revocation takes effect at once.
check "issue a token to revoke" as_alice openstack token issue -f value -c id
ALICE_TOKEN=$(echo "$LAST_OUTPUT" | tail -1)
token_auth() {
    env -u OS_USERNAME -u OS_PASSWORD -u OS_USER_DOMAIN_NAME OS_AUTH_TYPE=v3token OS_TOKEN="$1" \
        OS_PROJECT_NAME="demo-$run" openstack project show "demo-$run"
}
check "the token works" token_auth "$ALICE_TOKEN"
check "token revoke" openstack token revoke "$ALICE_TOKEN"
refuse "a revoked token is refused" "HTTP 401" token_auth "$ALICE_TOKEN"

check "issue a token before disabling" as_alice openstack token issue -f value -c id
ALICE_TOKEN=$(echo "$LAST_OUTPUT" | tail -1)
check "user set --disable" openstack user set --disable "alice-$run"
refuse "a disabled user's token is refused" "HTTP 401" token_auth "$ALICE_TOKEN"
check "user set --enable" openstack user set --enable "alice-$run"
check "issue a token before deleting" as_alice openstack token issue -f value -c id
ALICE_TOKEN=$(echo "$LAST_OUTPUT" | tail -1)
check "user delete" openstack user delete "alice-$run"
refuse "a deleted user's token is refused" "HTTP 401" token_auth "$ALICE_TOKEN"
check "project delete" bash -c "openstack project set --disable demo-$run && openstack project delete demo-$run"

# An operator verb run beside the serving cloud, without its --listen, must not repoint the catalog.
check "cloudbox admin reset-password on the running cloud's data" "$CLOUDBOX_BIN" admin reset-password --data-dir "$CB_DATA"
check "the rewritten admin-openrc.sh names that URL and the new password works" \
    bash -c '. "$CB_DATA/admin-openrc.sh" && [ "$OS_AUTH_URL" = "$CB_URL/identity/v3" ] && openstack token issue -f value -c id'
check "the catalog still names the URL serve listens on" \
    bash -c '. "$CB_DATA/admin-openrc.sh" && [ "$(openstack endpoint list --service identity --interface public -f value -c URL)" = "$CB_URL/identity/v3" ]'

finish
