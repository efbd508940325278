// SPDX-License-Identifier: Apache-2.0
// The report API of conformance::context (context.h), after kvm-unit-tests' lib/report.c
// (report / report_skip / report_info, one PASS/FAIL/SKIP per check) and the Arm ACS status
// word (a failure carries the number of the checkpoint that failed). Output: PROTOCOL.md.
#include <stdarg.h>

#include "conformance/context.h"
#include "conformance/format.h"
#include "conformance/registry.h"

namespace conformance {

namespace {

// Most CHECK lines one test prints; further failures are only counted.
constexpr unsigned kMaxFailLines = 16;

bool same_id(const char* a, unsigned alen, const char* b) {
  unsigned i = 0;
  for (; i < alen; ++i)
    if (b[i] != a[i]) return false;
  return b[i] == '\0';
}

void copy(char* dst, size_t cap, const char* src) {
  size_t i = 0;
  for (; src != nullptr && src[i] != '\0' && i + 1 < cap; ++i) dst[i] = src[i];
  dst[i] = '\0';
}

char outcome_letter(req_outcome o) {
  switch (o) {
    case req_outcome::pass: return 'P';
    case req_outcome::fail: return 'F';
    case req_outcome::skip: return 'S';
    default: return 'N';
  }
}

}  // namespace

void context::line(const char* fmt, ...) noexcept {
  char buf[640];
  va_list ap;
  va_start(ap, fmt);
  size_t n = vformat(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n >= sizeof buf) n = sizeof buf - 1;
  // One line of printable ASCII: a message can never forge a second protocol line.
  for (size_t i = 0; i < n; ++i)
    if (buf[i] < 0x20 || buf[i] > 0x7e) buf[i] = '?';
  p_.write_line(buf, n);
}

void context::begin_test(const test_case& t) noexcept {
  test_ = &t;
  nreqs_ = 0;
  cur_reqs_ = 0;
  checkpoint_ = 0;
  reported_fails_ = 0;
  first_fail_[0] = '\0';
  skip_reason_[0] = '\0';
  nrings_ = 0;
  send_buf_ = nullptr;
  // Parse "HMX-A-001 HMX-B-002" in place: the string is a literal that outlives the test.
  for (const char* s = t.reqs; *s != '\0' && nreqs_ < max_test_reqs;) {
    while (*s == ' ') ++s;
    const char* start = s;
    while (*s != '\0' && *s != ' ') ++s;
    if (s != start) reqs_[nreqs_++] = req_state{start, static_cast<uint8_t>(s - start), 0, 0, req_outcome::none};
  }
  if (test_base_ != nullptr) test_arena_.reset(test_base_, test_bytes_);
  arena_ = &test_arena_;
  char list[max_test_reqs * 16] = {};
  size_t n = 0;
  for (unsigned i = 0; i < nreqs_; ++i) {
    if (i != 0 && n + 1 < sizeof list) list[n++] = ',';
    for (unsigned k = 0; k < reqs_[i].len && n + 1 < sizeof list; ++k) list[n++] = reqs_[i].id[k];
  }
  list[n] = '\0';
  line("HMXC TEST %s reqs=%s", t.name, list);
}

int context::find_req(const char* id) const noexcept {
  for (unsigned i = 0; i < nreqs_; ++i)
    if (same_id(reqs_[i].id, reqs_[i].len, id)) return static_cast<int>(i);
  return -1;
}

// Calls fn(index) for each declared requirement named in `ids` ("HMX-A-001 HMX-A-002": a check
// may bear on the several conditions one 0.1 requirement bundled); false when one is undeclared.
template <class Fn>
bool context::for_each_named(const char* ids, Fn&& fn) noexcept {
  bool all = true;
  for (const char* s = ids; *s != '\0';) {
    while (*s == ' ') ++s;
    char id[24];
    unsigned k = 0;
    for (; *s != '\0' && *s != ' '; ++s)
      if (k + 1 < sizeof id) id[k++] = *s;
    id[k] = '\0';
    if (k == 0) continue;
    const int i = find_req(id);
    if (i < 0) {
      all = false;
      check(false, "harness: %s is not declared by this test", id);
      continue;
    }
    fn(static_cast<unsigned>(i), id);
  }
  return all;
}

void context::req(const char* ids) noexcept {
  cur_reqs_ = 0;
  if (ids == nullptr) return;
  uint32_t mask = 0;
  for_each_named(ids, [&](unsigned i, const char*) { mask |= uint32_t{1} << i; });
  cur_reqs_ = mask;
}

void context::fail_line(int req, const char* msg) noexcept {
  if (first_fail_[0] == '\0') format(first_fail_, sizeof first_fail_, "cp %u: %s", checkpoint_, msg);
  if (++reported_fails_ > kMaxFailLines) return;
  const char* name = test_ != nullptr ? test_->name : "setup";
  if (req < 0)
    line("HMXC CHECK %s cp=%u req=* FAIL msg=%s", name, checkpoint_, msg);
  else {
    char id[24];
    unsigned k = 0;
    for (; k < reqs_[req].len && k + 1 < sizeof id; ++k) id[k] = reqs_[req].id[k];
    id[k] = '\0';
    line("HMXC CHECK %s cp=%u req=%s FAIL msg=%s", name, checkpoint_, id, msg);
  }
}

bool context::vcheck(bool ok, const char* fmt, va_list ap) noexcept {
  ++checkpoint_;
  if (cur_reqs_ != 0) {
    for (unsigned i = 0; i < nreqs_; ++i) {
      if ((cur_reqs_ & (uint32_t{1} << i)) == 0) continue;
      ++reqs_[i].checks;
      if (!ok) ++reqs_[i].fails;
    }
  } else {
    for (unsigned i = 0; i < nreqs_; ++i) {
      ++reqs_[i].checks;
      if (!ok) ++reqs_[i].fails;
    }
  }
  if (!ok) {
    char msg[200];
    vformat(msg, sizeof msg, fmt, ap);
    if (test_ == nullptr) ++totals_.fail;  // a check outside any test: setup failed
    if (cur_reqs_ == 0) fail_line(-1, msg);
    for (unsigned i = 0; i < nreqs_; ++i)
      if ((cur_reqs_ & (uint32_t{1} << i)) != 0) fail_line(static_cast<int>(i), msg);
  }
  return ok;
}

bool context::check(bool ok, const char* fmt, ...) noexcept {
  va_list ap;
  va_start(ap, fmt);
  vcheck(ok, fmt, ap);
  va_end(ap);
  return ok;
}

namespace {
void describe_rc(char* buf, size_t cap, int64_t rc) {
  if (rc < 0)
    format(buf, cap, "%s (%ld)", hmx::error_name(rc), static_cast<long>(rc));
  else
    format(buf, cap, "%ld", static_cast<long>(rc));
}
}  // namespace

bool context::expect_rc(int64_t got, int64_t want, const char* fmt, ...) noexcept {
  char what[120], g[40], w[40];
  va_list ap;
  va_start(ap, fmt);
  vformat(what, sizeof what, fmt, ap);
  va_end(ap);
  describe_rc(g, sizeof g, got);
  describe_rc(w, sizeof w, want);
  return check(got == want, "%s: got %s, want %s", what, g, w);
}

bool context::expect_eq(uint64_t got, uint64_t want, const char* fmt, ...) noexcept {
  char what[120];
  va_list ap;
  va_start(ap, fmt);
  vformat(what, sizeof what, fmt, ap);
  va_end(ap);
  return check(got == want, "%s: got %#lx, want %#lx", what, static_cast<unsigned long>(got),
               static_cast<unsigned long>(want));
}

void context::info(const char* fmt, ...) noexcept {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vformat(msg, sizeof msg, fmt, ap);
  va_end(ap);
  line("HMXC INFO %s msg=%s", test_ != nullptr ? test_->name : "setup", msg);
}

void context::skip(const char* fmt, ...) noexcept {
  char msg[sizeof skip_reason_];
  va_list ap;
  va_start(ap, fmt);
  vformat(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (unsigned i = 0; i < nreqs_; ++i)
    if (reqs_[i].fails == 0 && reqs_[i].forced == req_outcome::none) reqs_[i].forced = req_outcome::skip;
  if (skip_reason_[0] == '\0') copy(skip_reason_, sizeof skip_reason_, msg);
}

void context::skip_req(const char* ids, const char* reason) noexcept {
  for_each_named(ids, [&](unsigned i, const char* id) {
    reqs_[i].forced = req_outcome::skip;
    if (skip_reason_[0] == '\0') format(skip_reason_, sizeof skip_reason_, "%s: %s", id, reason);
  });
}

void context::untestable(const char* ids, const char* reason) noexcept {
  for_each_named(ids, [&](unsigned i, const char*) {
    reqs_[i].forced = req_outcome::untested;
    if (skip_reason_[0] == '\0') copy(skip_reason_, sizeof skip_reason_, reason);
  });
}

bool context::failed() const noexcept {
  for (unsigned i = 0; i < nreqs_; ++i)
    if (reqs_[i].fails != 0) return true;
  return false;
}

void context::finish_report() noexcept {
  char list[max_test_reqs * 18] = {};
  size_t n = 0;
  bool any_fail = false, any_pass = false;
  for (unsigned i = 0; i < nreqs_; ++i) {
    const req_state& r = reqs_[i];
    req_outcome o = r.fails != 0                       ? req_outcome::fail
                    : r.forced != req_outcome::none    ? r.forced
                    : r.checks != 0                    ? req_outcome::pass
                                                       : req_outcome::untested;
    any_fail |= o == req_outcome::fail;
    any_pass |= o == req_outcome::pass;
    if (i != 0 && n + 1 < sizeof list) list[n++] = ',';
    for (unsigned k = 0; k < r.len && n + 1 < sizeof list; ++k) list[n++] = r.id[k];
    if (n + 3 < sizeof list) {
      list[n++] = ':';
      list[n++] = outcome_letter(o);
    }
  }
  list[n] = '\0';
  const char* verdict = any_fail ? "FAIL" : any_pass ? "PASS" : "SKIP";
  if (any_fail)
    ++totals_.fail;
  else if (any_pass)
    ++totals_.pass;
  else
    ++totals_.skip;
  const char* msg = any_fail ? first_fail_ : skip_reason_;
  line("HMXC RESULT %s %s cp=%u reqs=%s msg=%s", test_->name, verdict, checkpoint_, list, msg);
}

}  // namespace conformance
