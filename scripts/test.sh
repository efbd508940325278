#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test command: install what is missing, then build and run every test stage:
#   1. main tree (all unit, integration and real-VM tests; VM tests skip loudly without /dev/kvm)
#   2. ASan+UBSan tree (host unit tests)
#   3. TSan tree (host unit tests)
#   4. libFuzzer over everything a guest controls, for a bounded time, from the committed corpus
#   5. fuzz coverage: line coverage of adapters/reference and guest-transport/src/device reached
#      by the fuzz corpora (scripts/coverage.sh), then one line of robustness figures
# Idempotent: a second run installs nothing and rebuilds incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
hmx_install_deps

JOBS=${HMX_JOBS:-$(nproc)}
FUZZ_SECONDS=${HMX_FUZZ_SECONDS:-60}
LOG_DIR=build/test-logs
mkdir -p "$LOG_DIR"
total_passed=0 total_failed=0 total_skipped=0 failed_stages=()

# Runs ctest in a tree and adds its counts to the totals.
run_ctest() {
  local stage=$1 dir=$2; shift 2
  local log="$LOG_DIR/$stage.log" rc=0
  echo "== [$stage] ctest $*"
  (cd "$dir" && ctest -j"$JOBS" --output-on-failure --timeout 600 "$@") 2>&1 | tee "$log" || rc=$?
  local summary passed failed total skipped
  summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)
  if [[ -z "$summary" ]]; then
    echo "[$stage] no ctest summary (rc=$rc)"; failed_stages+=("$stage"); return 0
  fi
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
  total=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$summary")
  skipped=$(grep -cE '\(Skipped\)' "$log" || true)
  passed=$((total - failed - skipped))
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  if [[ $skipped -gt 0 ]]; then
    echo "[$stage] WARNING: $skipped test(s) SKIPPED:"; grep -E '\(Skipped\)' "$log" || true
  fi
  [[ $rc -eq 0 && $failed -eq 0 ]] || failed_stages+=("$stage")
}

stage_start() { echo; echo "======== $1 ($(date +%T))"; STAGE_T0=$SECONDS; }
stage_end() { echo "======== $1 took $((SECONDS - STAGE_T0)) s"; }

stage_start "main build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
stage_end "main build"
stage_start "main tests"
run_ctest main build
stage_end "main tests"

SANITIZED_TEST_TARGETS=(hmx_reference_tests hmx_libhmx_tests hmx_loopback_tests hmx_transport_tests)
for san in asan tsan; do
  flags="address,undefined"; [[ $san == tsan ]] && flags="thread"
  stage_start "$san build"
  cmake -S . -B "build-$san" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHMX_SANITIZE="$flags" >/dev/null
  # Only the host unit tests of the code a guest reaches are built and run here: the reference
  # core, libhmx (with its loopback into the core) and the virtio-argo transport.
  cmake --build "build-$san" -j"$JOBS" --target "${SANITIZED_TEST_TARGETS[@]}"
  stage_end "$san build"
  stage_start "$san tests"
  # Sanitizer trees build no guest images and no site: run the host tests only.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
    run_ctest "$san" "build-$san" -R '^(reference|libhmx|transport)\.' -E 'freestanding'
  stage_end "$san tests"
done

stage_start "fuzz build"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DHMX_BUILD_FUZZERS=ON -DHMX_FUZZ_SECONDS="$FUZZ_SECONDS" -DHMX_BUILD_GUESTS=OFF -DHMX_BUILD_DOCS=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS" --target hmx-fuzzers
stage_end "fuzz build"
stage_start "fuzz run (${FUZZ_SECONDS} s per target)"
HMX_FUZZ_SECONDS=$FUZZ_SECONDS run_ctest fuzz build-fuzz -L fuzz
stage_end "fuzz run"

stage_start "fuzz coverage"
# The fuzzers again with clang's source-based coverage, over the committed seeds and what the fuzz
# run above found (scripts/coverage.sh; HMX_COVERAGE_ENFORCE=1 makes a missed target fail).
HMX_FUZZ_BUILD=build-fuzz scripts/coverage.sh build-cov 2>&1 | tee "$LOG_DIR/coverage.log" || failed_stages+=("coverage")
stage_end "fuzz coverage"

# Robustness figures (issue 14), each counted from this run's logs: the fuzzers' executions and
# their exit counters (fuzz/*_fuzz.cpp), the hostile-guest ctests that passed in every tree.
robustness_line() {
  local fuzz_log=build-fuzz/Testing/Temporary/LastTest.log
  [[ -f $fuzz_log ]] || fuzz_log=/dev/null
  local execs budget crashes torn checked hostile
  execs=$(grep -oE '^Done [0-9]+ runs' "$fuzz_log" | awk '{s += $2} END {print s + 0}')
  budget=$(grep -oE '(budget_hits|bus_dropped|ebusy|budget_stops)=[0-9]+' "$fuzz_log" | awk -F= '{s += $2} END {print s + 0}')
  checked=$(grep -oE 'messages_checked=[0-9]+' "$fuzz_log" | awk -F= '{s += $2} END {print s + 0}')
  crashes=$(grep -cE 'deadly signal|ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|invariant violated|bound violated' "$fuzz_log" || true)
  torn=$(grep -cE 'torn message' "$fuzz_log" || true)
  hostile=$(cat "$LOG_DIR"/{main,asan,tsan}.log 2>/dev/null | grep -E 'Test +#[0-9]+: .*(Hostile|hostile|Budget|NeverDrains|Flood|ClaimingALarger|FailureOnTheServiceThread|Race).* Passed' | wc -l)
  echo "hmx-robustness: fuzz executions $execs, hostile scenarios run $hostile, budgets hit $budget, crashes $crashes, lost or torn messages $torn (of $checked read back)"
}
robustness_line | tee "$LOG_DIR/robustness.log"

echo
echo "== summary: stages failed: ${failed_stages[*]:-none}"
echo "hmx-test: $total_passed passed, $total_failed failed, $total_skipped skipped"
[[ ${#failed_stages[@]} -eq 0 ]]
