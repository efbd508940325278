// SPDX-License-Identifier: Apache-2.0
// Policy evaluation, denial counting and logging (Xen xsm/dummy.h Argo hooks; docs/ARCHITECTURE.md decision 9).
#include "hmx/reference/policy.h"

#include <hmx/abi/hmx.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <tuple>

#include "hmx/reference/policy_table.h"
#include "policy_rules.h"

namespace hmx::ref {

const char* to_string(PolicyHook hook) {
  switch (hook) {
    case PolicyHook::kSend: return "SEND";
    case PolicyHook::kRegisterSingleSource: return "REGISTER_SINGLE_SOURCE";
    case PolicyHook::kRegisterAnySource: return "REGISTER_ANY_SOURCE";
  }
  return "?";
}

struct Policy::Impl {
  // Rules: replaced wholesale by load_*, read by every check (shared).
  mutable std::shared_mutex rules_mu;
  PolicyRules rules;

  // Denial counters, keyed (hook, source id, destination id). Only touched on a denial.
  mutable std::mutex counters_mu;
  std::map<std::tuple<uint8_t, DomainId, DomainId>, DenialCount> table;
  uint64_t per_hook[kPolicyHookCount] = {};

  std::mutex logger_mu;  // serializes log lines; guards the logger and the rate limiter
  Logger logger;
  uint32_t rate = 20, burst = 100;  // lines per second, bucket size (0: unlimited)
  double tokens = 100;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  uint64_t suppressed = 0;

  // Token bucket. Requires logger_mu.
  bool may_log() {
    if (rate == 0) return true;
    const auto now = std::chrono::steady_clock::now();
    tokens = std::min<double>(burst, tokens + std::chrono::duration<double>(now - last).count() * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  // First matching rule, or nullptr (default deny). Requires rules_mu.
  const PolicyRule* match(PolicyHook hook, std::string_view src, std::string_view dst) const {
    const uint8_t bit = static_cast<uint8_t>(1u << static_cast<unsigned>(hook));
    for (const PolicyRule& r : rules.rules) {
      if ((r.hooks & bit) != 0 && r.source.matches(src) && r.destination.matches(dst)) return &r;
    }
    return nullptr;
  }

  // Evaluate, and on denial count and log. Returns 0 or a negated error code.
  int check(PolicyHook hook, PolicySubject src, PolicySubject dst, uint32_t aport,
            bool src_is_pattern) {
    std::string reason;
    int rc = 0;
    {
      std::shared_lock lock(rules_mu);
      const PolicyRule* r = match(hook, src_is_pattern ? std::string_view("*") : src.name, dst.name);
      if (r != nullptr && r->allow) return 0;
      // Argo refuses wildcard rings with EPERM while mac-permissive is off (Xen argo.c register_ring);
      // here a REGISTER_ANY_SOURCE allow rule plays mac-permissive's part (HMX-MAC-001).
      rc = hook == PolicyHook::kRegisterAnySource ? -HMX_EPERM : -HMX_EACCES;
      if (r != nullptr) {
        reason = "rule " + std::to_string(r->index) + (r->name.empty() ? "" : " (" + r->name + ")") +
                 " denies it";
      } else if (hook == PolicyHook::kRegisterAnySource) {
        reason = "no REGISTER_ANY_SOURCE rule allows wildcard rings for it";
      } else {
        reason = "no rule matches (default deny)";
      }
    }
    {
      std::lock_guard lock(counters_mu);
      auto key = std::make_tuple(static_cast<uint8_t>(hook), src.id, dst.id);
      auto [it, fresh] = table.try_emplace(key);
      if (fresh) {
        it->second = DenialCount{hook, src.id, dst.id, std::string(src.name), std::string(dst.name), 0};
      }
      ++it->second.count;
      ++per_hook[static_cast<size_t>(hook)];
    }
    std::lock_guard log_lock(logger_mu);
    if (!logger || !may_log()) {
      ++suppressed;
      return rc;
    }
    std::string msg = std::string("hmx policy: denied ") + to_string(hook) + ": ";
    auto who = [](PolicySubject s) {
      return "domain '" + std::string(s.name) + "' (id " + std::to_string(s.id) + ")";
    };
    switch (hook) {
      case PolicyHook::kSend:
        msg += who(src) + " may not send to " + who(dst) + " aport " + std::to_string(aport);
        break;
      case PolicyHook::kRegisterSingleSource:
        msg += who(dst) + " may not register aport " + std::to_string(aport) +
               " for partner " + who(src);
        break;
      case PolicyHook::kRegisterAnySource:
        msg += who(dst) + " may not register a wildcard (any-source) ring, aport " +
               std::to_string(aport);
        break;
    }
    msg += ": " + reason + " -> " + (rc == -HMX_EPERM ? "EPERM" : "EACCES");
    if (suppressed != 0) {
      msg += " (" + std::to_string(suppressed) + " earlier denial messages suppressed)";
      suppressed = 0;
    }
    logger(msg);
    return rc;
  }
};

void Policy::ImplDeleter::operator()(Impl* impl) const noexcept { delete impl; }

Policy::Policy() : impl_(new Impl()) {
  impl_->logger = [](std::string_view m) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(m.size()), m.data());
  };
}

Policy::~Policy() = default;

bool Policy::load_text(std::string_view text, std::string* error, std::string_view origin) {
  PolicyRules rules;
  std::string why;
  if (!parse_policy_text(text, origin, rules, why)) {
    if (error != nullptr) *error = why;
    return false;
  }
  std::unique_lock lock(impl_->rules_mu);
  impl_->rules = std::move(rules);
  return true;
}

bool Policy::load_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error != nullptr) *error = path + ": cannot open policy file";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_text(text.str(), error, path);
}

