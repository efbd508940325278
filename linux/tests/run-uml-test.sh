#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs one UML test (ctest linux.*): builds the test's initramfs (busybox, /init, the guest
# script, the HMX modules it needs), prepares its disks, runs hmx-hostd with a time limit, and
# checks what the host can check (e.g. the backing file against the guest's checksum).
#
#   run-uml-test.sh TEST --hostd BIN --kernel LINUX --gen-init-cpio GEN --modules DIR --work DIR
#                   [--ring-test BIN] [--busybox PATH] [--missing REASON]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
test=$1
shift
hostd="" kernel="" gen="" modules="" work="" missing="" busybox=/bin/busybox ring_test=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --hostd) hostd=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --gen-init-cpio) gen=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --busybox) busybox=$2; shift 2 ;;
    --ring-test) ring_test=$2; shift 2 ;;
    --missing) missing=$2; shift 2 ;;
    *) echo "run-uml-test: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ -n "$missing" ]]; then
  echo "SKIPPED: $missing"
  exit 77
fi
if [[ ! -f "$busybox" ]]; then
  echo "SKIPPED: no static busybox at $busybox (Debian package busybox-static)"
  exit 77
fi
for f in "$hostd" "$kernel" "$gen"; do
  [[ -x "$f" ]] || { echo "FAIL: $f missing (build the hmx-hostd and hmx-linux targets)"; exit 1; }
done

dir="$work/$test"
rm -rf "$dir"
mkdir -p "$dir"
out="$dir/output.txt"

# initramfs SCRIPT MODULE...: the guest script as /test.sh and the modules in /lib/hmx.
initramfs() {
  local script=$1
  shift
  local files=(--file "$here/guest/lib.sh:/lib/hmx-test.sh")
  [[ -n "$ring_test" ]] && files+=(--file "$ring_test:/bin/hmx-ring-test")
  for m in "$@"; do files+=(--file "$modules/$m.ko:/lib/hmx/$m.ko"); done
  "$here/../initramfs/mkinitramfs.sh" --gen-init-cpio "$gen" --busybox "$busybox" \
    --test "$here/guest/$script" --out "$dir/initrd-${script%.sh}.cpio" "${files[@]}" ||
    { echo "FAIL: initramfs"; exit 1; }
  echo "$dir/initrd-${script%.sh}.cpio"
}
guest() {  # guest NAME INITRD [mem]
  echo "--uml" "$1=$kernel,initrd=$2,mem=${3:-256M}"
}

limit=60
args=()
case "$test" in
  boot)
    args=($(guest uml-1 "$(initramfs boot.sh)"))
    limit=30 ;;
  hmx_core)
    args=($(guest uml-1 "$(initramfs hmx_core.sh hmx)"))
    limit=30 ;;
  blk|blk_no_event_idx)
    # blk: hmx-hostd offers EVENT_IDX (its default) and the transport moderates its rings;
    # blk_no_event_idx: the same run without the offer (HMX-EVENT-053: nothing is moderated).
    truncate -s 64M "$dir/disk0.img"
    truncate -s 32M "$dir/disk1.img"
    args=($(guest uml-1 "$(initramfs blk.sh hmx hmx_virtio_argo)")
          --service "vta-blk0=virtio-blk,file=$dir/disk0.img"
          --service "vta-blk1=virtio-blk,file=$dir/disk1.img"
          --policy "$here/vta.policy")
    [[ $test == blk_no_event_idx ]] && args+=(--no-event-idx)
    limit=150 ;;
  denied)
    truncate -s 8M "$dir/disk.img"
    args=($(guest denied "$(initramfs denied.sh hmx hmx_virtio_argo)")
          --service "vta-blk=virtio-blk,file=$dir/disk.img" --policy "$here/vta.policy") ;;
  device_death)
    truncate -s 64M "$dir/disk.img"
    args=($(guest uml-1 "$(initramfs device_death.sh hmx hmx_virtio_argo)")
          --service "vta-blk=virtio-blk,file=$dir/disk.img,die-after=300"
          --policy "$here/vta.policy")
    limit=120 ;;
  console)
    args=($(guest uml-1 "$(initramfs console.sh hmx hmx_virtio_argo)")
          --service "vta-con=virtio-console,input=hello from the host" --policy "$here/vta.policy") ;;
  net)
    initrd=$(initramfs net.sh hmx hmx_virtio_argo)
    args=($(guest uml-a "$initrd") $(guest uml-b "$initrd")
          --service "vta-net=virtio-net" --policy "$here/vta.policy")
    limit=120 ;;
  removal)
    args=($(guest uml-1 "$(initramfs removal.sh hmx hmx_virtio_argo)")
          --service "vta-con=virtio-console,remove-on=please remove the console" --policy "$here/vta.policy") ;;
  vhost_blk)
    qsd=$(command -v qemu-storage-daemon) ||
      { echo "SKIPPED: no qemu-storage-daemon (Debian package qemu-system-common)"; exit 77; }
    truncate -s 64M "$dir/disk.img"
    args=($(guest uml-1 "$(initramfs vhost_blk.sh hmx hmx_virtio_argo)")
          --service "vta-qsd=vhost-user-blk,socket=$dir/qsd.sock,exec=$qsd --blockdev driver=file,node-name=disk,filename=$dir/disk.img --export type=vhost-user-blk,id=exp0,node-name=disk,writable=on,addr.type=unix,addr.path=$dir/qsd.sock"
          --policy "$here/vta.policy")
    limit=120 ;;
  hmx_dev)
    initrd=$(initramfs hmx_dev.sh hmx hmx_dev)
    args=($(guest uml-a "$initrd") $(guest uml-b "$initrd") --policy "$here/vta.policy") ;;
  *)
    echo "run-uml-test: unknown test $test" >&2
    exit 2 ;;
