// SPDX-License-Identifier: Apache-2.0
// Policy in a freestanding build (include/hmx/reference/policy.h): the rules of a table compiled
// at build time (Policy::load_table; policy_table.h), over PolicyEngine. Parsing the text format
// (load_text, load_file), the std::function logger and the denial table need the hosted C++
// library and exist only in the hosted build (policy.cpp).
#include <hmx/abi/hmx.h>

#include <new>

#include "hmx/reference/policy.h"
#include "policy_engine.h"

namespace hmx::ref {

struct Policy::Impl {
  PolicyEngine engine;
};

void Policy::ImplDeleter::operator()(Impl* impl) const noexcept {
  impl->~Impl();
  port::deallocate(impl, sizeof(Impl), alignof(Impl));
}

const char* to_string(PolicyHook hook) {
  switch (hook) {
    case PolicyHook::kSend: return "SEND";
    case PolicyHook::kRegisterSingleSource: return "REGISTER_SINGLE_SOURCE";
    case PolicyHook::kRegisterAnySource: return "REGISTER_ANY_SOURCE";
  }
  return "?";
}

// With no memory for the engine every check denies (EACCES/EPERM): no rule means default deny.
Policy::Policy() {
  void* mem = port::allocate(sizeof(Impl), alignof(Impl));
  if (mem != nullptr) impl_.reset(new (mem) Impl());
}

Policy::~Policy() = default;

bool Policy::load_table(std::span<const std::byte> table) {
  return impl_ != nullptr && impl_->engine.load(table);
}

int Policy::register_single_source(PolicySubject owner, PolicySubject partner, uint32_t aport) {
  if (owner.id == partner.id) return 0;
  if (impl_ == nullptr) return -HMX_EACCES;
  return impl_->engine.check(PolicyHook::kRegisterSingleSource, partner, owner, aport);
}

int Policy::register_any_source(PolicySubject owner, uint32_t aport) {
  if (impl_ == nullptr) return -HMX_EPERM;
  return impl_->engine.check(PolicyHook::kRegisterAnySource, owner, owner, aport);
}

int Policy::send(PolicySubject source, PolicySubject destination, uint32_t aport) {
  if (source.id == destination.id) return 0;
  if (impl_ == nullptr) return -HMX_EACCES;
  return impl_->engine.check(PolicyHook::kSend, source, destination, aport);
}

PolicyVerdict Policy::evaluate(PolicyHook hook, std::string_view source, std::string_view destination) const {
  return impl_ == nullptr ? PolicyVerdict::kNoRule : impl_->engine.evaluate(hook, source, destination);
}

void Policy::set_log_sink(LogSink sink, void* context) {
  if (impl_ != nullptr) impl_->engine.set_log_sink(sink, context);
}

void Policy::set_log_rate(uint32_t per_second, uint32_t burst) {
  if (impl_ != nullptr) impl_->engine.set_log_rate(per_second, burst);
}

uint64_t Policy::denials() const { return impl_ == nullptr ? 0 : impl_->engine.denials(); }
uint64_t Policy::denials(PolicyHook hook) const { return impl_ == nullptr ? 0 : impl_->engine.denials(hook); }
uint64_t Policy::denials(PolicyHook hook, DomainId source, DomainId destination) const {
  return impl_ == nullptr ? 0 : impl_->engine.denials(hook, source, destination);
}
size_t Policy::rule_count() const { return impl_ == nullptr ? 0 : impl_->engine.rule_count(); }

}  // namespace hmx::ref
