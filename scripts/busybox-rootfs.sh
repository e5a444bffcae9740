#!/usr/bin/env bash
# Build a minimal busybox root filesystem tar from Debian's busybox-static.
#
# Usage: scripts/busybox-rootfs.sh OUT.tar
#
# The tar holds /bin/busybox, one symlink per applet in /bin (every applet of
# `busybox --list`), /etc/passwd and /etc/group (root, daemon, nobody/nogroup
# 65534, users), /tmp (1777), /root (0700) and empty /proc /sys /dev dirs.
# It is byte-for-byte reproducible for a given busybox binary (sorted entries,
# mtime 0, numeric owner 0:0), so importing it twice yields the same layer
# digest. Needs GNU tar and a *static* busybox: the image has no libc.
set -euo pipefail

out=${1:?usage: $0 OUT.tar}
busybox=${BUSYBOX:-/bin/busybox}

[ -x "$busybox" ] || { echo "busybox-rootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would fail inside the image with "no such file".
if command -v file >/dev/null 2>&1 && ! file -L "$busybox" | grep -q 'statically linked'; then
  echo "busybox-rootfs: $busybox is not statically linked (install busybox-static)" >&2
  exit 1
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/berth-rootfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

umask 022
mkdir -p "$stage"/{bin,etc,proc,sys,dev,root,tmp}
chmod 0700 "$stage/root"
chmod 1777 "$stage/tmp"

install -m 0755 "$busybox" "$stage/bin/busybox"
# Relative links keep the image independent of where the rootfs is mounted.
"$busybox" --list | LC_ALL=C sort -u | while read -r applet; do
  [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done

cat >"$stage/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$stage/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
users:x:100:
nogroup:x:65534:
GROUP
chmod 0644 "$stage/etc/passwd" "$stage/etc/group"

mkdir -p "$(dirname "$out")"
# Top-level names are listed explicitly (sorted) so entries carry no "./" prefix.
(cd "$stage" && LC_ALL=C tar --create --file - --format=gnu \
  --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  bin dev etc proc root sys tmp) >"$out.partial"
mv -f "$out.partial" "$out"
