// SPDX-License-Identifier: Apache-2.0
// hosted_platform (hosted_platform.h): CPUID and MSR simulation over hmx::ref::Core.
#include "hosted_platform.h"

#include <chrono>
#include <cstring>

namespace conformance::hosted {

namespace {

// Test memory starts at 64 KiB: GPA 0 ("no argument") never names a test object.
constexpr uint64_t kFreeRamStart = 0x10000;

uint32_t word(const char* s, unsigned i) { return hmx::cpuid_word(s, i); }

}  // namespace

hosted_platform::hosted_platform(hmx::ref::Core& core, hmx::ref::DomainId id, std::string name,
                                 uint64_t ram_bytes, unsigned vcpus, line_sink sink)
    : core_(core), id_(id), name_(std::move(name)), mem_(ram_bytes), vcpus_(vcpus), sink_(std::move(sink)) {}

hosted_platform::~hosted_platform() {
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  detach();
}

int hosted_platform::attach() {
  const int rc = core_.create_domain(id_, name_, mem_, vcpus_, *this);
  attached_ = rc == 0;
  return rc;
}

void hosted_platform::detach() {
  if (attached_) (void)core_.destroy_domain(id_);
  attached_ = false;
}

void hosted_platform::request_stop() {
  stop_ = true;
  std::lock_guard l(wake_mu_);
  ++wake_seq_;
  wake_cv_.notify_all();
}

// The CPUID an x86 adapter presents (spec cpuid table): leaf 1 with the hypervisor bit, the
// simulator's own signature at 0x40000000, the HMX block at its default base.
hmx::cpuid_regs hosted_platform::cpuid(unsigned vcpu, uint32_t leaf, uint32_t) {
  const uint32_t base = HMX_CPUID_DEFAULT_BASE;
  switch (leaf) {
    case 0: {
      const char* v = "GenuineIntel";
      return {0x16, word(v, 0), word(v, 2), word(v, 1)};
    }
    case 1: return {0x000906ea, vcpu << 24, hmx::cpuid1_ecx_hypervisor_bit, 0};
    case 0x40000000: return {0x40000000, word(kSimSignature, 0), word(kSimSignature, 1), word(kSimSignature, 2)};
    default: break;
  }
  if (leaf == base + HMX_CPUID_LEAF_IDENTITY)
    return {base + HMX_CPUID_LEAF_MSR, HMX_CPUID_SIGNATURE_EBX, HMX_CPUID_SIGNATURE_ECX, HMX_CPUID_SIGNATURE_EDX};
  if (leaf == base + HMX_CPUID_LEAF_VERSION) return {HMX_VERSION, id_, vcpu, 0};
  if (leaf == base + HMX_CPUID_LEAF_MECHANISMS) {
    const uint32_t features = core_.features();
    return {HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VECTOR_BIT, features,
            (features & HMX_FEATURE_BATCH_BIT) != 0 ? core_.max_batch() : 0, 0};
  }
  if (leaf == base + HMX_CPUID_LEAF_MSR) return {HMX_MSR_DEFAULT_BASE, HMX_MSR_COUNT, 0, 0};
  return {};
}

// The MSR block (spec msrs, HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016): CALL is write-only and faults on a block that is
// misaligned or not in RAM; VECTOR and EVENT_PAGE fault where set_vector / set_event_page
// would fail; every other index of the block faults.
bool hosted_platform::rdmsr(unsigned vcpu, uint32_t index, uint64_t* value) {
  const uint32_t base = HMX_MSR_DEFAULT_BASE;
  if (index == base + HMX_MSR_VECTOR) return core_.get_vector(id_, vcpu, value) == 0;
  if (index == base + HMX_MSR_EVENT_PAGE) return core_.get_event_page(id_, value) == 0;
  return false;
}

bool hosted_platform::wrmsr(unsigned vcpu, uint32_t index, uint64_t value) {
  const uint32_t base = HMX_MSR_DEFAULT_BASE;
  if (index == base + HMX_MSR_CALL) {
    if (value % HMX_CALL_BLOCK_ALIGN != 0 || !mem_.contains(value, sizeof(hmx_call_block_t))) return false;
    (void)core_.call(id_, vcpu, value);
    return true;
  }
  if (index == base + HMX_MSR_VECTOR) return core_.set_vector(id_, vcpu, value) == 0;
  if (index == base + HMX_MSR_EVENT_PAGE) return core_.set_event_page(id_, value) == 0;
  return false;
}

hmx::status hosted_platform::invoke(unsigned vcpu, uint64_t call_block_gpa) {
  (void)core_.call(id_, vcpu, call_block_gpa);
  return {};
}

void hosted_platform::free_ram(void** base, size_t* bytes) {
  *base = mem_.data() + kFreeRamStart;
  *bytes = static_cast<size_t>(mem_.size() - kFreeRamStart);
}

uint64_t hosted_platform::to_gpa(const void* p) {
  const auto* b = static_cast<const std::byte*>(p);
  if (b < mem_.data() || b >= mem_.data() + mem_.size()) return hmx::invalid_gpa;
  return static_cast<uint64_t>(b - mem_.data());
}

bool hosted_platform::start_on(unsigned vcpu, void (*fn)(void*), void* arg) {
  if (vcpu == 0 || vcpu >= vcpus_ || vcpu >= max_vcpus) return false;
  if (workers_[vcpu].joinable()) {
    if (!done_[vcpu]) return false;
    workers_[vcpu].join();
  }
  done_[vcpu] = false;
  workers_[vcpu] = std::thread([this, vcpu, fn, arg] {
    fn(arg);
    done_[vcpu] = true;
  });
  return true;
}

bool hosted_platform::finished_on(unsigned vcpu) {
  if (vcpu >= max_vcpus) return true;
  return !workers_[vcpu].joinable() || done_[vcpu].load();
}

uint32_t hosted_platform::vector_count(unsigned vcpu, uint8_t vector) {
  return vcpu < max_vcpus ? counts_[vcpu][vector].load() : 0;
}

void hosted_platform::raise(hmx::ref::DomainId, uint32_t vcpu, uint8_t vector) {
  if (vcpu < max_vcpus) counts_[vcpu][vector].fetch_add(1);
  std::lock_guard l(wake_mu_);
  ++wake_seq_;
  wake_cv_.notify_all();
}

void hosted_platform::idle(uint32_t max_us) {
  std::unique_lock l(wake_mu_);
  const uint64_t seq = wake_seq_;
  wake_cv_.wait_for(l, std::chrono::microseconds(max_us), [&] { return wake_seq_ != seq; });
}

uint64_t hosted_platform::now_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

bool hosted_platform::denial_count(uint64_t* count, uint64_t* logged) {
  *count = core_.policy().denials();
  *logged = log_lines_ != nullptr ? log_lines_->load() : 0;
  return true;
}

}  // namespace conformance::hosted
