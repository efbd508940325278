/* SPDX-License-Identifier: Apache-2.0 */
// Helpers for the reference core's tests: a guest with its own arena memory, a recording
// notifier, call-block plumbing, ring registration and a ring reader that plays the receiver.
#pragma once

#include <gtest/gtest.h>
#include <hmx/abi/hmx.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hmx/reference/reference.h"

namespace hmx::ref::test {

struct Interrupt {
  DomainId dom;
  uint32_t vcpu;
  uint8_t vector;
};

class RecordingNotifier final : public Notifier {
 public:
  void raise(DomainId dom, uint32_t vcpu, uint8_t vector) override {
    std::lock_guard lock(mu_);
    log_.push_back({dom, vcpu, vector});
    count_.fetch_add(1);
  }
  size_t count() const { return count_.load(); }
  // Doorbells of a sleeping submission-queue worker (Notifier::submit_called).
  void submit_called(DomainId) override { doorbells_.fetch_add(1); }
  size_t doorbells() const { return doorbells_.load(); }
  std::vector<Interrupt> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  void clear() {
    std::lock_guard lock(mu_);
    log_.clear();
    count_ = 0;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Interrupt> log_;
  std::atomic<size_t> count_{0};
  std::atomic<size_t> doorbells_{0};
};

// A ring the guest registered: where it lives and how to read it as the receiver would.
struct GuestRing {
  uint32_t aport = 0;
  DomainId partner = 0;
  uint32_t len = 0;
  std::vector<uint64_t> frames;  // GPA of each frame (page 0 = header)
  uint64_t gfn_list = 0;         // GPA of the frame list
};

struct Message {
  uint32_t len;  // header.len (payload + 16)
  uint32_t aport;
  DomainId source;
  uint16_t pad;
  uint32_t message_type;
  std::vector<std::byte> payload;
};

// A domain plus its guest memory. Memory layout: a bump allocator from GPA 0x1000 (GPA 0 stays
// unused so a 0 argument never aliases a real object).
class Guest {
 public:
  Guest(Core& core, DomainId id, std::string name, uint64_t mem_size = 4 << 20, uint32_t vcpus = 2);
  ~Guest();

  Core& core;
  const DomainId id;
  const std::string name;
  ArenaGuestMemory mem;
  RecordingNotifier notifier;

  uint64_t alloc(uint64_t size, uint64_t align = 16);
  // Scratch reuse in long loops: everything allocated after mark() is freed by reset().
  uint64_t mark() { std::lock_guard lock(alloc_mu_); return next_; }
  void reset(uint64_t m) { std::lock_guard lock(alloc_mu_); next_ = m; }
  std::byte* host(uint64_t gpa) { return mem.host(gpa); }
  template <class T>
  T* at(uint64_t gpa) {
    return reinterpret_cast<T*>(mem.host(gpa));
  }
  template <class T>
  uint64_t put(const T& value, uint64_t align = 16) {
    const uint64_t gpa = alloc(sizeof(T), align);
    std::memcpy(host(gpa), &value, sizeof(T));
    return gpa;
  }
  uint64_t put_bytes(std::span<const std::byte> bytes, uint64_t align = 16);
  uint64_t put_string(const std::string& s) {
    return put_bytes(std::as_bytes(std::span(s.data(), s.size())));
  }

  // Run one operation through a call block (the MSR/vmcall/SMCCC path). Checks that the result
  // written into the block equals the return value.
  int64_t call(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
               uint32_t vcpu = 0);

  // register_ring with frames allocated here (contiguous unless `scatter`, which spreads them
  // over non-adjacent, descending pages). The ring header starts zeroed.
  int64_t register_ring(GuestRing& ring, uint32_t aport, DomainId partner, uint32_t len,
                        uint32_t flags = 0, bool scatter = false);
  int64_t reregister(const GuestRing& ring, uint32_t flags = 0);
  int64_t unregister_ring(uint32_t aport, DomainId partner);

  // sendv of the concatenation of `parts` (each its own iov) to (dst, aport).
  int64_t send(DomainId dst, uint32_t aport, const std::vector<std::string>& parts,
               uint32_t message_type = 0, uint32_t src_aport = 0, uint32_t vcpu = 0);
  int64_t send_bytes(DomainId dst, uint32_t aport, std::span<const std::byte> bytes,
                     uint32_t message_type = 0, uint32_t vcpu = 0);

  // notify with a list of (domain, aport, space_required); the out fields land in `out`.
  int64_t notify(const std::vector<hmx_ring_data_ent_t>& in,
                 std::vector<hmx_ring_data_ent_t>* out = nullptr, uint32_t vcpu = 0);
  int64_t notify_null(uint32_t vcpu = 0) { return call(HMX_OP_NOTIFY, 0, 0, 0, 0, vcpu); }

  // The receiver's side of a ring.
  uint32_t rx(const GuestRing& r);
  uint32_t tx(const GuestRing& r);
  void set_rx(const GuestRing& r, uint32_t value);
  void set_tx(const GuestRing& r, uint32_t value);
  uint32_t event_index(const GuestRing& r);
  // Read bytes of ring data at `offset` (wrapping).
  void read_ring(const GuestRing& r, uint32_t offset, void* out, size_t n);
  // Consume the next message (acquire tx, read, release rx). nullopt when empty.
  std::optional<Message> receive(const GuestRing& r);

  // Event page helpers: enable a page, read/clear its words.
  uint64_t enable_event_page();
  uint64_t event_page_gpa = 0;
  uint64_t ring_pending(size_t word);
  uint64_t event_status();

 private:
  uint64_t next_ = 0x1000;
  uint64_t call_block_ = 0;
  std::mutex alloc_mu_;
};

std::string to_string(const std::vector<std::byte>& bytes);
hmx_ring_data_ent_t ent(DomainId dom, uint32_t aport, uint32_t space_required);

// A Policy that allows everything between all domains (tests that are not about policy), with a
// quiet logger that keeps the messages.
class TestPolicy : public Policy {
 public:
  TestPolicy();
  explicit TestPolicy(const std::string& text);
  std::vector<std::string> messages() const;

 private:
  std::shared_ptr<std::vector<std::string>> messages_;
  std::shared_ptr<std::mutex> mu_;
};

inline constexpr const char* kAllowAll = R"(
rule { name: "all" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE, REGISTER_ANY_SOURCE]
       source: "*" destination: "*" }
)";

// Two domains, alpha (1) and beta (2), under an allow-all policy.
class CoreTest : public ::testing::Test {
 protected:
  TestPolicy policy;
  Core core{policy};
  Guest a{core, 1, "alpha"};
  Guest b{core, 2, "beta"};
};

// Bytes 0..n-1 of a recognisable pattern.
std::vector<std::byte> pattern(size_t n, uint32_t seed = 1);

constexpr int64_t E(int code) { return -static_cast<int64_t>(code); }

}  // namespace hmx::ref::test
