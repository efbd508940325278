# SPDX-License-Identifier: GPL-2.0-only
# Helpers of the guest test scripts (sourced as /lib/hmx-test.sh).

fail() {
  echo "FAIL: $*"
  exit 1
}

# Centiseconds since boot.
now_cs() {
  read -r up _ </proc/uptime
  # "12.07": whole seconds, then the two decimals without their leading zero (no octal).
  echo $(( ${up%.*} * 100 + 1${up#*.} - 100 ))
}

# "N MB/s" for BYTES moved in CENTISECONDS.
rate() {
  cs=$2
  [ "$cs" -gt 0 ] || cs=1
  echo "$(( $1 * 100 / cs / 1000000 )) MB/s"
}

# The HMX domain id of NAME, from the hmx_domains=NAME:ID,... word hmx-hostd passes.
domain_id() {
  echo "$hmx_domains" | tr ',' '\n' | sed -n "s/^$1://p"
}
