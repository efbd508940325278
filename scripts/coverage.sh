#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzz coverage (issue 14): line coverage of the reference core (adapters/reference/src) and of
# the virtio-argo device side (guest-transport/src/device) reached by the fuzz corpora, measured
# with clang's source-based coverage (-fprofile-instr-generate -fcoverage-mapping).
#
# The libFuzzer targets are built again with coverage instead of the sanitizers (HMX_FUZZ_COVERAGE)
# and each runs every input of its corpora once (-runs=0): the committed seeds, plus the inputs
# the fuzz stage found (its work directories, when HMX_FUZZ_BUILD names that tree). Prints each
# folder's line coverage against its target (90% and 80%), the files below it and the functions no
# input reached. Exit status: 0, or 1 when HMX_COVERAGE_ENFORCE=1 and a target is missed.
#
#   scripts/coverage.sh [build dir]     (default build-cov; HMX_FUZZ_BUILD=build-fuzz to add its finds)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-cov}
JOBS=${HMX_JOBS:-$(nproc)}
FUZZ_BUILD=${HMX_FUZZ_BUILD:-}
LLVM_PROFDATA=$(command -v llvm-profdata || command -v llvm-profdata-14)
LLVM_COV=$(command -v llvm-cov || command -v llvm-cov-14)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" \
  -DHMX_BUILD_FUZZERS=ON -DHMX_FUZZ_COVERAGE=ON -DHMX_BUILD_GUESTS=OFF -DHMX_BUILD_DOCS=OFF >/dev/null
# name:committed corpus:work directory of the same target in the fuzz tree
FUZZERS=(
  "hmx_reference_core_fuzz:adapters/reference/fuzz/corpus:adapters/reference/fuzz/corpus-work"
  "hmx_transport_fuzz:guest-transport/fuzz/corpus:guest-transport/fuzz/hmx_transport_fuzz-work"
  "hmx_device_fuzz:guest-transport/fuzz/corpus-device:guest-transport/fuzz/hmx_device_fuzz-work"
)
targets=()
for f in "${FUZZERS[@]}"; do targets+=("${f%%:*}"); done
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}"

PROF="$BUILD/coverage"
rm -rf "$PROF"
mkdir -p "$PROF"
objects=()
inputs=0
for f in "${FUZZERS[@]}"; do
  IFS=: read -r name corpus work <<<"$f"
  bin=$(find "$BUILD" -type f -name "$name" -perm -u+x | head -1)
  dirs=("$corpus")
  [[ -n "$FUZZ_BUILD" && -d "$FUZZ_BUILD/$work" ]] && dirs+=("$FUZZ_BUILD/$work")
  n=$(find "${dirs[@]}" -type f | wc -l)
  inputs=$((inputs + n))
  echo "coverage: $name runs $n inputs (${dirs[*]})"
  LLVM_PROFILE_FILE="$PROF/$name-%p.profraw" "$bin" -runs=0 "${dirs[@]}" >"$PROF/$name.log" 2>&1 || {
    echo "coverage: $name failed on its corpus:"; tail -20 "$PROF/$name.log"; exit 1; }
  objects+=("$bin")
done
"$LLVM_PROFDATA" merge -sparse "$PROF"/*.profraw -o "$PROF/fuzz.profdata"
args=("${objects[0]}")
for o in "${objects[@]:1}"; do args+=(-object "$o"); done
# (A source compiled into two fuzzers is instrumented twice; llvm-cov warns about the copies whose
# counters it cannot merge and counts the first.)
"$LLVM_COV" export "${args[@]}" -instr-profile="$PROF/fuzz.profdata" >"$PROF/coverage.json" 2>"$PROF/export.log"

python3 - "$PROF/coverage.json" "$PWD" "$inputs" <<'EOF'
import json, os, sys
data = json.load(open(sys.argv[1]))["data"][0]
root = sys.argv[2] + "/"
folders = [("adapters/reference/src/", 90.0), ("guest-transport/src/device/", 80.0)]
missed = False
for folder, target in folders:
    files = [f for f in data["files"] if f["filename"].startswith(root + folder)]
    covered = sum(f["summary"]["lines"]["covered"] for f in files)
    total = sum(f["summary"]["lines"]["count"] for f in files)
    pct = 100.0 * covered / total if total else 0.0
    ok = pct >= target
    missed |= not ok
    print(f"coverage: {folder.rstrip('/')}: {pct:.1f}% of lines ({covered}/{total}, {len(files)} files), "
          f"target {target:.0f}%: {'met' if ok else 'MISSED'}")
    # Sources of the folder no fuzzer compiles (other builds of the same code, test switches):
    # named, so the denominator above is plain.
    seen = {f["filename"] for f in files}
    unbuilt = sorted(n for n in os.listdir(root + folder)
                     if n.endswith(".cpp") and root + folder + n not in seen)
    if unbuilt:
        print(f"coverage:   not compiled into any fuzzer: {', '.join(unbuilt)}")
    for f in sorted(files, key=lambda f: f["summary"]["lines"]["percent"]):
        s = f["summary"]["lines"]
        if s["percent"] < target:
            print(f"coverage:   {f['filename'][len(root):]}: {s['percent']:.1f}% ({s['covered']}/{s['count']})")
    # Functions no input reached, once per name (templates and inline copies repeat).
    unreached = sorted({fn["name"] for fn in data["functions"] if fn["count"] == 0
                        and any(p.startswith(root + folder) for p in fn["filenames"])})
    if unreached:
        # Static functions are named FILE:SYMBOL; demangle all names in one c++filt run.
        mangled = [n.rsplit(":", 1)[-1] for n in unreached]
        try:
            import subprocess
            out = subprocess.run(["c++filt"], input="\n".join(mangled), capture_output=True, text=True).stdout
            names = sorted(set(out.split("\n")[:len(mangled)]))
        except OSError:
            names = mangled
        print(f"coverage:   unreached functions ({len(names)}): " + "; ".join(names))
with open(os.path.join(os.path.dirname(sys.argv[1]), "missed"), "w") as f:
    f.write("1" if missed else "0")
EOF
if [[ "${HMX_COVERAGE_ENFORCE:-0}" == 1 && "$(cat "$PROF/missed")" == 1 ]]; then exit 1; fi
