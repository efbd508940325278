#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HMX demo on Arm (called by scripts/main.sh after the KVM demo): the EL2 monitor of
# adapters/arm-smccc under qemu-system-aarch64 (TCG) runs three domains from one image,
# build/arm/guests/arm-demo.img (adapters/arm-smccc/guests/demo.cpp), each on its own CPUs:
#   ping, pong  exchange 400 messages each way through libhmx over the SMCCC conduit (HVC #0),
#               on both vCPUs, with vectors (PPIs through the GIC list registers), an event page
#               and checksums, served by the reference core built freestanding
#   intruder    is refused by the policy (adapters/arm-smccc/demo-policy.textproto, compiled to
#               build/arm/demo.hmxpol): sendv and register_ring -> EACCES
# and prints the core's counters (--stats).
#   scripts/main-arm.sh [BUILD_DIR]      (default: build)
# Exit status: the monitor's (adapters/arm-smccc/README.md); 0 with a message when QEMU is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

echo "== HMX demo on Arm (EL2 monitor, qemu-system-aarch64)"
qemu=$(command -v qemu-system-aarch64 || true)
if [[ -z "$qemu" ]]; then
  echo "SKIPPED: qemu-system-aarch64 missing (Debian qemu-system-arm)"
  exit 0
fi
monitor=$build/arm/hmx-arm-monitor.elf
demo=$build/arm/guests/arm-demo.img
policy=$build/arm/demo.hmxpol
for f in "$monitor" "$demo" "$policy"; do
  if [[ ! -e "$f" ]]; then
    echo "main-arm.sh: $f is missing: build first (cmake --build $build)" >&2
    exit 1
  fi
done
cmd=(timeout 300 "$qemu" -M virt,virtualization=on,gic-version=3 -cpu max -smp 5 -m 1024
  -display none -serial stdio -monitor none -semihosting -kernel "$monitor"
  -append "--domain ping=$demo,vcpus=2,arg=role=ping,arg=peer=pong --domain pong=$demo,vcpus=2,arg=role=pong,arg=peer=ping --domain intruder=$demo,arg=role=denied,arg=peer=pong --policy $policy --stats --timeout 240")
echo "\$ ${cmd[*]}"
rc=0
"${cmd[@]}" 2>&1 || rc=$?
if [[ $rc == 0 ]]; then
  echo "HMX demo on Arm: PASSED (ping and pong exchanged their messages; intruder was denied)"
else
  echo "HMX demo on Arm: FAILED (monitor exit code $rc)"
fi
exit $rc
