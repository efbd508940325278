#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the HMX drivers as external modules against a kernel tree (Kbuild M=). Kbuild writes
# its objects next to the sources, so the sources are mirrored as symlinks into OUT first and
# the checkout stays clean.
#
#   build-modules.sh KERNEL_BUILD_DIR OUT DRIVERS_DIR REPO ARCH [CROSS_COMPILE]
set -euo pipefail
kdir=$1 out=$2 drivers=$3 repo=$4 arch=$5 cross=${6:-}
rm -rf "$out"
mkdir -p "$out"
cp -rs "$drivers/." "$out/"
args=(-C "$kdir" ARCH="$arch" M="$out" HMX_SRC="$repo")
[[ -n "$cross" ]] && args+=(CROSS_COMPILE="$cross")
# A tree prepared with modules_prepare has no Module.symvers: unresolved symbols are warnings.
[[ -f "$kdir/Module.symvers" ]] || args+=(KBUILD_MODPOST_WARN=1)
make "${args[@]}" -j"$(nproc)" modules
