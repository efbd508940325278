// SPDX-License-Identifier: Apache-2.0
// The monitor's command line, read through semihosting (QEMU: the -kernel path, then -append):
//
//   --domain NAME=IMAGE[,vcpus=N][,mem=SIZE][,arg=WORD]...   (repeatable; ids 1, 2, 3... in order)
//   --timeout SECONDS        stop every domain still running after SECONDS
//   --vendor none|kvm|xen    who answers the vendor hypervisor service's general queries (OEN 6)
//   --policy TABLE           the MAC policy: a table hmx-policy-table compiled from a policy file
//                            (adapters/reference/POLICY.md); without it every cross-domain
//                            operation is denied (default deny)
//   --stats                  print the HMX core's counters at the end
//
// the same shape as hmx-kvm's (adapters/kvm/README.md). IMAGE is a host path of an arm64 Image.
#include "console.h"
#include "monitor.h"

namespace hmx::arm {

namespace {
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kDefaultMem = 64 * kMiB;

bool eq(const char* a, size_t n, const char* b) { return strlen(b) == n && memcmp(a, b, n) == 0; }

bool parse_u64(const char* s, size_t n, uint64_t* out) {
  if (n == 0 || n > 12) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + uint64_t(s[i] - '0');
  }
  *out = v;
  return true;
}

// SIZE: a number of MiB, or with a K, M or G suffix.
bool parse_size(const char* s, size_t n, uint64_t* out) {
  uint64_t unit = kMiB;
  if (n > 0 && (s[n - 1] == 'K' || s[n - 1] == 'M' || s[n - 1] == 'G')) {
    unit = s[n - 1] == 'K' ? 1024 : s[n - 1] == 'M' ? kMiB : 1024 * kMiB;
    --n;
  }
  uint64_t v;
  if (!parse_u64(s, n, &v)) return false;
  *out = v * unit;
  return true;
}

bool copy_text(char* dst, size_t cap, const char* s, size_t n) {
  if (n + 1 > cap) return false;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return true;
}

bool error(const char* what, const char* s, size_t n) {
  char word[128];
  copy_text(word, sizeof word, s, n < sizeof word - 1 ? n : sizeof word - 1);
  console_printf("hmx-arm-monitor", "usage error: %s: '%s'", what, word);
  console_printf("hmx-arm-monitor",
                 "usage: --domain NAME=IMAGE[,vcpus=N][,mem=SIZE][,arg=WORD]... [--timeout SECONDS] "
                 "[--vendor none|kvm|xen] [--policy TABLE] [--stats]");
  return false;
}

bool parse_domain(const char* s, size_t n) {
  if (g_monitor.nr_domains == kMaxDomains) return error("too many domains", s, n);
  domain& d = g_monitor.domains[g_monitor.nr_domains];
  d.slot = g_monitor.nr_domains;
  d.id = static_cast<uint16_t>(g_monitor.nr_domains + 1);
  d.mem_size = kDefaultMem;
  d.nr_vcpus = 1;
  size_t i = 0;
  while (i < n && s[i] != '=') ++i;
  if (i == 0 || i == n || !copy_text(d.name, sizeof d.name, s, i)) return error("bad NAME=IMAGE", s, n);
  for (size_t k = 0; k < i; ++k)
    if (s[k] == '*' || s[k] == ':' || s[k] == '[' || s[k] == ']') return error("bad domain name", s, n);
  size_t start = ++i;
  while (i < n && s[i] != ',') ++i;
  if (i == start || !copy_text(d.image, sizeof d.image, s + start, i - start)) return error("bad IMAGE", s, n);
  while (i < n) {
    start = ++i;
    while (i < n && s[i] != ',') ++i;
    const char* opt = s + start;
    const size_t len = i - start;
    size_t eqpos = 0;
    while (eqpos < len && opt[eqpos] != '=') ++eqpos;
    if (eqpos == len) return error("option without '='", opt, len);
    const char* val = opt + eqpos + 1;
    const size_t vlen = len - eqpos - 1;
    uint64_t v;
    if (eq(opt, eqpos, "vcpus")) {
      if (!parse_u64(val, vlen, &v) || v < 1 || v > kMaxVcpusPerDomain) return error("vcpus must be 1..4", opt, len);
      d.nr_vcpus = static_cast<unsigned>(v);
    } else if (eq(opt, eqpos, "mem")) {
      if (!parse_size(val, vlen, &v) || v < 4 * kMiB || v > kGuestMaxRam || v % (2 * kMiB) != 0)
        return error("mem must be a multiple of 2 MiB in 4 MiB..1 GiB", opt, len);
      d.mem_size = v;
    } else if (eq(opt, eqpos, "arg")) {
      const size_t used = strlen(d.args);
      if (used + vlen + 2 > sizeof d.args) return error("arg too long", opt, len);
      if (used != 0) d.args[used] = ' ';
      copy_text(d.args + used + (used != 0), sizeof d.args - used - 1, val, vlen);
    } else {
      return error("unknown domain option", opt, len);
    }
  }
  for (unsigned k = 0; k < g_monitor.nr_domains; ++k)
    if (strlen(g_monitor.domains[k].name) == strlen(d.name) && memcmp(g_monitor.domains[k].name, d.name, strlen(d.name)) == 0)
      return error("duplicate domain name", s, n);
  ++g_monitor.nr_domains;
  return true;
}
}  // namespace

bool parse_config(const char* line) {
  const char* p = line;
  bool first = true;
  while (*p != '\0') {
    while (*p == ' ') ++p;
    if (*p == '\0') break;
    const char* w = p;
    while (*p != '\0' && *p != ' ') ++p;
    const size_t n = static_cast<size_t>(p - w);
    if (first && w[0] != '-') {  // the -kernel path
      first = false;
      continue;
    }
    first = false;
    if (eq(w, n, "--stats")) {
      g_monitor.stats = true;
      continue;
    }
    const bool takes_value = eq(w, n, "--domain") || eq(w, n, "--timeout") || eq(w, n, "--vendor") ||
                             eq(w, n, "--policy");
    if (!takes_value) return error("unknown argument", w, n);
    while (*p == ' ') ++p;
    const char* v = p;
    while (*p != '\0' && *p != ' ') ++p;
    const size_t vn = static_cast<size_t>(p - v);
    if (vn == 0) return error("missing value for", w, n);
    if (eq(w, n, "--domain")) {
      if (!parse_domain(v, vn)) return false;
    } else if (eq(w, n, "--policy")) {
      static char path[256];
      if (!copy_text(path, sizeof path, v, vn)) return error("policy path too long", v, vn);
      g_monitor.policy = path;
    } else if (eq(w, n, "--timeout")) {
      uint64_t t;
      if (!parse_u64(v, vn, &t) || t > 86400) return error("bad --timeout", v, vn);
      g_monitor.timeout_s = static_cast<uint32_t>(t);
    } else {
      if (eq(v, vn, "none")) g_monitor.vendor = kVendorNone;
      else if (eq(v, vn, "kvm")) g_monitor.vendor = kVendorKvm;
      else if (eq(v, vn, "xen")) g_monitor.vendor = kVendorXen;
      else return error("bad --vendor", v, vn);
    }
  }
  if (g_monitor.nr_domains == 0) return error("no --domain given", "", 0);
  return true;
}

}  // namespace hmx::arm