bool Policy::load_table(std::span<const std::byte> table) {
  CompiledRule compiled[kMaxPolicyTableRules];
  size_t n = 0;
  if (!decode_policy_table(table, compiled, kMaxPolicyTableRules, &n)) return false;
  PolicyRules rules;
  for (size_t i = 0; i < n; ++i) {
    const CompiledRule& c = compiled[i];
    PolicyRule r;
    r.index = c.index;
    r.name = std::string(c.name);
    r.allow = c.allow;
    r.hooks = c.hooks;
    auto pattern = [](std::string_view text) {
      NamePattern p;
      p.text = std::string(text);
      p.any = text == "*";
      p.prefix = !p.any && text.back() == '*';
      if (p.prefix) p.stem = p.text.substr(0, p.text.size() - 1);
      return p;
    };
    r.source = pattern(c.source);
    r.destination = pattern(c.destination);
    rules.rules.push_back(std::move(r));
  }
  std::unique_lock lock(impl_->rules_mu);
  impl_->rules = std::move(rules);
  return true;
}

// A domain acting on itself is always allowed (HMX-MAC-008 HMX-MAC-009; Argo allows self-send, Xen argo.c sendv).
int Policy::register_single_source(PolicySubject owner, PolicySubject partner, uint32_t aport) {
  if (owner.id == partner.id) return 0;
  return impl_->check(PolicyHook::kRegisterSingleSource, partner, owner, aport, false);
}

int Policy::register_any_source(PolicySubject owner, uint32_t aport) {
  return impl_->check(PolicyHook::kRegisterAnySource, owner, owner, aport, true);
}

int Policy::send(PolicySubject source, PolicySubject destination, uint32_t aport) {
  if (source.id == destination.id) return 0;
  return impl_->check(PolicyHook::kSend, source, destination, aport, false);
}

PolicyVerdict Policy::evaluate(PolicyHook hook, std::string_view source,
                               std::string_view destination) const {
  std::shared_lock lock(impl_->rules_mu);
  const PolicyRule* r = impl_->match(hook, source, destination);
  if (r == nullptr) return PolicyVerdict::kNoRule;
  return r->allow ? PolicyVerdict::kAllow : PolicyVerdict::kDeny;
}

void Policy::set_logger(Logger logger) {
  std::lock_guard lock(impl_->logger_mu);
  impl_->logger = std::move(logger);
}

void Policy::set_log_sink(LogSink sink, void* context) {
  if (sink == nullptr) set_logger(nullptr);
  else set_logger([sink, context](std::string_view m) { sink(context, m); });
}

void Policy::set_log_rate(uint32_t per_second, uint32_t burst) {
  std::lock_guard lock(impl_->logger_mu);
  impl_->rate = per_second;
  impl_->burst = burst;
  impl_->tokens = burst;
}

uint64_t Policy::denials() const {
  std::lock_guard lock(impl_->counters_mu);
  uint64_t n = 0;
  for (uint64_t c : impl_->per_hook) n += c;
  return n;
}

uint64_t Policy::denials(PolicyHook hook) const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->per_hook[static_cast<size_t>(hook)];
}

uint64_t Policy::denials(PolicyHook hook, DomainId source, DomainId destination) const {
  std::lock_guard lock(impl_->counters_mu);
  auto it = impl_->table.find(std::make_tuple(static_cast<uint8_t>(hook), source, destination));
  return it == impl_->table.end() ? 0 : it->second.count;
}

std::vector<DenialCount> Policy::denial_table() const {
  std::lock_guard lock(impl_->counters_mu);
  std::vector<DenialCount> out;
  out.reserve(impl_->table.size());
  for (const auto& [key, value] : impl_->table) out.push_back(value);
  return out;
}

void Policy::reset_counters() {
  std::lock_guard lock(impl_->counters_mu);
  impl_->table.clear();
  for (uint64_t& c : impl_->per_hook) c = 0;
}

size_t Policy::rule_count() const {
  std::shared_lock lock(impl_->rules_mu);
  return impl_->rules.rules.size();
}

}  // namespace hmx::ref
