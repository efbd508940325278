/* SPDX-License-Identifier: Apache-2.0 */
// libhmx over the loopback conduit into the reference core: domains with their own guest memory
// (ref::ArenaGuestMemory at GPA 0), a host environment mapping the library's pointers to those
// GPAs, and conduit bindings to Core::call / Core::argo_op. libhmx itself never sees hmx::ref.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <ostream>
#include <string>
#include <vector>

#include <hmx/env/host.h>
#include <hmx/hmx.h>
#include <hmx/reference/reference.h>

namespace hmx {
inline void PrintTo(status s, std::ostream* os) { *os << s.name() << " (" << s.code() << ")"; }
inline void PrintTo(errc e, std::ostream* os) { PrintTo(status(e), os); }
}  // namespace hmx

namespace hmx::loopback {

// The call-block trap of the loopback conduit: Core::call for one vCPU of one domain. The core's
// own return value is kept too: when the block itself is unusable (misaligned, outside RAM, the
// domain gone) the core writes nothing into it and only this value says why.
struct core_call {
  ref::Core* core;
  ref::DomainId dom;
  uint32_t vcpu;
  std::shared_ptr<std::atomic<int64_t>> last = std::make_shared<std::atomic<int64_t>>(0);
  void operator()(uint64_t gpa) const { last->store(core->call(dom, vcpu, gpa)); }
};
using conduit_t = loopback_conduit<core_call>;
using client_t = client<conduit_t, env::host>;
using batch_t = batch<env::host>;

// Argo's conduit into the same core (Core::argo_op; handles are GPAs in-process).
struct core_argo {
  ref::Core* core;
  ref::DomainId dom;
  uint32_t vcpu;
  int64_t operator()(uint32_t cmd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) const {
    return core->argo_op(dom, vcpu, cmd, a1, a2, a3, a4);
  }
};
using argo_conduit_t = loopback_argo_conduit<core_argo>;
using argo_client_t = client<argo_conduit_t, env::host>;

class recording_notifier final : public ref::Notifier {
 public:
  struct irq {
    ref::DomainId dom;
    uint32_t vcpu;
    uint8_t vector;
  };
  void raise(ref::DomainId dom, uint32_t vcpu, uint8_t vector) override {
    std::lock_guard l(mu_);
    log_.push_back({dom, vcpu, vector});
  }
  std::vector<irq> log() const {
    std::lock_guard l(mu_);
    return log_;
  }
  size_t count() const {
    std::lock_guard l(mu_);
    return log_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<irq> log_;
};

// A policy from text, with a quiet logger that keeps the messages.
class test_policy {
 public:
  explicit test_policy(const std::string& text);
  ref::Policy policy;
  std::vector<std::string> messages() const;

 private:
  std::shared_ptr<std::mutex> mu_ = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> messages_ =
      std::make_shared<std::vector<std::string>>();
};

inline constexpr const char* kAllowAll = R"(
rule { name: "all" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE, REGISTER_ANY_SOURCE]
       source: "*" destination: "*" }
)";

// One guest: a domain in the core, its memory, and libhmx's view of it. The environment's page
// arena starts at GPA 0x1000, so GPA 0 (the "no argument" value) never names a libhmx object.
class domain {
 public:
  domain(ref::Core& core, ref::DomainId id, std::string name, uint64_t mem_bytes = 4 << 20,
         uint32_t vcpus = 4);
  ~domain();
  domain(const domain&) = delete;
  domain& operator=(const domain&) = delete;

  ref::Core& core;
  const ref::DomainId id;
  const std::string name;
  ref::ArenaGuestMemory mem;
  env::host env;
  recording_notifier notifier;
  bool alive = false;

  conduit_t conduit(uint32_t vcpu = 0) { return conduit_t(core_call{&core, id, vcpu}); }
  argo_conduit_t argo_conduit(uint32_t vcpu = 0) {
    return argo_conduit_t(core_argo{&core, id, vcpu});
  }
  void destroy();

  // Zeroed pages of this domain's memory.
  unsigned char* pages(size_t n);
  template <class T>
  T* at(uint64_t gpa) {
    return static_cast<T*>(env.host_ptr(gpa, sizeof(T)));
  }
};

// A ring in a domain's memory: registration arguments and the reader.
struct ring {
  ring(domain& d, uint32_t aport, uint16_t partner, uint32_t len);
  ring_registration reg;
  ring_reader reader;
  hmx_ring_t* header() { return reader.header(); }
};

// Receive one message's payload as a string (nullopt when empty; "!EINVAL" on corruption).
std::optional<std::string> receive(ring_reader& r, message_view* info = nullptr);

// A client bound to its own conduit (clients keep a reference to their conduit), and what the
// core returned for its last trap.
struct bound_client {
  bound_client(domain& d, uint32_t vcpu = 0, size_t scratch_pages = 2)
      : last(std::make_shared<std::atomic<int64_t>>(0)),
        conduit(core_call{&d.core, d.id, vcpu, last}),
        c(conduit, d.env, scratch_pages) {}
  std::shared_ptr<std::atomic<int64_t>> last;
  conduit_t conduit;
  client_t c;
  client_t* operator->() { return &c; }
  int64_t core_return() const { return last->load(); }
};

struct bound_argo_client {
  explicit bound_argo_client(domain& d, uint32_t vcpu = 0)
      : conduit(d.argo_conduit(vcpu)), c(conduit, d.env) {}
  argo_conduit_t conduit;
  argo_client_t c;
  argo_client_t* operator->() { return &c; }
};

// Base fixture: a core under an allow-all policy with alpha (1), beta (2) and gamma (3).
class LoopbackTest : public ::testing::Test {
 protected:
  explicit LoopbackTest(const std::string& policy_text = kAllowAll) : tp(policy_text) {}
  test_policy tp;
  ref::Core core{tp.policy};
  domain alpha{core, 1, "alpha"};
  domain beta{core, 2, "beta"};
  domain gamma{core, 3, "gamma"};
};

std::string pattern(size_t n, uint32_t seed);

// Guest memory whose guest-virtual view is a page permutation of its guest-physical view: one
// memfd mapped twice, linearly for the core (GuestMemory::map) and page by page, permuted, for
// the guest (virt()). Pages [0, identity_pages) map to themselves; above that, each pair of
// pages is swapped, so virtually contiguous buffers and rings are physically scattered.
class aliased_memory final : public ref::GuestMemory {
 public:
  aliased_memory(size_t pages, size_t identity_pages);
  ~aliased_memory() override;
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override;

  unsigned char* virt() { return virt_; }
  size_t size() const { return pages_ * 4096; }
  uint64_t page_of(size_t virt_page) const {
    return virt_page < identity_ ? virt_page : (virt_page ^ 1);
  }

  // The guest's environment: translation through the permutation, pages from the identity part.
  struct env_t {
    aliased_memory* m;
    page_arena arena;
    uint64_t to_gpa(const void* p) const noexcept;
    void* alloc_pages(size_t n) noexcept { return arena.alloc_pages(n); }
  };
  env_t env();

 private:
  size_t pages_, identity_;
  int fd_ = -1;
  std::byte* phys_ = nullptr;
  unsigned char* virt_ = nullptr;
};

}  // namespace hmx::loopback
