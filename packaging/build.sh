#!/usr/bin/env bash
# Builds CloudBox's release artifacts from one self-contained `cloudbox` binary:
#   packaging/build.sh [--binary PATH] [--out DIR]
# --binary  an already published binary (default: publishes src/CloudBox to .build/package/publish)
# --out     where the artifacts go (default .build/package)
# --deb-only  no tarball
# Writes DIR/cloudbox_VERSION_ARCH.deb (built with dpkg-deb) and DIR/cloudbox-VERSION-linux-ARCH.tar.gz
# (the binary, the unit, a default configuration, install.sh and the README), and prints their paths.
# DEB_COMPRESSION/DEB_LEVEL choose dpkg-deb's compression (default xz 6; the tests use gzip 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=""
deb_only=no
out="$root/.build/package"
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --deb-only) deb_only=yes; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -z "$binary" ]; then
    dotnet publish "$root/src/CloudBox" -c Release -o "$out/publish" -nologo -v quiet
    binary="$out/publish/cloudbox"
fi
[ -x "$binary" ] || { echo "build.sh: '$binary' is not an executable cloudbox binary" >&2; exit 1; }

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -1)
case "$(file -b "$binary")" in
    *x86-64*) deb_arch=amd64; arch=x64 ;;
    *aarch64*) deb_arch=arm64; arch=arm64 ;;
    *) echo "build.sh: cannot tell the architecture of '$binary'" >&2; exit 1 ;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# The .deb: files owned by root (dpkg-deb --root-owner-group), modes set here.
pkg="$stage/deb"
install -D -m 0755 "$binary" "$pkg/usr/bin/cloudbox"
install -D -m 0644 "$root/packaging/systemd/cloudbox.service" "$pkg/lib/systemd/system/cloudbox.service"
install -D -m 0644 "$root/packaging/deb/cloudbox.json" "$pkg/etc/cloudbox/cloudbox.json"
install -D -m 0644 "$root/README.md" "$pkg/usr/share/doc/cloudbox/README.md"
install -d -m 0755 "$pkg/DEBIAN"
install -m 0644 "$root/packaging/deb/conffiles" "$pkg/DEBIAN/conffiles"
for script in postinst prerm postrm; do
    install -m 0755 "$root/packaging/deb/$script" "$pkg/DEBIAN/$script"
done
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$deb_arch/" -e "s/@SIZE@/$size/" \
    "$root/packaging/deb/control.in" >"$pkg/DEBIAN/control"
deb="$out/cloudbox_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" -z"${DEB_LEVEL:-6}" --build "$pkg" "$deb" >/dev/null

echo "$deb"
[ "$deb_only" = no ] || exit 0

# The tarball: for install.sh on machines without dpkg.
name="cloudbox-$version-linux-$arch"
tar_dir="$stage/$name"
install -D -m 0755 "$binary" "$tar_dir/cloudbox"
install -m 0644 "$root/packaging/systemd/cloudbox.service" "$root/packaging/deb/cloudbox.json" "$root/README.md" "$tar_dir/"
install -m 0755 "$root/install.sh" "$tar_dir/install.sh"
tarball="$out/$name.tar.gz"
tar -C "$stage" --owner=0 --group=0 -czf "$tarball" "$name"

echo "$tarball"
