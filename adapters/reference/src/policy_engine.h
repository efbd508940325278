/* SPDX-License-Identifier: Apache-2.0 */
// The policy of a portable build (internal): rules from a compiled table (policy_table.h),
// evaluated, counted and logged like the hosted Policy (policy.cpp) does it, with no allocation,
// no exceptions and no C++ library beyond what is freestanding. Policy's freestanding
// implementation (policy_freestanding.cpp) forwards to it; a host test holds the two side by side
// (policy_table_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hmx/reference/policy.h"
#include "hmx/reference/policy_table.h"
#include "port_portable.h"

namespace hmx::ref {

class PolicyEngine {
 public:
  // Replaces the rules; false (rules unchanged) when the table is malformed. The table's bytes
  // must stay valid as long as this engine uses them.
  bool load(std::span<const std::byte> table) noexcept;
  // 0, or the negated error of a denial (EACCES; EPERM for kRegisterAnySource), counted and
  // logged. For kRegisterAnySource `src` is the owner and the rule's source is "*".
  int check(PolicyHook hook, PolicySubject src, PolicySubject dst, uint32_t aport) noexcept;
  PolicyVerdict evaluate(PolicyHook hook, std::string_view src, std::string_view dst) const noexcept;

  uint64_t denials() const noexcept;
  uint64_t denials(PolicyHook hook) const noexcept;
  uint64_t denials(PolicyHook hook, DomainId src, DomainId dst) const noexcept;
  size_t rule_count() const noexcept;

  void set_log_sink(Policy::LogSink sink, void* context) noexcept;
  void set_log_rate(uint32_t per_second, uint32_t burst) noexcept;

 private:
  const CompiledRule* match(PolicyHook hook, std::string_view src, std::string_view dst) const noexcept;
  bool may_log() noexcept;  // requires log_mu_

  mutable port::shared_mutex rules_mu_;
  CompiledRule rules_[kMaxPolicyTableRules];
  size_t nrules_ = 0;

  // Denial counters per (hook, source, destination): the first kPairs pairs, every denial in
  // per_hook_ regardless.
  static constexpr size_t kPairs = 64;
  struct pair_count {
    uint8_t hook;
    DomainId src, dst;
    uint64_t count;
  };
  mutable port::mutex counters_mu_;
  pair_count pairs_[kPairs] = {};
  size_t npairs_ = 0;
  uint64_t per_hook_[kPolicyHookCount] = {};

  port::mutex log_mu_;
  Policy::LogSink sink_ = nullptr;
  void* sink_context_ = nullptr;
  uint32_t rate_ = 20, burst_ = 100;
  uint64_t tokens_milli_ = 100 * 1000;  // thousandths of a line
  uint64_t last_ns_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace hmx::ref
