#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Linux demo of the main job (called by scripts/main.sh after the build): a User-Mode Linux
# guest, served by hmx-hostd (apps/hmx-hostd), reads and writes a disk with Linux's own virtio_blk
# driver over the virtio-argo transport (linux/): the device domain shares no memory with the
# guest, every byte crosses as an HMX copy checked by the MAC policy (linux/tests/vta.policy).
# The guest writes a random pattern, reads it back and prints its SHA-256 (linux/demo/disk.sh);
# this script compares that checksum with the backing file on the host.
#   scripts/main-linux.sh [BUILD_DIR]      (default: build)
# Exit status: 0 passed, or skipped (loudly) when the UML kernel or busybox-static is missing;
# 1 the demo failed. The run has a time limit (hmx-hostd --timeout, and timeout(1) around it).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mib=16
limit=90

echo "== demo: a Linux guest (User-Mode Linux) reads and writes a disk over virtio-argo"
kernel=$(ls -t "$build"/linux/*/um/linux 2>/dev/null | head -n1 || true)
if [[ -z "$kernel" || ! -x "$kernel" ]]; then
  echo "SKIPPED: Linux demo: the UML kernel was not built (Debian linux-source-6.1 missing? see"
  echo "         scripts/deps.sh and linux/README.md; target hmx-linux-kernel)"
  exit 0
fi
linux_dir=$(dirname "$(dirname "$kernel")")
busybox=/bin/busybox
if [[ ! -f "$busybox" ]]; then
  echo "SKIPPED: Linux demo: no static busybox at $busybox (Debian busybox-static)"
  exit 0
fi
hostd=$build/bin/hmx-hostd
gen=$linux_dir/um/usr/gen_init_cpio
modules=$linux_dir/modules-um
for f in "$hostd" "$gen" "$modules/hmx.ko" "$modules/hmx_virtio_argo.ko"; do
  if [[ ! -e "$f" ]]; then
    echo "Linux demo: FAILED: $f is missing (build the hmx-hostd and hmx-linux-modules targets)"
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truncate -s $((mib + 16))M "$work/disk.img"
linux/initramfs/mkinitramfs.sh --gen-init-cpio "$gen" --busybox "$busybox" --test linux/demo/disk.sh \
  --out "$work/initrd.cpio" --file linux/tests/guest/lib.sh:/lib/hmx-test.sh \
  --file "$modules/hmx.ko:/lib/hmx/hmx.ko" --file "$modules/hmx_virtio_argo.ko:/lib/hmx/hmx_virtio_argo.ko"
cmd=("$hostd" --uml "uml-1=$kernel,initrd=$work/initrd.cpio,mem=256M"
  --service "vta-blk=virtio-blk,file=$work/disk.img" --policy linux/tests/vta.policy --timeout "$limit" --stats)
echo "\$ ${cmd[*]}"
rc=0
timeout --kill-after=10 $((limit + 20)) "${cmd[@]}" >"$work/output.txt" 2>&1 || rc=$?
grep -E "demo|hmx-exit|FAIL|stats:|\[hmx\] core:|left the core|connected" "$work/output.txt" || true
want=$(sed -n 's/.*demo-result: linux-disk mib=[0-9]* sha256=\([0-9a-f]*\).*/\1/p' "$work/output.txt" | head -n1)
have=$(head -c $((mib << 20)) "$work/disk.img" | sha256sum | cut -d' ' -f1)
if [[ $rc -eq 0 && -n "$want" && "$want" == "$have" ]]; then
  echo "Linux demo: PASSED (Linux virtio_blk over virtio-argo: $mib MiB written and read back; sha256 $have in the guest and in the backing file)"
  exit 0
fi
tail -n 40 "$work/output.txt"
echo "Linux demo: FAILED (hmx-hostd exit status $rc; guest sha256 '${want:-none}', backing file $have)"
exit 1
