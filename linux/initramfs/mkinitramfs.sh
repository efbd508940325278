#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds an uncompressed initramfs (newc cpio) for a UML guest with the kernel's own
# usr/gen_init_cpio: no root, no cpio package. Contents: Debian's static busybox, /init (init.sh
# of this folder), the test script as /test.sh, and any extra files (HMX modules, test programs).
#
#   mkinitramfs.sh --gen-init-cpio PATH --busybox PATH --test SCRIPT --out FILE [--file SRC:DEST]...
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
gen="" busybox="" test="" out=""
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gen-init-cpio) gen=$2; shift 2 ;;
    --busybox) busybox=$2; shift 2 ;;
    --test) test=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --file) extra+=("$2"); shift 2 ;;
    *) echo "mkinitramfs: unknown argument $1" >&2; exit 2 ;;
  esac
done
for v in gen busybox test out; do
  [[ -n "${!v}" ]] || { echo "mkinitramfs: --${v//_/-} is required" >&2; exit 2; }
done
[[ -x "$gen" ]] || { echo "mkinitramfs: $gen is not executable" >&2; exit 2; }
[[ -f "$busybox" ]] || { echo "mkinitramfs: no busybox at $busybox (Debian: busybox-static)" >&2; exit 2; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
  for d in /bin /sbin /dev /proc /sys /tmp /mnt /lib /lib/hmx /usr /usr/bin /usr/sbin /root; do
    echo "dir $d 755 0 0"
  done
  echo "nod /dev/console 600 0 0 c 5 1"
  echo "nod /dev/null 666 0 0 c 1 3"
  echo "file /bin/busybox $busybox 755 0 0"
  echo "slink /bin/sh busybox 777 0 0"
  echo "file /init $here/init.sh 755 0 0"
  echo "file /test.sh $test 755 0 0"
  for f in "${extra[@]}"; do
    src=${f%%:*}
    dst=${f#*:}
    [[ -f "$src" ]] || { echo "mkinitramfs: missing $src" >&2; exit 2; }
    echo "file $dst $src 755 0 0"
  done
} >"$list"
"$gen" "$list" >"$out.tmp"
mv "$out.tmp" "$out"
