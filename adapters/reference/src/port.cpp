// SPDX-License-Identifier: Apache-2.0
// The portable build's link to its Platform (platform.h, port_portable.h).
#include "hmx/reference/platform.h"
#include "port_portable.h"
#include "switches.h"

namespace hmx::ref {

namespace {
Platform* g_platform = nullptr;
}  // namespace

void set_platform(Platform& platform) noexcept { g_platform = &platform; }

namespace port {

void* allocate(size_t bytes, size_t align) noexcept {
  // The allocation-failure test switch fails allocations for real here (the hosted build throws).
  if (g_platform == nullptr || detail::allocation_should_fail()) return nullptr;
  return g_platform->allocate(bytes, align);
}

void deallocate(void* p, size_t bytes, size_t align) noexcept {
  if (p != nullptr && g_platform != nullptr) g_platform->deallocate(p, bytes, align);
}

void relax() noexcept {
  if (g_platform != nullptr) g_platform->relax();
}

uint64_t now_ns() noexcept { return g_platform == nullptr ? 0 : g_platform->now_ns(); }

}  // namespace port
}  // namespace hmx::ref