esac

start=$(date +%s.%N)
timeout --kill-after=10 $((limit + 30)) "$hostd" "${args[@]}" --timeout "$limit" --stats 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
echo "run-uml-test: $test: hmx-hostd exit status $rc after $(echo "$(date +%s.%N) - $start" | bc) s"
[[ $rc -eq 0 ]] || exit 1

# Interrupt moderation (spec event-idx): the guest's counters (blk.sh prints hmx.ko's stats) and
# the injections the reference core skipped (hmx-hostd --stats, HMX-EVENT-052).
event_idx_figures() {
  local g moderated
  g=$(sed -n 's/.*hmx-stats: \(.*\)/\1/p' "$out" | tail -n1)
  moderated=$(sed -n 's/.* \([0-9]*\) interrupts moderated.*/\1/p' "$out" | tail -n1)
  [[ -n "$g" && -n "$moderated" ]] || { echo "FAIL: no counters (guest: '$g', host moderated: '$moderated')"; exit 1; }
  local events messages rings
  events=$(echo "$g" | sed -n 's/.* events \([0-9]*\).*/\1/p')
  messages=$(echo "$g" | sed -n 's/.* messages \([0-9]*\).*/\1/p')
  rings=$(echo "$g" | sed -n 's/.* moderated_rings \([0-9]*\).*/\1/p')
  echo "run-uml-test: $test: guest took $events notifications for $messages messages" \
       "($(echo "scale=3; $events / ($messages + 0.0001)" | bc) per message), $rings moderated rings;" \
       "the core skipped $moderated injections"
  if [[ $1 == offered ]]; then
    [[ $g == *"event_idx offered"* && $rings -gt 0 && $moderated -gt 0 ]] ||
      { echo "FAIL: EVENT_IDX offered but nothing moderated"; exit 1; }
  else
    [[ $g == *"event_idx not-offered"* && $rings -eq 0 && $moderated -eq 0 ]] ||
      { echo "FAIL: EVENT_IDX not offered but a ring is moderated (HMX-EVENT-053)"; exit 1; }
  fi
}

case "$test" in
  blk|blk_no_event_idx)
    if [[ $test == blk ]]; then event_idx_figures offered; else event_idx_figures not-offered; fi
    # The guest's checksum of what it wrote must be the backing file's.
    want=$(sed -n 's/.*blk-written-sha256: \([0-9a-f]*\).*/\1/p' "$out" | head -n1)
    have=$(head -c $((64 << 20)) "$dir/disk0.img" | sha256sum | cut -d' ' -f1)
    [[ -n "$want" && "$want" == "$have" ]] || { echo "FAIL: backing file sha256 $have, guest wrote $want"; exit 1; }
    echo "run-uml-test: backing file matches the guest's checksum $have" ;;
  removal)
    grep -q "removing its devices (remove-on)" "$out" || { echo "FAIL: the device domain did not remove"; exit 1; } ;;
  vhost_blk)
    want=$(sed -n 's/.*vhost-blk-written-sha256: \([0-9a-f]*\).*/\1/p' "$out" | head -n1)
    have=$(head -c $((32 << 20)) "$dir/disk.img" | sha256sum | cut -d' ' -f1)
    [[ -n "$want" && "$want" == "$have" ]] || { echo "FAIL: image sha256 $have, guest wrote $want"; exit 1; }
    echo "run-uml-test: qemu-storage-daemon's image matches the guest's checksum $have" ;;
  denied)
    grep -q "not serving domain 1: bus ring refused" "$out" ||
      { echo "FAIL: the device domain did not report the policy's refusal"; exit 1; } ;;
  device_death)
    grep -q "dying on purpose" "$out" || { echo "FAIL: the device domain did not die"; exit 1; } ;;
  net)
    sent=$(sed -n 's/.*net-sent-sha256: \([0-9a-f]*\).*/\1/p' "$out" | head -n1)
    received=$(sed -n 's/.*net-received-sha256: \([0-9a-f]*\).*/\1/p' "$out" | head -n1)
    [[ -n "$sent" && "$sent" == "$received" ]] || { echo "FAIL: sent $sent, received $received"; exit 1; }
    echo "run-uml-test: uml-a received what uml-b sent ($sent)" ;;
  console)
    grep -q "console of domain 1: hello from uml-1 over virtio-argo" "$out" ||
      { echo "FAIL: the guest's line did not reach the device domain"; exit 1; }
    grep -q "connection of domain 1 closed: driver disconnected" "$out" ||
      { echo "FAIL: unloading the transport did not disconnect"; exit 1; } ;;
esac
exit 0
