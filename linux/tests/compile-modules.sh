#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ctest linux.compile.{x86_64,arm64}: the HMX drivers compile (with -Werror) as external modules
# for a real architecture, where they would probe the MSR or SMCCC conduit instead of UML's:
#   x86_64  against Debian's linux-headers-amd64
#   arm64   against the linux-source tree configured for arm64 (modules_prepare, cross compiler)
# and each .ko is an ELF relocatable of that machine.
#
#   compile-modules.sh x86_64 REPO OUT
#   compile-modules.sh arm64 REPO OUT TARBALL LINUX_DIR
set -uo pipefail
arch=$1 repo=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
case "$arch" in
  x86_64)
    kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
    [[ -n "$kdir" ]] || { echo "SKIPPED: no /usr/src/linux-headers-*-amd64 (apt-get install linux-headers-amd64)"; exit 77; }
    "$here/../kernel/build-modules.sh" "$kdir" "$out" "$repo/linux/drivers" "$repo" x86 || exit 1
    machine="Advanced Micro Devices X86-64" ;;
  arm64)
    tarball=$4 linux_dir=$5
    command -v aarch64-linux-gnu-gcc >/dev/null ||
      { echo "SKIPPED: no aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu)"; exit 77; }
    [[ -f "$tarball" ]] || { echo "SKIPPED: $tarball missing (apt-get install linux-source-6.1)"; exit 77; }
    "$here/../kernel/prepare-arm64.sh" "$tarball" "$linux_dir" aarch64-linux-gnu- || exit 1
    "$here/../kernel/build-modules.sh" "$linux_dir/arm64" "$out" "$repo/linux/drivers" "$repo" arm64 \
      aarch64-linux-gnu- || exit 1
    machine="AArch64" ;;
  *) echo "compile-modules: unknown architecture $arch" >&2; exit 2 ;;
esac
for m in hmx hmx_virtio_argo hmx_dev; do
  readelf -h "$out/$m.ko" | grep -q "Machine: *$machine" || { echo "FAIL: $out/$m.ko is not $machine"; exit 1; }
  echo "compile-modules: $m.ko for $arch: $(stat -c %s "$out/$m.ko") bytes"
done
