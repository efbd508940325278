// SPDX-License-Identifier: Apache-2.0
// conformance::context: clients, memory, rings and waiting (the report API is in report.cpp).
#include "conformance/context.h"

#include <new>

#include "conformance/registry.h"

namespace conformance {

namespace {

// The tester keeps 4 MiB for state that outlives a test (client scratch pages, the peer link's
// reply ring); the rest of its free RAM is the per-test arena, reset before each test.
constexpr size_t kPersistentBytes = size_t{4} << 20;
// vCPU 0's client marshals gfn lists of rings up to MAX_RING_LEN (4096 frames, 32 KiB).
constexpr size_t kScratchPagesVcpu0 = 12;

}  // namespace

context::context(platform& p, role r) noexcept : p_(p), role_(r) {
  void* base = nullptr;
  size_t bytes = 0;
  p_.free_ram(&base, &bytes);
  auto* b = static_cast<unsigned char*>(base);
  if (role_ == role::peer || bytes <= kPersistentBytes * 2) {
    persistent_arena_.reset(b, bytes);
  } else {
    persistent_arena_.reset(b, kPersistentBytes);
    test_base_ = b + kPersistentBytes;
    test_bytes_ = bytes - kPersistentBytes;
    test_arena_.reset(test_base_, test_bytes_);
  }
  nvcpus_ = p_.vcpu_count();
  if (nvcpus_ > max_vcpus) nvcpus_ = max_vcpus;
  if (nvcpus_ == 0) nvcpus_ = 1;
  for (unsigned v = 0; v < nvcpus_; ++v) {
    conduits_[v] = new (conduit_storage_[v]) conduit(p_, v);
    envs_[v] = new (env_storage_[v]) env(p_, v, &arena_);
  }
}

bool context::start() noexcept {
  // hmx::probe_x86 reads CPUID.1:ECX[31] before any hypervisor leaf (HMX-LIB-015 HMX-LIB-016).
  probe_ = hmx::probe_x86(*envs_[0]);
  // Without an HMX block, Xen's Argo through Xen's hypercall (spec 3.2): the platform finds Xen
  // (x86: the CPUID leaves above; Arm, where the platform's CPUID reads zeros: the device tree),
  // installs the hypercall conduit and runs the Argo probe (HMX-LIB-017 HMX-LIB-018).
  conduit_ok_ = p_.configure(probe_);
  if (!conduit_ok_ || !probe_.present()) return false;
  // Registers as the domain found them, before this suite changes anything (HMX-DOM-004).
  if (msr_conduit() && has_feature(HMX_FEATURE_VECTOR))
    for (unsigned v = 0; v < nvcpus_; ++v)
      initial_vector_ok[v] = p_.rdmsr(v, msr(HMX_MSR_VECTOR), &initial_vector[v]);
  if (msr_conduit() && has_feature(HMX_FEATURE_EVENT_PAGE))
    initial_event_page_ok = p_.rdmsr(0, msr(HMX_MSR_EVENT_PAGE), &initial_event_page);
  hmx::page_arena* saved = arena_;
  arena_ = &persistent_arena_;
  for (unsigned v = 0; v < nvcpus_; ++v)
    clients_[v] = new (client_storage_[v])
        client_t(*conduits_[v], *envs_[v], v == 0 ? kScratchPagesVcpu0 : client_t::default_scratch_pages);
  arena_ = saved;
  return clients_[0]->init_status().ok();
}

const char* context::absent_reason() const noexcept {
  if (!probe_.hmx_present() && probe_.xen.present) {
    switch (probe_.xen.argo_status) {
      case hmx::argo_state::present: break;
      case hmx::argo_state::not_enabled: return "HMX not present: Xen's Argo is not enabled for this domain";
      case hmx::argo_state::absent: return "HMX not present: Xen without Argo (not built in, or off at boot)";
      case hmx::argo_state::unknown: return "HMX not present: Xen found, but its hypercall page could not be installed";
    }
  }
  if (!probe_.present()) return hmx::describe(probe_.hmx_status);
  if (!conduit_ok_) return "HMX present, but no conduit this platform can use (guest images need x86_msr)";
  return "HMX present";
}

client_t& context::client(unsigned vcpu) noexcept { return *clients_[vcpu < nvcpus_ ? vcpu : 0]; }

int64_t context::call(uint32_t op, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) noexcept {
  const hmx::result<int64_t> r = client(0).call(op, a1, a2, a3, a4);
  return r.ok() ? *r : r.error().code();
}

int64_t context::call_block(const hmx_call_block_t& block) noexcept {
  const hmx::result<int64_t> r = client(0).call(block);
  return r.ok() ? *r : r.error().code();
}

int64_t context::register_raw(const hmx_register_ring_t& reg, const uint64_t* gfns,
                              uint64_t npages, uint64_t flags) noexcept {
  auto* r = static_cast<hmx_register_ring_t*>(pages(1));
  if (r == nullptr) return -HMX_ENOMEM;
  *r = reg;
  return call(HMX_OP_REGISTER_RING, gpa(r), gfns == nullptr ? 0 : gpa(gfns), npages, flags);
}

int64_t context::unregister_raw(uint32_t aport, uint16_t partner, uint16_t pad) noexcept {
  auto* u = static_cast<hmx_unregister_ring_t*>(pages(1));
  if (u == nullptr) return -HMX_ENOMEM;
  u->aport = aport;
  u->partner_id = partner;
  u->pad = pad;
  return call(HMX_OP_UNREGISTER_RING, gpa(u));
}

void* context::pages(size_t n) noexcept {
  void* p = arena_->alloc_pages(n);
  if (p == nullptr) check(false, "harness: out of memory for %lu pages", static_cast<unsigned long>(n));
  return p;
}

void* context::ram_tail(size_t n) noexcept {
  if (test_base_ == nullptr || n > test_bytes_ || test_arena_.pages_left() * 4096 < n + 4096) return nullptr;
  unsigned char* p = test_base_ + test_bytes_ - n;
  return p_.to_gpa(p) + n == p_.ram_end() ? p : nullptr;
}

ring* context::new_ring(uint32_t aport, uint16_t partner, uint32_t len, unsigned char fill) noexcept {
  if (nrings_ == max_test_rings) {
    check(false, "harness: more than %u rings in one test", max_test_rings);
    return nullptr;
  }
  void* mem = pages(static_cast<size_t>(hmx::ring_npages(len)));
  if (mem == nullptr) return nullptr;
  auto* bytes = static_cast<unsigned char*>(mem);
  for (uint32_t i = 0; i < len; ++i) bytes[HMX_RING_HEADER_SIZE + i] = fill;
  ring& r = rings_[nrings_++];
  r = ring{};
  r.memory = mem;
  r.len = len;
  r.aport = aport;
  r.partner = partner;
  r.reader = hmx::ring_reader(mem, len);
  return &r;
}

int64_t context::register_ring(ring* r, uint32_t flags, bool preserve) noexcept {
  const hmx::status s = client(0).register_ring(r->registration(flags, preserve));
  if (s.ok()) r->registered = true;
  return s.code();
}

int64_t context::unregister_ring(ring* r) noexcept {
  const hmx::status s = client(0).unregister_ring(r->aport, r->partner);
  if (s.ok()) r->registered = false;
  return s.code();
}

ring* context::make_ring(uint32_t aport, uint16_t partner, uint32_t len, uint32_t flags) noexcept {
  ring* r = new_ring(aport, partner, len);
  if (r == nullptr) return nullptr;
  const int64_t rc = register_ring(r, flags);
  if (!check(rc == 0, "setup: register_ring(aport %#x, partner %u, len %u): %s", aport, partner,
             len, hmx::error_name(rc)))
    return nullptr;
  return r;
}

int64_t context::send_pattern(uint16_t dst, uint32_t aport, uint32_t size, uint32_t seed,
                              uint32_t message_type) noexcept {
  // One buffer per test for the usual sizes: tests call this in polling loops.
  constexpr uint32_t kReused = 16 * 4096;
  if (send_buf_ == nullptr && size != 0 && size <= kReused) send_buf_ = static_cast<unsigned char*>(pages(16));
  auto* buf = size == 0 ? nullptr : size <= kReused ? send_buf_ : static_cast<unsigned char*>(pages((size + 4095) / 4096));
  if (size != 0 && buf == nullptr) return -HMX_ENOMEM;
  for (uint32_t i = 0; i < size; ++i) buf[i] = pattern_byte(seed, i);
  const hmx::result<uint32_t> r = client(0).send(hmx::make_addr(aport, dst), buf, size, message_type);
  return r.ok() ? static_cast<int64_t>(*r) : r.error().code();
}

namespace {
struct trampoline {
  context* ctx;
  void (*fn)(context&, void*);
  void* arg;
};
trampoline g_trampolines[max_vcpus];
void run_trampoline(void* p) {
  auto* t = static_cast<trampoline*>(p);
  t->fn(*t->ctx, t->arg);
}
}  // namespace

bool context::start_on(unsigned vcpu, void (*fn)(context&, void*), void* arg) noexcept {
  if (vcpu == 0 || vcpu >= nvcpus_) return false;
  g_trampolines[vcpu] = trampoline{this, fn, arg};
  return p_.start_on(vcpu, run_trampoline, &g_trampolines[vcpu]);
}

bool context::join(unsigned vcpu, uint32_t timeout_ms) noexcept {
  return wait_until([&] { return p_.finished_on(vcpu); }, timeout_ms);
}

bool context::run_on(unsigned vcpu, void (*fn)(context&, void*), void* arg, uint32_t timeout_ms) noexcept {
  return start_on(vcpu, fn, arg) && join(vcpu, timeout_ms);
}

void context::end_test() noexcept {
  // Leave no ring behind: its pages are reused by the next test.
  for (unsigned i = 0; i < nrings_; ++i)
    if (rings_[i].registered) (void)unregister_ring(&rings_[i]);
  nrings_ = 0;
  finish_report();
  arena_ = &persistent_arena_;
  test_ = nullptr;
}

}  // namespace conformance
