/* SPDX-License-Identifier: Apache-2.0 */
// conformance::context: everything a conformance test uses, the same on every target.
//
//   * a libhmx client per vCPU over the target's conduit (hmx::client<conduit, env>)
//   * the probe result, the domain ids of the peer and the denied domain (policy.textproto)
//   * memory for rings and argument structures, released after each test
//   * waiting with a time limit, interrupt counters
//   * the report API, after kvm-unit-tests' report()/report_skip() (lib/report.c) with Arm
//     ACS-style numbered checkpoints (val_set_status: a failure names the check that failed)
//
// A test declares the requirements it covers (HMX_GUEST_TEST, registry.h). Each check is
// attributed to the requirement selected with req() (all declared ones until the first req()),
// so a failed check fails exactly the requirements it verifies. Checks are made on vCPU 0 only:
// code that runs on another vCPU records what it saw and vCPU 0 checks it afterwards.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hmx/hmx.h>

#include "conformance/platform.h"

namespace conformance {

class context;
class peer_link;

// The conduit of the tests' clients: the platform's trap for one vCPU.
class conduit {
 public:
  conduit(platform& p, unsigned vcpu) noexcept : p_(&p), vcpu_(vcpu) {}
  hmx::status invoke(uint64_t gpa) noexcept { return p_->invoke(vcpu_, gpa); }

 private:
  platform* p_;
  unsigned vcpu_;
};

// The environment of the tests' clients (hmx::X86Environment): the platform's instructions on
// one vCPU, and pages from the arena that is current (per-test or persistent).
class env {
 public:
  env(platform& p, unsigned vcpu, hmx::page_arena** arena) noexcept
      : p_(&p), vcpu_(vcpu), arena_(arena) {}
  uint64_t to_gpa(const void* ptr) noexcept { return p_->to_gpa(ptr); }
  void* alloc_pages(size_t n) noexcept { return (*arena_)->alloc_pages(n); }
  hmx::cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) noexcept {
    return p_->cpuid(vcpu_, leaf, subleaf);
  }
  uint64_t rdmsr(uint32_t index) noexcept {
    uint64_t v = 0;
    (void)p_->rdmsr(vcpu_, index, &v);
    return v;
  }
  void wrmsr(uint32_t index, uint64_t value) noexcept { (void)p_->wrmsr(vcpu_, index, value); }
  hmx::cpu_vendor vendor() noexcept { return hmx::decode_vendor(cpuid(0, 0)); }

 private:
  platform* p_;
  unsigned vcpu_;
  hmx::page_arena** arena_;
};

using client_t = hmx::client<conduit, env>;
using batch_t = hmx::batch<env>;

// A ring a test allocated (and usually registered); unregistered after the test if still there.
struct ring {
  void* memory = nullptr;  // header + data, page aligned
  uint32_t len = 0;
  uint32_t aport = 0;
  uint16_t partner = 0;
  bool registered = false;
  hmx::ring_reader reader;

  hmx_ring_t* header() const { return static_cast<hmx_ring_t*>(memory); }
  unsigned char* data() const { return static_cast<unsigned char*>(memory) + HMX_RING_HEADER_SIZE; }
  // preserve: keep the header's rx_ptr/tx_ptr (libhmx zeroes them otherwise, HMX-LIB-030 HMX-LIB-031).
  hmx::ring_registration registration(uint32_t flags = 0, bool preserve = false) const {
    hmx::ring_registration r;
    r.preserve = preserve;
    r.memory = memory;
    r.len = len;
    r.aport = aport;
    r.partner_id = partner;
    r.flags = flags;
    return r;
  }
};

// Per-requirement outcome within one test (PROTOCOL.md "RESULT").
enum class req_outcome : uint8_t { none, pass, fail, skip, untested };

