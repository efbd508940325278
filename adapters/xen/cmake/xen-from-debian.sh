#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds Xen's hypervisor with Argo from Debian's `xen` source package, cached by source version.
#
#   xen-from-debian.sh source --root DIR
#       Private apt configuration under DIR/apt (deb-src entries for the Debian archives the
#       system's apt already uses; the system's sources are not touched), then picks the newest
#       source version that is either built already or downloadable, unpacks it once into
#       DIR/<version>/src and writes DIR/source.env (XEN_SOURCE_VERSION, XEN_SOURCE_DIR).
#   xen-from-debian.sh build --root DIR --arch x86_64|arm64 [--cross PREFIX] [--jobs N]
#       Builds the hypervisor of DIR/source.env out of tree in DIR/<version>/build-<arch> with
#       `make defconfig` + CONFIG_UNSUPPORTED=y + CONFIG_ARGO=y, unless that build is cached for
#       the same configuration, and installs DIR/<arch>/xen and DIR/<arch>/version.
#
# Offline, the newest cached build is used; with no cache and no archive the command fails.
set -euo pipefail

die() { echo "xen-from-debian: $*" >&2; exit 1; }
note() { echo "xen-from-debian: $*"; }

# The configuration on top of defconfig: Argo is only selectable with UNSUPPORTED
# (xen/common/Kconfig; argo.md 2.1).
readonly CONFIG_FRAGMENT=$'CONFIG_UNSUPPORTED=y\nCONFIG_ARGO=y'

cmd=${1:-}; shift || true
root="" arch="" cross="" jobs=$(nproc)
while [[ $# -gt 0 ]]; do
  case $1 in
    --root) root=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --cross) cross=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ -n $root ]] || die "--root is required"
mkdir -p "$root"
root=$(cd "$root" && pwd)

apt_dir=$root/apt
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=$(id -un)"
)

