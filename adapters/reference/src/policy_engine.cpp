// SPDX-License-Identifier: Apache-2.0
// PolicyEngine (policy_engine.h): the hosted Policy's evaluation, counting and log text
// (policy.cpp), over a compiled table.
#include "policy_engine.h"

#include <hmx/abi/hmx.h>

namespace hmx::ref {

namespace {

// A log line in a fixed buffer (truncated, never overflowing).
class line {
 public:
  line& operator<<(std::string_view s) {
    for (char c : s)
      if (n_ + 1 < sizeof buf_) buf_[n_++] = c;
    return *this;
  }
  line& operator<<(uint64_t v) {
    char digits[24];
    size_t k = 0;
    do {
      digits[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (k > 0) *this << std::string_view(&digits[--k], 1);
    return *this;
  }
  std::string_view text() const { return {buf_, n_}; }

 private:
  char buf_[384];
  size_t n_ = 0;
};

line& who(line& l, PolicySubject s) { return l << "domain '" << s.name << "' (id " << uint64_t{s.id} << ")"; }

}  // namespace

bool PolicyEngine::load(std::span<const std::byte> table) noexcept {
  CompiledRule fresh[kMaxPolicyTableRules];
  size_t n = 0;
  if (!decode_policy_table(table, fresh, kMaxPolicyTableRules, &n)) return false;
  port::unique_lock lock(rules_mu_);
  for (size_t i = 0; i < n; ++i) rules_[i] = fresh[i];
  nrules_ = n;
  return true;
}

const CompiledRule* PolicyEngine::match(PolicyHook hook, std::string_view src, std::string_view dst) const noexcept {
  const auto bit = static_cast<uint8_t>(1u << static_cast<unsigned>(hook));
  for (size_t i = 0; i < nrules_; ++i) {
    const CompiledRule& r = rules_[i];
    if ((r.hooks & bit) != 0 && policy_pattern_matches(r.source, src) && policy_pattern_matches(r.destination, dst))
      return &r;
  }
  return nullptr;
}

PolicyVerdict PolicyEngine::evaluate(PolicyHook hook, std::string_view src, std::string_view dst) const noexcept {
  port::shared_lock lock(rules_mu_);
  const CompiledRule* r = match(hook, src, dst);
  if (r == nullptr) return PolicyVerdict::kNoRule;
  return r->allow ? PolicyVerdict::kAllow : PolicyVerdict::kDeny;
}

bool PolicyEngine::may_log() noexcept {
  if (rate_ == 0) return true;
  const uint64_t now = port::now_ns();
  if (now > last_ns_) {
    // rate_ lines per second: rate_ * elapsed_ns / 1e6 thousandths of a line.
    const uint64_t gained = (now - last_ns_) / 1000000 * rate_;
    tokens_milli_ = tokens_milli_ + gained > uint64_t{burst_} * 1000 ? uint64_t{burst_} * 1000 : tokens_milli_ + gained;
    last_ns_ = now;
  }
  if (tokens_milli_ < 1000) return false;
  tokens_milli_ -= 1000;
  return true;
}

int PolicyEngine::check(PolicyHook hook, PolicySubject src, PolicySubject dst, uint32_t aport) noexcept {
  const bool any = hook == PolicyHook::kRegisterAnySource;
  const int rc = any ? -HMX_EPERM : -HMX_EACCES;
  uint32_t rule_index = 0;
  std::string_view rule_name;
  bool denied_by_rule = false;
  {
    port::shared_lock lock(rules_mu_);
    const CompiledRule* r = match(hook, any ? std::string_view("*") : src.name, dst.name);
    if (r != nullptr && r->allow) return 0;
    if (r != nullptr) {
      denied_by_rule = true;
      rule_index = r->index;
      rule_name = r->name;
    }
  }
  {
    port::lock_guard lock(counters_mu_);
    ++per_hook_[static_cast<size_t>(hook)];
    const auto h = static_cast<uint8_t>(hook);
    size_t i = 0;
    while (i < npairs_ && !(pairs_[i].hook == h && pairs_[i].src == src.id && pairs_[i].dst == dst.id)) ++i;
    if (i == npairs_ && npairs_ < kPairs) pairs_[npairs_++] = pair_count{h, src.id, dst.id, 0};
    if (i < npairs_) ++pairs_[i].count;
  }
  port::lock_guard lock(log_mu_);
  if (sink_ == nullptr || !may_log()) {
    ++suppressed_;
    return rc;
  }
  line l;
  l << "hmx policy: denied " << to_string(hook) << ": ";
  switch (hook) {
    case PolicyHook::kSend:
      who(l, src) << " may not send to ";
      who(l, dst) << " aport " << uint64_t{aport};
      break;
    case PolicyHook::kRegisterSingleSource:
      who(l, dst) << " may not register aport " << uint64_t{aport} << " for partner ";
      who(l, src);
      break;
    case PolicyHook::kRegisterAnySource:
      who(l, dst) << " may not register a wildcard (any-source) ring, aport " << uint64_t{aport};
      break;
  }
  l << ": ";
  if (denied_by_rule) {
    l << "rule " << uint64_t{rule_index};
    if (!rule_name.empty()) l << " (" << rule_name << ")";
    l << " denies it";
  } else if (any) {
    l << "no REGISTER_ANY_SOURCE rule allows wildcard rings for it";
  } else {
    l << "no rule matches (default deny)";
  }
  l << " -> " << (any ? "EPERM" : "EACCES");
  if (suppressed_ != 0) {
    l << " (" << suppressed_ << " earlier denial messages suppressed)";
    suppressed_ = 0;
  }
  sink_(sink_context_, l.text());
  return rc;
}

uint64_t PolicyEngine::denials() const noexcept {
  port::lock_guard lock(counters_mu_);
  uint64_t n = 0;
  for (uint64_t c : per_hook_) n += c;
  return n;
}

uint64_t PolicyEngine::denials(PolicyHook hook) const noexcept {
  port::lock_guard lock(counters_mu_);
  return per_hook_[static_cast<size_t>(hook)];
}

uint64_t PolicyEngine::denials(PolicyHook hook, DomainId src, DomainId dst) const noexcept {
  port::lock_guard lock(counters_mu_);
  for (size_t i = 0; i < npairs_; ++i)
    if (pairs_[i].hook == static_cast<uint8_t>(hook) && pairs_[i].src == src && pairs_[i].dst == dst)
      return pairs_[i].count;
  return 0;
}

size_t PolicyEngine::rule_count() const noexcept {
  port::shared_lock lock(rules_mu_);
  return nrules_;
}

void PolicyEngine::set_log_sink(Policy::LogSink sink, void* context) noexcept {
  port::lock_guard lock(log_mu_);
  sink_ = sink;
  sink_context_ = context;
}

void PolicyEngine::set_log_rate(uint32_t per_second, uint32_t burst) noexcept {
  port::lock_guard lock(log_mu_);
  rate_ = per_second;
  burst_ = burst;
  tokens_milli_ = uint64_t{burst} * 1000;
}

}  // namespace hmx::ref
