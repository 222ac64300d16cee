#!/usr/bin/env bash
# Installs CloudBox on this machine in one command:
#   sudo ./install.sh
# Publishes the binary to /opt/cloudbox, links /usr/local/bin/cloudbox, writes
# /etc/cloudbox/cloudbox.json (an existing one is kept), creates /var/lib/cloudbox (0700), and
# installs, enables and starts the systemd unit where systemd runs. Elsewhere it says so and
# prints the command that runs CloudBox in the foreground.
set -euo pipefail
cd "$(dirname "$0")"

PREFIX=${PREFIX:-/opt/cloudbox}
CONFIG_DIR=/etc/cloudbox
DATA_DIR=${CLOUDBOX_DATA_DIR:-/var/lib/cloudbox}
LISTEN=${CLOUDBOX_LISTEN:-http://0.0.0.0:8080}
UNIT=/etc/systemd/system/cloudbox.service

fail() { echo "install.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs to $PREFIX and /etc)"
command -v dotnet >/dev/null || fail "the .NET 10 SDK is needed to build CloudBox (dotnet not found on PATH)"

echo "Building CloudBox..."
staging=$(mktemp -d "${PREFIX}.new.XXXXXX")
trap 'rm -rf "$staging"' EXIT
dotnet publish src/CloudBox -c Release -o "$staging" -nologo -v quiet
cp README.md "$staging/"
# Swap in the new build in one rename so a running service never sees half a binary.
if [ -d "$PREFIX" ]; then
    rm -rf "${PREFIX}.old"
    mv "$PREFIX" "${PREFIX}.old"
fi
mv "$staging" "$PREFIX"
chmod 0755 "$PREFIX"
trap - EXIT
rm -rf "${PREFIX}.old"
ln -sf "$PREFIX/cloudbox" /usr/local/bin/cloudbox

install -d -m 0755 "$CONFIG_DIR"
if [ ! -e "$CONFIG_DIR/cloudbox.json" ]; then
    cat >"$CONFIG_DIR/cloudbox.json" <<JSON
{
  "data_dir": "$DATA_DIR",
  "listen": "$LISTEN"
}
JSON
    chmod 0600 "$CONFIG_DIR/cloudbox.json"
fi
install -d -m 0700 "$DATA_DIR"

install -m 0644 packaging/systemd/cloudbox.service "$UNIT"
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable cloudbox.service
    systemctl restart cloudbox.service
    echo "CloudBox is running under systemd (systemctl status cloudbox)."
    echo "Admin credentials: . $DATA_DIR/admin-openrc.sh && openstack token issue"
else
    echo "systemd is not running on this machine (PID 1 is $(cat /proc/1/comm)), so the unit"
    echo "was installed to $UNIT but not started. Start CloudBox in the foreground with:"
    echo "    cloudbox serve --config $CONFIG_DIR/cloudbox.json"
    echo "then: . $DATA_DIR/admin-openrc.sh && openstack token issue"
fi
