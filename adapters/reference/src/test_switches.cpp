// SPDX-License-Identifier: Apache-2.0
// The test switches (include/hmx/reference/test_switches.h): one bit per check, relaxed atomics
// (a switch is flipped before a test run, never during a call that matters).
#include "hmx/reference/test_switches.h"

#include <atomic>

namespace hmx::ref::testing {

namespace {
std::atomic<uint32_t> g_disabled{0};
constexpr const char* kNames[] = {"sendv_source_domain", "notify_entry_limit"};
static_assert(sizeof kNames / sizeof kNames[0] == static_cast<size_t>(check::count));
}  // namespace

namespace {
std::atomic<bool> g_allocation_fails{false};
}  // namespace

void set_allocation_failure(bool fail) noexcept {
  g_allocation_fails.store(fail, std::memory_order_relaxed);
}
bool allocation_fails() noexcept { return g_allocation_fails.load(std::memory_order_relaxed); }

void disable(check c) noexcept { g_disabled.fetch_or(1u << static_cast<unsigned>(c), std::memory_order_relaxed); }
void enable_all() noexcept { g_disabled.store(0, std::memory_order_relaxed); }
bool enabled(check c) noexcept {
  return (g_disabled.load(std::memory_order_relaxed) >> static_cast<unsigned>(c) & 1u) == 0;
}
const char* name(check c) noexcept {
  return c < check::count ? kNames[static_cast<unsigned>(c)] : "?";
}
bool from_name(std::string_view text, check* out) noexcept {
  for (unsigned i = 0; i < static_cast<unsigned>(check::count); ++i)
    if (text == kNames[i]) {
      *out = static_cast<check>(i);
      return true;
    }
  return false;
}

}  // namespace hmx::ref::testing
