#!/usr/bin/env bash
# The appliance as an operator gets it: packaging/build.sh makes the .deb from the published
# single-file binary, dpkg -i installs it on this machine, the installed binary serves, and
# dpkg --purge removes every trace. Prints the artifact size, dpkg -i -> /healthz time and idle RSS.
. "$(dirname "$0")/lib.sh"

if dpkg-query -W cloudbox >/dev/null 2>&1 || [ -e /usr/bin/cloudbox ] || [ -e /var/lib/cloudbox ] || [ -e /etc/cloudbox ]; then
    echo "skip - CloudBox is already installed on this machine (package, /usr/bin/cloudbox, /var/lib/cloudbox or /etc/cloudbox): not touching it"
    finish
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "skip - dpkg -i needs root"
    finish
fi

work=$(mktemp -d /tmp/cloudbox-appliance-XXXXXX)
serve_pid=""
cleanup() {
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    dpkg --purge cloudbox >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

check "the binary runs without a .NET runtime on the machine (/usr/share/dotnet hidden)" \
    unshare -m sh -c 'mount -t tmpfs none /usr/share/dotnet && DOTNET_ROOT=/nonexistent "$1" version' sh "$CLOUDBOX_BIN"
check "packaging/build.sh makes a .deb from the published binary" \
    env DEB_COMPRESSION=gzip DEB_LEVEL=1 "$REPO_ROOT/packaging/build.sh" --binary "$CLOUDBOX_BIN" --out "$work" --deb-only
deb=$(ls "$work"/cloudbox_*.deb 2>/dev/null | head -1)
check "the .deb holds one binary: no .dll, .pdb or native library beside it" \
    bash -c "[ \"\$(dpkg-deb -c '$deb' | grep -cE '\\.(dll|pdb|so)\$')\" = 0 ] && dpkg-deb -c '$deb' | grep -q ' ./usr/bin/cloudbox\$'"
check "the .deb names its dependencies (libsqlite3-0) and no .NET" \
    bash -c "dpkg-deb -f '$deb' Depends | grep -q libsqlite3-0 && ! dpkg-deb -f '$deb' Depends | grep -qi dotnet"

start=$(date +%s.%N)
check "dpkg -i installs it" dpkg -i "$deb"
check "the binary is /usr/bin/cloudbox, root-owned 0755" \
    bash -c '[ "$(stat -c %a:%U /usr/bin/cloudbox)" = 755:root ]'
check "the unit is installed and starts /usr/bin/cloudbox serve" \
    grep -q '^ExecStart=/usr/bin/cloudbox serve --config /etc/cloudbox/cloudbox.json' /lib/systemd/system/cloudbox.service
check "the unit keeps VMs running when the service stops (KillMode=process)" \
    grep -q '^KillMode=process' /lib/systemd/system/cloudbox.service
check "the default configuration is a conffile, root:cloudbox 0640" \
    bash -c '[ "$(stat -c %a:%U:%G /etc/cloudbox/cloudbox.json)" = 640:root:cloudbox ] && dpkg-query --showformat="\${Conffiles}" -W cloudbox | grep -q /etc/cloudbox/cloudbox.json'
check "the cloudbox system group exists" getent group cloudbox
check "postinst created the state directory /var/lib/cloudbox 0700" \
    bash -c '[ "$(stat -c %a:%U /var/lib/cloudbox)" = 700:root ]'
check "the installed binary reports the package's version" \
    bash -c '[ "$(/usr/bin/cloudbox version | cut -d" " -f2 | cut -d+ -f1)" = "$(dpkg-query -W -f="\${Version}" cloudbox)" ]'

# systemd does not run in CI containers: serve the installed binary as the unit would, but on a
# temporary data dir and a free port.
data="$work/data"
port=$(free_port)
s3port=$(free_port)
CLOUDBOX_ADMIN_PASSWORD=appliance /usr/bin/cloudbox serve --config /etc/cloudbox/cloudbox.json --data-dir "$data" \
    --listen "http://127.0.0.1:$port" --s3-listen "http://127.0.0.1:$s3port" >"$work/serve.log" 2>&1 &
serve_pid=$!
ready=no
for _ in $(seq 1 300); do
    if curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ready=yes; break; fi
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.05
done
end=$(date +%s.%N)
check "the installed binary serves: /healthz 200" [ "$ready" = yes ]
[ "$ready" = yes ] || sed 's/^/    /' "$work/serve.log" | tail -20
check "the installed binary extracted nothing (no .net directory in HOME or the data dir)" \
    bash -c "! ls -d '$HOME/.net/cloudbox' '$data/.net' 2>/dev/null | grep -q ."
check "the Identity API answers through the installed binary" \
    bash -c "curl -fs http://127.0.0.1:$port/identity/v3 | grep -q '\"id\"'"
sleep 2
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$serve_pid/status" 2>/dev/null)
echo "# artifact: binary $(( $(stat -c %s "$CLOUDBOX_BIN") / 1048576 )) MiB, .deb (gzip -1) $(( $(stat -c %s "$deb") / 1048576 )) MiB"
echo "# dpkg -i -> /healthz 200: $(echo "$end - $start" | bc) s; idle RSS: $(( ${rss_kb:-0} / 1024 )) MiB"
kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null; serve_pid=""

check "dpkg --purge removes the package, its configuration, data and group" \
    bash -c 'dpkg --purge cloudbox >/dev/null && [ ! -e /usr/bin/cloudbox ] && [ ! -e /etc/cloudbox ] && [ ! -e /var/lib/cloudbox ] && ! getent group cloudbox'
finish
