// SPDX-License-Identifier: Apache-2.0
// The Platform (platform.h) of hmx_reference_portable_tests: the host's aligned allocator and
// clock, installed before any test runs. Everything else of those tests is the hosted suite.
#include <chrono>
#include <cstdlib>
#include <thread>

#include "hmx/reference/platform.h"

namespace {

class HostPlatform final : public hmx::ref::Platform {
 public:
  void* allocate(size_t bytes, size_t align) noexcept override {
    if (align < alignof(std::max_align_t)) align = alignof(std::max_align_t);
    return std::aligned_alloc(align, (bytes + align - 1) / align * align);
  }
  void deallocate(void* p, size_t, size_t) noexcept override { std::free(p); }
  void relax() noexcept override { std::this_thread::yield(); }
  uint64_t now_ns() noexcept override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
};

HostPlatform g_platform;

struct Install {
  Install() { hmx::ref::set_platform(g_platform); }
} g_install;

}  // namespace
