#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Integration test driver: runs a command (normally hmx-kvm), checks its exit code, its output
# against extended regular expressions, and its wall time.
#   run_hmx_kvm.sh [--no-kvm] --rc N [--max-seconds S] [--expect ERE]... -- COMMAND [ARGS]...
# Without /dev/kvm (and unless --no-kvm): prints "SKIPPED: /dev/kvm not available", exits 77.
need_kvm=1 rc_want= max_seconds=120 expects=
while [ $# -gt 0 ]; do
  case "$1" in
    --no-kvm) need_kvm=0 ;;
    --rc) rc_want=$2; shift ;;
    --max-seconds) max_seconds=$2; shift ;;
    --expect) expects="$expects$2
"; shift ;;
    --) shift; break ;;
    *) echo "run_hmx_kvm.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$need_kvm" = 1 ] && ! { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }; then
  echo "SKIPPED: /dev/kvm not available"
  exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
# The outer timeout is only a safety net: every VM run also has hmx-kvm's own --timeout.
timeout -k 5 "$max_seconds" "$@" >"$out" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
cat "$out"
fail=0
if [ "$rc" != "$rc_want" ]; then echo "FAIL: exit code $rc, expected $rc_want"; fail=1; fi
if [ "$elapsed" -ge "$max_seconds" ]; then echo "FAIL: took ${elapsed}s, limit ${max_seconds}s"; fail=1; fi
printf '%s' "$expects" | while IFS= read -r pattern; do
  [ -z "$pattern" ] && continue
  if ! grep -Eq -- "$pattern" "$out"; then echo "FAIL: no output line matches: $pattern"; exit 1; fi
done || fail=1
[ "$fail" = 0 ] && echo "PASS (exit code $rc, ${elapsed}s)"
exit $fail