inline constexpr unsigned max_test_reqs = 32;  // a bit each in context::cur_reqs_
inline constexpr unsigned max_test_rings = 160;
inline constexpr unsigned max_vcpus = 4;
inline constexpr uint16_t no_domain = 0xFFFF;
// A domain id no domain of a conforming test setup has (docs/guide-hypervisor-vendors.md).
inline constexpr uint16_t absent_domain = 0x7FEF;

struct test_case;

class context {
 public:
  enum class role : uint8_t { tester, peer };
  context(platform& p, role r) noexcept;
  context(const context&) = delete;
  context& operator=(const context&) = delete;

  // --- setup (suite.cpp) ---
  // Probe HMX and create the clients. False when HMX is absent (probe().hmx_status says why).
  bool start() noexcept;

  // --- identity ---
  [[nodiscard]] platform& plat() noexcept { return p_; }
  [[nodiscard]] const hmx::probe_result& probe() const noexcept { return probe_; }
  // Why start() returned false.
  [[nodiscard]] const char* absent_reason() const noexcept;
  [[nodiscard]] bool has_mech(uint32_t id) const noexcept { return probe_.has_mechanism(id); }
  [[nodiscard]] bool has_feature(uint32_t bit) const noexcept { return probe_.has_feature(bit); }
  [[nodiscard]] uint16_t domid() const noexcept { return probe_.domain_id; }
  [[nodiscard]] unsigned vcpus() const noexcept { return nvcpus_; }
  [[nodiscard]] uint32_t msr(uint32_t offset) const noexcept { return probe_.msr_base + offset; }
  [[nodiscard]] bool msr_conduit() const noexcept { return probe_.has_mechanism(HMX_MECH_X86_MSR); }
  // The domain runs on Arm (HMX found through SMCCC, or Xen on Arm): no CPUID, no MSRs.
  [[nodiscard]] bool arm() const noexcept { return probe_.arch == hmx::arch_kind::aarch64; }
  // The notification vector a test uses where it names the x86 vector `x86`. With arm_ppi the
  // vectors are PPIs ARM_PPI_MIN..ARM_PPI_MAX (HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016): ARM_PPI_MIN + (x86 & 7) when that
  // is in range (the vectors of one test differ in their low bits and stay distinct), else folded
  // back below ARM_PPI_MAX, clear of the PMU, GIC maintenance and timer PPIs.
  [[nodiscard]] uint8_t vector(uint8_t x86) const noexcept {
    if (!has_mech(HMX_MECH_ARM_PPI)) return x86;
    constexpr unsigned span = HMX_ARM_PPI_MAX - HMX_ARM_PPI_MIN + 1;
    return static_cast<uint8_t>(HMX_ARM_PPI_MIN + (x86 & 7) % span);
  }
  // Operations travel in call blocks the hypervisor reads (every HMX call conduit); false on
  // Xen's hypercall, where Argo's five arguments are the whole call (spec 4.5).
  [[nodiscard]] bool call_blocks() const noexcept { return probe_.hmx_present(); }
  // HMX reached through Xen's Argo (no HMX block: only operations 1 to 4, no vectors).
  [[nodiscard]] bool xen_argo() const noexcept { return !probe_.hmx_present() && probe_.xen.argo; }
  // The peer agent's domain and the domain the policy denies (no_domain when not found).
  [[nodiscard]] uint16_t peer_id() const noexcept { return peer_id_; }
  [[nodiscard]] uint16_t denied_id() const noexcept { return denied_id_; }
  void set_domains(uint16_t peer, uint16_t denied) noexcept {
    peer_id_ = peer;
    denied_id_ = denied;
  }
  [[nodiscard]] peer_link* peer() noexcept { return link_; }
  void set_peer_link(peer_link* l) noexcept { link_ = l; }

