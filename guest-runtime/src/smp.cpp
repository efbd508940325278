// SPDX-License-Identifier: MIT
// Local APIC and AP bring-up, all at CPL3 (the xAPIC page is mapped user-accessible).
//
// INIT-SIPI-SIPI as in SDM Vol. 3A 9.4.4.1 "Typical BSP Initialization Sequence", sent with the
// "all excluding self" shorthand so the runtime needs no APIC ID list; each AP takes its cpu
// index from a counter in entry32.S. Works with KVM's in-kernel LAPIC (hmx-kvm) and QEMU's.
#include "percpu.h"

extern "C" {
extern const char hmx_guest_trampoline_start[];
extern const char hmx_guest_trampoline_end[];
}

namespace hmx_guest {
namespace detail {

unsigned cpus_online();

namespace {

constexpr uintptr_t kLapicId = HMX_GUEST_LAPIC_BASE + 0x20;
constexpr uintptr_t kLapicSvr = HMX_GUEST_LAPIC_BASE + 0xf0;
constexpr uintptr_t kLapicIcrLow = HMX_GUEST_LAPIC_BASE + 0x300;
constexpr uintptr_t kLapicIcrHigh = HMX_GUEST_LAPIC_BASE + 0x310;
constexpr uint32_t kIcrDeliveryPending = 1u << 12;
constexpr uint32_t kIcrAssert = 1u << 14;
constexpr uint32_t kIcrSelf = 1u << 18;
constexpr uint32_t kIcrAllButSelf = 3u << 18;
constexpr uint32_t kIcrInit = 5u << 8;
constexpr uint32_t kIcrStartup = 6u << 8;

void wait_icr_idle() {
  while (mmio_read32(kLapicIcrLow) & kIcrDeliveryPending) cpu_relax();
}

void delay_cycles(uint64_t cycles) {
  uint64_t start = rdtsc();
  while (rdtsc() - start < cycles) cpu_relax();
}

}  // namespace

// The LAPIC comes out of reset software-disabled (SVR bit 8 clear), and a disabled LAPIC drops
// fixed interrupts (SDM Vol. 3A 10.4.7.2), so each vCPU enables its own.
void lapic_enable() {
  mmio_write32(kLapicSvr, 0x100u | HMX_GUEST_VECTOR_SPURIOUS);
  this_cpu().apic_id = lapic_id();
}

void start_aps(unsigned count) {
  if (count <= 1) return;
  size_t size = size_t(hmx_guest_trampoline_end - hmx_guest_trampoline_start);
  memcpy(phys_to_virt<void>(HMX_GUEST_TRAMPOLINE_BASE), hmx_guest_trampoline_start, size);
  mmio_write32(kLapicIcrHigh, 0);
  mmio_write32(kLapicIcrLow, kIcrAllButSelf | kIcrAssert | kIcrInit);
  wait_icr_idle();
  delay_cycles(10'000'000);  // the SDM's 10 ms; virtual LAPICs need far less
  for (int i = 0; i < 2; ++i) {
    mmio_write32(kLapicIcrLow, kIcrAllButSelf | kIcrAssert | kIcrStartup | (HMX_GUEST_TRAMPOLINE_BASE >> 12));
    wait_icr_idle();
    delay_cycles(200'000);
  }
  uint64_t start = rdtsc();
  while (cpus_online() < count) {
    if (rdtsc() - start > 20'000'000'000ull)
      panic("AP bring-up timed out: %u of %u vCPUs online", cpus_online(), count);
    cpu_relax();
  }
}

}  // namespace detail

uint32_t lapic_id() { return mmio_read32(detail::kLapicId) >> 24; }

void send_ipi(uint32_t apic_id, uint8_t vector) {
  detail::wait_icr_idle();
  mmio_write32(detail::kLapicIcrHigh, apic_id << 24);
  mmio_write32(detail::kLapicIcrLow, detail::kIcrAssert | vector);
}

void send_self_ipi(uint8_t vector) {
  detail::wait_icr_idle();
  mmio_write32(detail::kLapicIcrLow, detail::kIcrSelf | detail::kIcrAssert | vector);
}

}  // namespace hmx_guest
