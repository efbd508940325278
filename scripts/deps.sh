#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages HMX builds and tests with, only those missing (idempotent:
# a second run installs nothing). Sourced by scripts/main.sh and scripts/test.sh.
set -euo pipefail

HMX_PACKAGES=(
  cmake ninja-build g++ clang libclang-rt-14-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libpugixml-dev
  libelf-dev libzydis-dev linux-libc-dev libxen-dev
  asciidoctor
  g++-aarch64-linux-gnu
  qemu-system-x86 qemu-system-arm qemu-system-common qemu-utils
  make dpkg-dev flex bison device-tree-compiler
  chromium-headless-shell lintian pkgconf
  linux-source-6.1 busybox-static bc linux-headers-amd64
)

hmx_missing_packages() {
  local missing=()
  for p in "${HMX_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

hmx_install_deps() {
  local missing
  missing=$(hmx_missing_packages)
  if [[ -z "$missing" ]]; then
    echo "deps: all ${#HMX_PACKAGES[@]} Debian packages present"
    return 0
  fi
  echo "deps: installing: $missing"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}
