/* SPDX-License-Identifier: Apache-2.0 */
// The in-process platform (--target reference): a domain of an in-process reference core
// (adapters/reference, hmx::ref::Core) with ArenaGuestMemory RAM at GPA 0. The tests' conduit is
// a loopback into Core::call (libhmx's loopback conduit idea, bound per vCPU). CPUID and MSRs are
// simulated here, the way an x86 adapter such as hmx-kvm presents the core to a guest: the HMX
// leaf block at the default base and the MSR block with the #GP rules of HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016,
// HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013 and HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019. Other vCPUs are host threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <hmx/reference/reference.h>

#include "conformance/context.h"
#include "conformance/platform.h"

namespace conformance::hosted {

// The hypervisor signature the simulated CPUID shows at 0x40000000.
inline constexpr char kSimSignature[] = "HMXREFERENCE";

class hosted_platform final : public platform, private hmx::ref::Notifier {
 public:
  using line_sink = std::function<void(std::string_view)>;
  hosted_platform(hmx::ref::Core& core, hmx::ref::DomainId id, std::string name, uint64_t ram_bytes,
                  unsigned vcpus, line_sink sink);
  ~hosted_platform();
  hosted_platform(const hosted_platform&) = delete;
  hosted_platform& operator=(const hosted_platform&) = delete;

  // Enable HMX for the domain (Core::create_domain) / tear it down, as a VM exit would.
  int attach();
  void detach();
  void request_stop();
  [[nodiscard]] hmx::ref::DomainId id() const { return id_; }

  unsigned vcpu_count() override { return vcpus_; }
  const char* cmdline() override { return ""; }
  hmx::cpuid_regs cpuid(unsigned vcpu, uint32_t leaf, uint32_t subleaf) override;
  bool rdmsr(unsigned vcpu, uint32_t index, uint64_t* value) override;
  bool wrmsr(unsigned vcpu, uint32_t index, uint64_t value) override;
  bool configure(hmx::probe_result&) override { return true; }
  hmx::status invoke(unsigned vcpu, uint64_t call_block_gpa) override;
  const char* conduit_name() override { return "loopback"; }
  void free_ram(void** base, size_t* bytes) override;
  uint64_t to_gpa(const void* p) override;
  uint64_t ram_end() override { return mem_.size(); }
  uint64_t non_ram_gpa() override { return 0xfee00000; }
  bool start_on(unsigned vcpu, void (*fn)(void*), void* arg) override;
  bool finished_on(unsigned vcpu) override;
  void poll() override {}
  uint32_t vector_count(unsigned vcpu, uint8_t vector) override;
  void idle(uint32_t max_us) override;
  void idle_by_interrupt(bool) override {}  // idle() always has a time limit here
  uint64_t now_us() override;
  void relax() override { std::this_thread::yield(); }
  void write_line(const char* text, size_t len) override { sink_(std::string_view(text, len)); }
  bool stop_requested() override { return stop_.load(); }
  bool denial_count(uint64_t* count, uint64_t* logged) override;
  // Where the harness counts the policy's log lines (reference_run.cpp).
  void set_log_counter(const std::atomic<uint64_t>* lines) { log_lines_ = lines; }

 private:
  void raise(hmx::ref::DomainId dom, uint32_t vcpu, uint8_t vector) override;

  hmx::ref::Core& core_;
  hmx::ref::DomainId id_;
  std::string name_;
  hmx::ref::ArenaGuestMemory mem_;
  unsigned vcpus_;
  line_sink sink_;
  bool attached_ = false;
  std::atomic<bool> stop_{false};
  const std::atomic<uint64_t>* log_lines_ = nullptr;
  std::atomic<uint32_t> counts_[max_vcpus][256] = {};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  uint64_t wake_seq_ = 0;
  std::thread workers_[max_vcpus];
  std::atomic<bool> done_[max_vcpus] = {};
};

}  // namespace conformance::hosted
