#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the UML kernel of the HMX Linux tests from Debian's linux-source tarball, once per
# source version and configuration: ARCH=um defconfig merged with uml.config, in OUT/um (the
# sources are unpacked to OUT/linux-source-*). A second run with the same tarball and fragment
# only touches the outputs, so the build tree caches the kernel.
#
#   build-uml.sh TARBALL OUT CONFIG_FRAGMENT
set -euo pipefail
tarball=$1 out=$2 fragment=$3
jobs=$(nproc)
mkdir -p "$out"
stamp="$out/um/.hmx-config"
want="$(sha256sum "$fragment" "$0" | sha256sum | cut -d' ' -f1) $(stat -c %s "$tarball")"
if [[ -x "$out/um/linux" && -x "$out/um/usr/gen_init_cpio" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  touch "$out/um/linux" "$out/um/usr/gen_init_cpio"
  exit 0
fi
src=$(find "$out" -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
if [[ -z "$src" || ! -f "$src/Makefile" ]]; then
  echo "build-uml: unpacking $tarball"
  tar -C "$out" -xf "$tarball"
  src=$(find "$out" -maxdepth 1 -type d -name 'linux-source-*' | head -n1)
fi
mkdir -p "$out/um"
start=$(date +%s)
make -C "$src" ARCH=um O="$out/um" defconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out/um" "$out/um/.config" "$fragment" >/dev/null
make -C "$src" ARCH=um O="$out/um" olddefconfig >/dev/null
# The modules of defconfig too: external modules link against Module.symvers.
make -C "$src" ARCH=um O="$out/um" -j"$jobs" linux modules >"$out/um/build.log" 2>&1 ||
  { tail -n 40 "$out/um/build.log"; exit 1; }
echo "$want" >"$stamp"
echo "build-uml: UML kernel built in $(( $(date +%s) - start )) s ($jobs jobs): $out/um/linux"