  // --- libhmx ---
  [[nodiscard]] client_t& client(unsigned vcpu = 0) noexcept;
  [[nodiscard]] env& environment(unsigned vcpu = 0) noexcept { return *envs_[vcpu]; }
  // A raw call on vCPU 0 with flags 0: the operation's result or negated error.
  int64_t call(uint32_t op, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0) noexcept;
  int64_t call_block(const hmx_call_block_t& block) noexcept;
  // Raw register_ring / unregister_ring / sendv with explicit argument structures.
  int64_t register_raw(const hmx_register_ring_t& reg, const uint64_t* gfns, uint64_t npages,
                       uint64_t flags) noexcept;
  int64_t unregister_raw(uint32_t aport, uint16_t partner, uint16_t pad = 0) noexcept;

  // --- memory: zeroed pages of this test, released when it ends ---
  [[nodiscard]] void* pages(size_t n) noexcept;
  template <class T>
  [[nodiscard]] T* alloc(size_t pages_needed = 1) noexcept {
    return static_cast<T*>(pages(pages_needed));
  }
  [[nodiscard]] uint64_t gpa(const void* p) noexcept { return p_.to_gpa(p); }
  // The last n bytes of the domain's RAM (their GPA range ends at ram_end()), for ranges that run
  // past the end of RAM; nullptr if the test arena does not reach it. Not allocated: use at once.
  [[nodiscard]] void* ram_tail(size_t n) noexcept;
  // Pages left in the per-test arena.
  [[nodiscard]] size_t pages_left() const noexcept { return test_arena_.pages_left(); }

  // --- rings of this test ---
  // Allocate a ring (header zeroed, data filled with `fill`); not registered yet.
  ring* new_ring(uint32_t aport, uint16_t partner, uint32_t len, unsigned char fill = 0) noexcept;
  // register_ring through the typed client; the ring is unregistered after the test.
  int64_t register_ring(ring* r, uint32_t flags = 0, bool preserve = false) noexcept;
  int64_t unregister_ring(ring* r) noexcept;
  // new_ring + register_ring; nullptr (and a failed check) when registration fails.
  ring* make_ring(uint32_t aport, uint16_t partner, uint32_t len, uint32_t flags = 0) noexcept;
  // Send `size` bytes of pattern `seed` (pattern_byte) to a ring; the raw sendv result.
  int64_t send_pattern(uint16_t dst, uint32_t aport, uint32_t size, uint32_t seed,
                       uint32_t message_type = 0) noexcept;
  // Rings registered outside tests (the reply ring of the peer link).
  [[nodiscard]] unsigned persistent_rings() const noexcept { return persistent_rings_; }
  void add_persistent_ring() noexcept { ++persistent_rings_; }

