/* SPDX-License-Identifier: Apache-2.0 */
// Mandatory access control for HMX, modelled on Xen's XSM Argo hooks (Xen xsm/dummy.h Argo hooks).
//
// Rules come from a policy file in protobuf text format (adapters/reference/policy.proto,
// documented in adapters/reference/POLICY.md). They name domains by their NAME (given to
// Core::create_domain), with "*" wildcards. Without a matching rule the answer is deny between
// distinct domains (docs/ARCHITECTURE.md decision 9); a domain may always send to itself and register a ring
// naming itself as partner. Wildcard (any-source) rings need an explicit REGISTER_ANY_SOURCE allow
// rule. Every denial is counted (per hook and per domain pair) and logged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/reference/types.h"

namespace hmx::ref {

enum class PolicyHook : uint8_t {
  kSend = 0,                  // sendv, and each notify query entry (Xen argo.c sendv, 2.6)
  kRegisterSingleSource = 1,  // register_ring with a specific partner
  kRegisterAnySource = 2,     // register_ring with partner DOMID_ANY
};
inline constexpr size_t kPolicyHookCount = 3;
// "SEND", "REGISTER_SINGLE_SOURCE", "REGISTER_ANY_SOURCE": the names used in policy files.
const char* to_string(PolicyHook hook);

// A domain as the policy sees it.
struct PolicySubject {
  DomainId id;
  std::string_view name;
};

enum class PolicyVerdict : uint8_t {
  kAllow,   // an ALLOW rule matched (or a domain acting on itself)
  kDeny,    // a DENY rule matched
  kNoRule,  // no rule matched: default deny
};

struct DenialCount {
  PolicyHook hook;
  DomainId source;            // the sender / the partner that would send (kRegisterAnySource: the owner)
  DomainId destination;       // the ring owner
  std::string source_name;
  std::string destination_name;
  uint64_t count;
};

class Policy {
 public:
  // Called once per denial with a one-line message naming the hook and both domains.
  using Logger = std::function<void(std::string_view message)>;
  // The same, as a plain function (what a freestanding build can offer).
  using LogSink = void (*)(void* context, std::string_view message);

  // No rules: everything between distinct domains is denied. The logger writes to stderr
  // (freestanding: nothing is logged until set_log_sink).
  Policy();
  ~Policy();
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  // Replace the rules with those of a policy file in protobuf text format. On any error the
  // current rules stay, and *error (if given) says what is wrong and where, e.g.
  // "site.policy:3:9: rule 1 (web-to-db): unknown hook \"SENDD\"". Safe while the core runs.
  bool load_text(std::string_view text, std::string* error, std::string_view origin = "<policy>");
  bool load_file(const std::string& path, std::string* error);
  // Replace the rules with those of a table compiled at build time from the same text format
  // (policy_table.h, hmx-policy-table). False, rules unchanged, for a malformed table. The table's
  // bytes must stay valid while the policy is used. The only loader of a freestanding build,
  // where load_text, load_file, set_logger, denial_table and reset_counters do not exist.
  bool load_table(std::span<const std::byte> table);

  // The hooks the core calls (HMX-MAC-001/002). Each returns 0 when allowed, otherwise a negated
  // HMX error code: -HMX_EACCES for send and register_single_source, -HMX_EPERM for
  // register_any_source (Argo's answer for a wildcard ring while mac-permissive is off; here an
  // allow rule plays mac-permissive's part, per domain). A denial is counted and logged.
  //   register_single_source(owner, partner): `owner` registers a ring only `partner` may send to;
  //     evaluated as a rule with source = partner, destination = owner.
  //   register_any_source(owner): evaluated with destination = owner (source "*").
  //   send(source, destination): source sends to (or queries) a ring of destination.
  // `aport` is the ring's port; it only appears in the log (HMX-MAC-006).
  int register_single_source(PolicySubject owner, PolicySubject partner, uint32_t aport = 0);
  int register_any_source(PolicySubject owner, uint32_t aport = 0);
  int send(PolicySubject source, PolicySubject destination, uint32_t aport = 0);

  // Pure evaluation by name: no counting, no logging. For register_any_source pass source "*".
  PolicyVerdict evaluate(PolicyHook hook, std::string_view source,
                         std::string_view destination) const;

  void set_logger(Logger logger);
  void set_log_sink(LogSink sink, void* context);
  // Log rate limit (HMX-MAC-006: no guest may flood the log): at most `burst` lines at once and
  // `per_second` lines per second on average; the next line logged says how many were
  // suppressed. Counting is never limited. Default 20 per second, burst 100; 0 disables the limit.
  void set_log_rate(uint32_t per_second, uint32_t burst);

  uint64_t denials() const;
  uint64_t denials(PolicyHook hook) const;
  uint64_t denials(PolicyHook hook, DomainId source, DomainId destination) const;
  // Every (hook, source, destination) with at least one denial, sorted.
  std::vector<DenialCount> denial_table() const;
  void reset_counters();

  size_t rule_count() const;

 private:
  struct Impl;
  struct ImplDeleter {
    void operator()(Impl* impl) const noexcept;
  };
  std::unique_ptr<Impl, ImplDeleter> impl_;
};

}  // namespace hmx::ref
