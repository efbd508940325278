#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The HMX demo in real VMs (called by scripts/main.sh after the build): hmx-kvm runs three
# domains from one image, build/guests/demo.elf (adapters/kvm/guests/demo.cpp):
#   ping, pong  exchange 400 messages each way through libhmx over the MSR conduit, on both vCPUs,
#               with vector notifications, an event page and checksums
#   intruder    is refused by the policy (adapters/kvm/demo-policy.textproto): sendv -> EACCES
# and prints the HMX statistics (--stats): the core's counters and the denials per domain pair.
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
exit $rc
