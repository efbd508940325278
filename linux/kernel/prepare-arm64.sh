#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Prepares an arm64 kernel tree for compile-only external module builds: the linux-source tree
# the UML build unpacked, configured ARCH=arm64 defconfig with the cross compiler, modules_prepare
# in OUT/arm64. Cached like the UML kernel: a second run with the same tarball does nothing.
#
#   prepare-arm64.sh TARBALL OUT CROSS_COMPILE
set -euo pipefail
tarball=$1 out=$2 cross=$3
stamp="$out/arm64/.hmx-prepared"
want="$(sha256sum "$0" | cut -d' ' -f1) $(stat -c %s "$tarball")"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
src=$(find "$out" -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
if [[ -z "$src" || ! -f "$src/Makefile" ]]; then
  mkdir -p "$out"
  tar -C "$out" -xf "$tarball"
  src=$(find "$out" -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
fi
mkdir -p "$out/arm64"
start=$(date +%s)
make -C "$src" ARCH=arm64 CROSS_COMPILE="$cross" O="$out/arm64" defconfig >/dev/null
make -C "$src" ARCH=arm64 CROSS_COMPILE="$cross" O="$out/arm64" -j"$(nproc)" modules_prepare \
  >"$out/arm64/prepare.log" 2>&1 || { tail -n 30 "$out/arm64/prepare.log"; exit 1; }
echo "$want" >"$stamp"
echo "prepare-arm64: arm64 tree prepared in $(( $(date +%s) - start )) s: $out/arm64"
