#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HMX demo in real VMs (called by scripts/main.sh after the build): hmx-kvm runs three
# domains from one image, build/guests/demo.elf (adapters/kvm/guests/demo.cpp):
#   ping, pong  exchange 400 messages each way through libhmx over the MSR conduit, on both vCPUs,
#               with vector notifications, an event page and checksums
#   intruder    is refused by the policy (adapters/kvm/demo-policy.textproto): sendv -> EACCES
# and prints the HMX statistics (--stats): the core's counters and the denials per domain pair.
# Then a disk served by qemu-storage-daemon (a real vhost-user back-end) to a virtio-argo driver in
# a VM that shares no memory with it: the daemon maps only the device domain's memory, every byte
# crosses to the guest as an HMX copy (docs/guide-vhost-user.md).
#   scripts/main-vms.sh [BUILD_DIR]      (default: build)
# Exit status: hmx-kvm's (README.md "Exit codes"); 0 with a message when /dev/kvm is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

echo "== HMX demo in real VMs (hmx-kvm)"
if ! [[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]]; then
  echo "SKIPPED: /dev/kvm not available: the HMX demo needs KVM (the build and the other checks ran)"
  exit 0
fi
hmx_kvm=$build/bin/hmx-kvm
demo=$build/guests/demo.elf
for f in "$hmx_kvm" "$demo"; do
  if [[ ! -e "$f" ]]; then
    echo "main-vms.sh: $f is missing: build first (cmake --build $build)" >&2
    exit 1
  fi
done

cmd=("$hmx_kvm" --policy adapters/kvm/demo-policy.textproto --stats --timeout 60
  --domain "ping=$demo,arg=role=ping,arg=peer=pong"
  --domain "pong=$demo,arg=role=pong,arg=peer=ping"
  --domain "intruder=$demo,vcpus=1,arg=role=denied,arg=peer=pong")
echo "\$ ${cmd[*]}"
rc=0
"${cmd[@]}" 2>&1 || rc=$?
if [[ $rc == 0 ]]; then
  echo "HMX demo: PASSED (ping and pong exchanged their messages; intruder was denied)"
else
  echo "HMX demo: FAILED (hmx-kvm exit code $rc)"
fi

echo "== disk demo: virtio-blk over virtio-argo, served by qemu-storage-daemon"
qsd=$(command -v qemu-storage-daemon || true)
qemu_img=$(command -v qemu-img || true)
if [[ -z "$qsd" || -z "$qemu_img" ]]; then
  echo "SKIPPED: qemu-storage-daemon or qemu-img missing (Debian qemu-system-common, qemu-utils)"
  exit $rc
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$qemu_img" create -q -f qcow2 "$work/disk.qcow2" 64M
socket=$work/qsd.sock
disk_cmd=("$hmx_kvm" --policy scripts/demo/vta-policy.textproto --stats --timeout 60
  --service "vta-blk=vhost-user-blk,socket=$socket,queues=2,exec=$qsd --blockdev driver=file,node-name=file,filename=$work/disk.qcow2 --blockdev driver=qcow2,node-name=disk,file=file --export type=vhost-user-blk,id=export,node-name=disk,addr.type=unix,addr.path=$socket,writable=on,num-queues=2"
  --domain "drv=$build/guests/vta_blk_e2e.elf,vcpus=1,arg=dev=vta-blk,arg=mib=8,arg=queues=2,arg=depth=8,arg=seed=7,arg=flush=1")
echo "\$ ${disk_cmd[*]}"
drc=0
"${disk_cmd[@]}" 2>&1 || drc=$?
if [[ $drc == 0 ]]; then
  echo "disk demo: PASSED (8 MiB written, read back and flushed through qemu-storage-daemon; checksums in the guest's lines)"
else
  echo "disk demo: FAILED (hmx-kvm exit code $drc)"
  [[ $rc != 0 ]] || rc=$drc
fi
exit $rc
