#!/usr/bin/env bash
# Installs CloudBox on this machine in one command (as root):
#   ./install.sh cloudbox_VERSION_amd64.deb     installs the package (dpkg -i, dependencies by apt)
#   ./install.sh cloudbox-VERSION-linux-x64.tar.gz   installs a release tarball (no dpkg needed)
#   ./install.sh                                 inside an unpacked tarball: installs its binary;
#                                                in a source checkout: builds (needs the .NET 10 SDK)
#   ./install.sh --uninstall [--purge]           removes CloudBox; the data in /var/lib/cloudbox
#                                                and /etc/cloudbox stay unless --purge is given
# Without the .deb it puts the binary in /usr/local/bin, writes /etc/cloudbox/cloudbox.json (an
# existing one is kept), creates /var/lib/cloudbox (0700) and a `cloudbox` group, and installs,
# enables and starts the systemd unit where systemd runs. Running VMs are never stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

BIN=/usr/local/bin/cloudbox
CONFIG_DIR=/etc/cloudbox
DATA_DIR=${CLOUDBOX_DATA_DIR:-/var/lib/cloudbox}
LISTEN=${CLOUDBOX_LISTEN:-http://0.0.0.0:8080}
UNIT=/etc/systemd/system/cloudbox.service

fail() { echo "install.sh: $*" >&2; exit 1; }
have_systemd() { [ -d /run/systemd/system ]; }

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

uninstall() {
    local purge=$1
    if dpkg-query -W -f='${Status}' cloudbox 2>/dev/null | grep -q 'install ok installed'; then
        if [ "$purge" = yes ]; then dpkg --purge cloudbox; else dpkg --remove cloudbox; fi
        echo "CloudBox removed$([ "$purge" = yes ] && echo ', with its data' || echo "; its data stays in $DATA_DIR")."
        return
    fi
    if have_systemd && [ -e "$UNIT" ]; then
        systemctl disable --now cloudbox.service || true
    fi
    rm -f "$UNIT" "$BIN"
    have_systemd && systemctl daemon-reload || true
    if [ "$purge" = yes ]; then
        rm -rf "$DATA_DIR" "$CONFIG_DIR"
        getent group cloudbox >/dev/null && groupdel cloudbox || true
        echo "CloudBox removed, with its data."
    else
        echo "CloudBox removed; its data stays in $DATA_DIR and $CONFIG_DIR (install.sh --uninstall --purge removes them)."
    fi
}

# install_binary BINARY UNIT_FILE: the tarball/source layout.
install_binary() {
    local binary=$1 unit=$2
    "$binary" version >/dev/null || fail "'$binary' does not run on this machine"
    # Swap in the new binary in one rename so a running service never sees half a file.
    install -m 0755 "$binary" "$BIN.new"
    mv -f "$BIN.new" "$BIN"

    getent group cloudbox >/dev/null || groupadd --system cloudbox
    install -d -m 0755 "$CONFIG_DIR"
    if [ ! -e "$CONFIG_DIR/cloudbox.json" ]; then
        printf '{\n  "data_dir": "%s",\n  "listen": "%s"\n}\n' "$DATA_DIR" "$LISTEN" >"$CONFIG_DIR/cloudbox.json"
        chown root:cloudbox "$CONFIG_DIR/cloudbox.json"
        chmod 0640 "$CONFIG_DIR/cloudbox.json"
    fi
    install -d -m 0700 "$DATA_DIR"

    sed "s:^ExecStart=/usr/bin/cloudbox:ExecStart=$BIN:" "$unit" >"$UNIT.new"
    chmod 0644 "$UNIT.new"
    mv -f "$UNIT.new" "$UNIT"
    start_service
}

start_service() {
    if have_systemd; then
        systemctl daemon-reload
        systemctl enable cloudbox.service
        systemctl restart cloudbox.service
        echo "CloudBox is running under systemd (systemctl status cloudbox)."
        echo "Admin credentials: . $DATA_DIR/admin-openrc.sh && openstack token issue"
    else
        echo "systemd is not running on this machine (PID 1 is $(cat /proc/1/comm)), so the unit"
        echo "was installed but not started. Start CloudBox in the foreground with:"
        echo "    cloudbox serve --config $CONFIG_DIR/cloudbox.json"
        echo "then: . $DATA_DIR/admin-openrc.sh && openstack token issue"
    fi
}

purge=no uninstall=no artifact=""
for argument in "$@"; do
    case "$argument" in
        --uninstall) uninstall=yes ;;
        --purge) purge=yes ;;
        -h|--help) usage; exit 0 ;;
        -*) fail "unknown option '$argument' (see --help)" ;;
        *) artifact=$argument ;;
    esac
done
[ "$purge" = no ] || [ "$uninstall" = yes ] || fail "--purge goes with --uninstall"
[ "$(id -u)" -eq 0 ] || fail "run as root (it installs to /usr and /etc)"

if [ "$uninstall" = yes ]; then
    uninstall "$purge"
    exit 0
fi

case "$artifact" in
    *.deb)
        [ -f "$artifact" ] || fail "'$artifact' does not exist"
        if command -v apt-get >/dev/null; then
            # apt-get installs the package's dependencies (libsqlite3-0) too.
            apt-get install -y "$(cd "$(dirname "$artifact")" && pwd)/$(basename "$artifact")"
        else
            dpkg -i "$artifact"
        fi
        have_systemd || echo "systemd is not running here: start CloudBox with 'cloudbox serve --config $CONFIG_DIR/cloudbox.json'."
        ;;
    *.tar.gz|*.tgz)
        [ -f "$artifact" ] || fail "'$artifact' does not exist"
        unpacked=$(mktemp -d)
        trap 'rm -rf "$unpacked"' EXIT
        tar -C "$unpacked" -xzf "$artifact"
        dir=$(find "$unpacked" -mindepth 1 -maxdepth 1 -type d | head -1)
        [ -x "$dir/cloudbox" ] || fail "'$artifact' holds no cloudbox binary"
        install_binary "$dir/cloudbox" "$dir/cloudbox.service"
        ;;
    "")
        if [ -x "$here/cloudbox" ] && [ -f "$here/cloudbox.service" ]; then
            install_binary "$here/cloudbox" "$here/cloudbox.service"
        elif [ -f "$here/src/CloudBox/CloudBox.csproj" ]; then
            command -v dotnet >/dev/null || fail "no artifact given, and building from source needs the .NET 10 SDK (dotnet not found); pass a cloudbox_*.deb or cloudbox-*.tar.gz"
            echo "Building CloudBox from source..."
            build=$(mktemp -d)
            trap 'rm -rf "$build"' EXIT
            dotnet publish "$here/src/CloudBox" -c Release -o "$build" -nologo -v quiet
            install_binary "$build/cloudbox" "$here/packaging/systemd/cloudbox.service"
        else
            fail "no artifact given and no binary or source here; usage: install.sh cloudbox_*.deb | cloudbox-*.tar.gz"
        fi
        ;;
    *) fail "'$artifact' is neither a .deb nor a .tar.gz" ;;
esac