# deb-src lines for every Debian archive (origin Debian) the system's apt has a Release for, so
# the same mirror serves the source.
write_sources() {
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  local lines
  lines=$(apt-cache policy 2>/dev/null | awk '
    /^ *[0-9]+ (https?|file):/ { uri=$2; split($3, sc, "/"); suite=sc[1]; comp=sc[2]; next }
    /release .*o=Debian/ && uri != "" { print "deb-src " uri " " suite " " comp; uri="" }' | sort -u)
  if [[ -z $lines ]]; then
    . /etc/os-release
    lines="deb-src http://deb.debian.org/debian ${VERSION_CODENAME:-bookworm} main"
  fi
  printf '%s\n' "$lines" > "$apt_dir/sources.list.new"
  mv "$apt_dir/sources.list.new" "$apt_dir/sources.list"
}

# Source versions apt knows, newest first (dpkg's version order).
known_versions() {
  local vs=() v i j t
  while read -r v; do vs+=("$v"); done < <(apt-cache "${apt_opts[@]}" showsrc xen 2>/dev/null |
    awk '/^Package: /{p=$2} /^Version: / && p=="xen" {print $2}' | sort -u)
  for ((i = 1; i < ${#vs[@]}; i++)); do
    for ((j = i; j > 0; j--)); do
      dpkg --compare-versions "${vs[j]}" gt "${vs[j-1]}" || break
      t=${vs[j]}; vs[j]=${vs[j-1]}; vs[j-1]=$t
    done
  done
  [[ ${#vs[@]} -eq 0 ]] || printf '%s\n' "${vs[@]}"
}

# Versions already unpacked in the cache, newest first.
cached_versions() {
  local d vs=()
  for d in "$root"/*/src/.unpacked; do [[ -e $d ]] && vs+=("$(basename "$(dirname "$(dirname "$d")")")"); done
  [[ ${#vs[@]} -gt 0 ]] || return 0
  printf '%s\n' "${vs[@]}" | sort -r -V
}

fetch_source() {  # version -> 0 when $root/<version>/src is ready
  local v=$1 dest=$root/$1
  [[ -e $dest/src/.unpacked ]] && return 0
  # A version the archive refused is asked for again after a day, not on every build.
  if [[ -n $(find "$dest/.unavailable" -mmin -1440 2>/dev/null) ]]; then
    note "xen=$v: not downloadable here (asked on $(date -r "$dest/.unavailable" +%F))"
    return 1
  fi
  local dl=$dest/download
  rm -rf "$dl"; mkdir -p "$dl"
  note "downloading and unpacking Debian source xen=$v"
  if ! (cd "$dl" && apt-get "${apt_opts[@]}" -q source "xen=$v" >"$dl/apt-source.log" 2>&1); then
    note "xen=$v is not downloadable here ($(grep -m1 -E '^E:' "$dl/apt-source.log" || echo 'see apt-source.log'))"
    cp "$dl/apt-source.log" "$dest/.unavailable"
    return 1
  fi
  local tree
  tree=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name 'xen-*' | head -1)
  [[ -n $tree && -f $tree/xen/Makefile ]] || { note "unpacked source has no xen/Makefile"; return 1; }
  rm -rf "$dest/src"
  mv "$tree" "$dest/src"
  rm -rf "$dl"
  touch "$dest/src/.unpacked"
}

do_source() {
  write_sources
  local t0=$SECONDS
  if ! apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1; then
    note "apt-get update (private sources) failed; using the indexes and cache already here"
  fi
  local chosen=""
  local v
  while read -r v; do
    [[ -n $v ]] || continue
    if fetch_source "$v"; then chosen=$v; break; fi
  done < <(known_versions)
  if [[ -z $chosen ]]; then
    chosen=$(cached_versions | head -1)
    [[ -n $chosen ]] || die "no Debian xen source could be downloaded and none is cached in $root"
    note "using the cached source $chosen"
  fi
  printf 'XEN_SOURCE_VERSION=%q\nXEN_SOURCE_DIR=%q\n' "$chosen" "$root/$chosen/src" > "$root/source.env.new"
  mv "$root/source.env.new" "$root/source.env"
  note "source xen=$chosen ($((SECONDS - t0)) s)"
}

do_build() {
  [[ $arch == x86_64 || $arch == arm64 ]] || die "--arch must be x86_64 or arm64"
  [[ -f $root/source.env ]] || die "run '$0 source --root $root' first"
  # shellcheck disable=SC1091
  . "$root/source.env"
  local v=$XEN_SOURCE_VERSION src=$XEN_SOURCE_DIR
  local obj=$root/$v/build-$arch out=$root/$arch
  local key
  key=$(printf '%s\n%s\n%s\n' "$v" "$arch" "$CONFIG_FRAGMENT" | sha256sum | cut -c1-16)
  local make_args=(-C "$src/xen" O="$obj")
  if [[ $arch == arm64 ]]; then
    [[ -n $cross ]] || cross=aarch64-linux-gnu-
    command -v "${cross}gcc" >/dev/null || die "cross compiler ${cross}gcc not found"
    make_args+=(XEN_TARGET_ARCH=arm64 CROSS_COMPILE="$cross")
  else
    make_args+=(XEN_TARGET_ARCH=x86_64)
  fi
  if [[ ! -f $obj/.hmx-built || $(cat "$obj/.hmx-built") != "$key" ]]; then
    note "building the $arch hypervisor of xen=$v with Argo (out of tree: $obj)"
    local t0=$SECONDS
    mkdir -p "$obj"
    rm -f "$obj/.hmx-built"
    make -s "${make_args[@]}" defconfig >"$obj/build.log" 2>&1 || { tail -20 "$obj/build.log"; die "defconfig failed"; }
    printf '%s\n' "$CONFIG_FRAGMENT" >> "$obj/.config"
    make -s "${make_args[@]}" olddefconfig >>"$obj/build.log" 2>&1 || { tail -20 "$obj/build.log"; die "olddefconfig failed"; }
    grep -qx 'CONFIG_ARGO=y' "$obj/.config" || die "CONFIG_ARGO=y did not survive olddefconfig"
    make -s "${make_args[@]}" -j"$jobs" >>"$obj/build.log" 2>&1 || { tail -40 "$obj/build.log"; die "build failed"; }
    [[ -f $obj/xen ]] || die "the build produced no $obj/xen"
    echo "$key" > "$obj/.hmx-built"
    echo "$((SECONDS - t0))" > "$obj/.hmx-build-seconds"
    note "built $arch in $((SECONDS - t0)) s"
  fi
  mkdir -p "$out"
  if ! cmp -s "$obj/xen" "$out/xen"; then cp "$obj/xen" "$out/xen.new" && mv "$out/xen.new" "$out/xen"; fi
  cp "$obj/.config" "$out/config"
  printf '%s\n' "$v" > "$out/version.new" && mv "$out/version.new" "$out/version"
  note "$arch: $out/xen (xen=$v, built in $(cat "$obj/.hmx-build-seconds" 2>/dev/null || echo '?') s)"
}

case $cmd in
  source) do_source ;;
  build) do_build ;;
  *) die "usage: $0 source|build --root DIR [--arch x86_64|arm64] [--cross PREFIX] [--jobs N]" ;;
esac
