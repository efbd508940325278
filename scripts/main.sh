#!/usr/bin/env bash
# The main job: install what is missing, build everything, check that the committed ABI headers
# match the spec data, build the spec site, and run the HMX demo in real VMs on hmx-kvm.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
hmx_install_deps

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build

echo "== hmx-specgen --check"
build/bin/hmx-specgen --check \
  --spec spec/hmx.textproto --spec spec/requirements.textproto \
  --abi-out abi/include/hmx/abi

echo "== spec site"
cmake --build build --target site
echo "spec site: $(pwd)/build/site/index.html"

if [[ -x scripts/main-vms.sh ]]; then
  scripts/main-vms.sh
fi