  // --- report API ---
  // Attribute the following checks to `ids`, one or more of the test's declared requirements,
  // space-separated (nullptr: to all of them, as before the first req()). A failed check fails
  // each of them.
  void req(const char* ids) noexcept;
  bool check(bool ok, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));
  // A raw result against the expected one ("register_ring(len 40): EINVAL, want EINVAL").
  bool expect_rc(int64_t got, int64_t want, const char* fmt, ...) noexcept
      __attribute__((format(printf, 4, 5)));
  bool expect_eq(uint64_t got, uint64_t want, const char* fmt, ...) noexcept
      __attribute__((format(printf, 4, 5)));
  void info(const char* fmt, ...) noexcept __attribute__((format(printf, 2, 3)));
  // The rest of the test does not apply to this hypervisor (NOT SUPPORTED, like report_skip).
  void skip(const char* fmt, ...) noexcept __attribute__((format(printf, 2, 3)));
  void skip_req(const char* ids, const char* reason) noexcept;
  // This run cannot verify `id` (NOT TESTED, like ACS "NOT TESTED (PAL NOT SUPPORTED)").
  void untestable(const char* ids, const char* reason) noexcept;
  [[nodiscard]] bool failed() const noexcept;

  // --- waiting ---
  template <class Pred>
  bool wait_until(Pred&& done, uint32_t timeout_ms) noexcept {
    const uint64_t deadline = p_.now_us() + uint64_t{timeout_ms} * 1000;
    for (;;) {
      p_.poll();
      if (done()) return true;
      if (p_.now_us() > deadline) return false;
      p_.relax();
    }
  }
  // Run fn(ctx, arg) on `vcpu` and wait for it (at most timeout_ms); false on timeout.
  bool run_on(unsigned vcpu, void (*fn)(context&, void*), void* arg, uint32_t timeout_ms = 10000) noexcept;
  bool start_on(unsigned vcpu, void (*fn)(context&, void*), void* arg) noexcept;
  bool join(unsigned vcpu, uint32_t timeout_ms) noexcept;

  // --- output (PROTOCOL.md) ---
  void line(const char* fmt, ...) noexcept __attribute__((format(printf, 2, 3)));

  // --- used by suite.cpp ---
  void begin_test(const test_case& t) noexcept;
  void end_test() noexcept;  // prints RESULT, unregisters rings, releases memory
  void use_persistent_memory(bool on) noexcept { arena_ = on ? &persistent_arena_ : &test_arena_; }
  [[nodiscard]] const test_case* current() const noexcept { return test_; }
  struct totals {
    unsigned pass = 0, fail = 0, skip = 0;
  };
  [[nodiscard]] totals counts() const noexcept { return totals_; }

  // Initial register values recorded by start() before any test (HMX-DOM-004).
  uint64_t initial_vector[max_vcpus] = {};
  bool initial_vector_ok[max_vcpus] = {};
  uint64_t initial_event_page = 0;
  bool initial_event_page_ok = false;

 private:
  struct req_state {
    const char* id = nullptr;
    uint8_t len = 0;
    uint16_t checks = 0;
    uint16_t fails = 0;
    req_outcome forced = req_outcome::none;  // skip / untested
  };
  int find_req(const char* id) const noexcept;
  template <class Fn>
  bool for_each_named(const char* ids, Fn&& fn) noexcept;
  void finish_report() noexcept;
  void fail_line(int req, const char* msg) noexcept;
  bool vcheck(bool ok, const char* fmt, va_list ap) noexcept;

  platform& p_;
  role role_;
  hmx::probe_result probe_{};
  bool conduit_ok_ = false;
  unsigned nvcpus_ = 1;
  uint16_t peer_id_ = no_domain;
  uint16_t denied_id_ = no_domain;
  peer_link* link_ = nullptr;

  hmx::page_arena persistent_arena_;
  hmx::page_arena test_arena_;
  unsigned char* test_base_ = nullptr;
  size_t test_bytes_ = 0;
  hmx::page_arena* arena_ = &persistent_arena_;
  conduit* conduits_[max_vcpus] = {};
  env* envs_[max_vcpus] = {};
  client_t* clients_[max_vcpus] = {};
  alignas(8) unsigned char conduit_storage_[max_vcpus][sizeof(conduit)];
  alignas(8) unsigned char env_storage_[max_vcpus][sizeof(env)];
  alignas(8) unsigned char client_storage_[max_vcpus][sizeof(client_t)];

  const test_case* test_ = nullptr;
  req_state reqs_[max_test_reqs];
  unsigned nreqs_ = 0;
  uint32_t cur_reqs_ = 0;  // bit i: reqs_[i] is selected; 0: every declared requirement
  unsigned checkpoint_ = 0;
  unsigned reported_fails_ = 0;
  char first_fail_[160] = {};
  char skip_reason_[120] = {};
  unsigned char* send_buf_ = nullptr;  // send_pattern's buffer, per test
  ring rings_[max_test_rings];
  unsigned nrings_ = 0;
  unsigned persistent_rings_ = 0;
  totals totals_;
};

// Payload byte i of pattern `seed` (the peer agent uses the same one).
[[nodiscard]] constexpr unsigned char pattern_byte(uint32_t seed, uint32_t i) noexcept {
  uint32_t x = (seed + 1) * 2654435761u ^ (i * 40503u);
  return static_cast<unsigned char>(x >> 13);
}

}  // namespace conformance
