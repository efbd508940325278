#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes the SPDX-License-Identifier line into files that lack one: the license of the file's
# place in the tree (LICENSE, "Which license applies where"), in the file's comment syntax, as
# its first line (after a shebang). The ctest license.spdx checks the result.
#
#   tools/license-check/add-spdx.sh [--dry-run] [FILE...]
#
# FILE paths are relative to the repository root; without any, every tracked file that lacks the
# line (minus the exemptions of check_spdx.cmake). Files that already name a license are left
# alone. Exits 1 when it met a file whose comment syntax it does not know (nothing written there).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

dry_run=0
if [[ ${1:-} == --dry-run ]]; then dry_run=1; shift; fi

license_for() {
  case "$1" in
    abi/* | linux/drivers/include/uapi/* | apps/hmx-hostd/include/hmx/uml_conduit.h)
      echo "MIT OR GPL-2.0-only" ;;
    tools/hostlib/checksum/* | tests/consumers/common/*) echo "MIT" ;;
    libhmx/* | guest-runtime/*) echo "MIT" ;;
    guest-transport/include/hmx/virtio_argo/device/* | guest-transport/include/hmx/virtio_argo/loopback.h)
      echo "Apache-2.0" ;;
    guest-transport/include/hmx/virtio_argo/*) echo "MIT" ;;
    linux/*) echo "GPL-2.0-only" ;;
    spec/*.adoc | docs/*.md | docs/*.adoc) echo "CC-BY-4.0" ;;
    spec/*.proto | spec/*.textproto) echo "MIT" ;;
    *) echo "Apache-2.0" ;;
  esac
}

# The line for file $1 with license $2; empty when the syntax is unknown. The kernel's convention
# for C: '//' in .c files, '/* */' in headers, assembly and linker scripts.
spdx_line_for() {
  local tag="SPDX-License-Identifier: $2"
  case "${1##*/}" in
    *.h | *.S | *.ld | *.lds) echo "/* $tag */" ;;
    *.c | *.cpp | *.cc | *.hpp | *.cxx | *.inc | *.proto | *.adoc) echo "// $tag" ;;
    *.cmake | CMakeLists.txt | *.sh | *.py | *.textproto | *.policy | *.config | Kbuild | Makefile | \
      *.mk | .gitignore | *.yml | *.yaml | *.toml | *.cfg) echo "# $tag" ;;
    *.md | *.html | *.xml | *.svg) echo "<!-- $tag -->" ;;
    *) if [[ $(head -c 2 "$1") == "#!" ]]; then echo "# $tag"; fi ;;
  esac
}

exempt() {
  [[ $1 == LICENSE || $1 == LICENSES/* || $1 == */fuzz/corpus/* || $1 == fuzz/corpus/* ||
     $1 == *.json ]]
}

has_spdx() { head -n 5 "$1" | grep -q "SPDX-License-Identifier:"; }

if [[ $# -eq 0 ]]; then
  mapfile -t files < <(git -c core.quotepath=off ls-files)
else
  files=("$@")
fi

unknown=0
for f in "${files[@]}"; do
  [[ -f $f && ! -L $f ]] || continue
  exempt "$f" && continue
  has_spdx "$f" && continue
  license=$(license_for "$f")
  line=$(spdx_line_for "$f" "$license")
  if [[ -z $line ]]; then
    echo "add-spdx: $f: unknown comment syntax, add the line by hand ($license)" >&2
    unknown=1
    continue
  fi
  echo "$f: $line"
  ((dry_run)) && continue
  tmp=$(mktemp)
  if [[ $(head -c 2 "$f") == "#!" ]]; then
    { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } >"$tmp"
  else
    { echo "$line"; cat "$f"; } >"$tmp"
  fi
  cat "$tmp" >"$f"  # keeps the file's mode
  rm -f "$tmp"
done
exit $unknown
