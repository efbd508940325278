/* SPDX-License-Identifier: Apache-2.0 */
// The machine the monitor runs on: QEMU's `virt` board with virtualization=on, gic-version=3
// (QEMU hw/arm/virt.c memory map), and the layout the monitor gives its guests.
#pragma once

#include <stdint.h>

#include <hmx_guest/protocol.h>

namespace hmx::arm {

// Physical devices (QEMU virt).
inline constexpr uintptr_t kGicdBase = 0x08000000;
inline constexpr uintptr_t kGicrBase = 0x080A0000;
inline constexpr uintptr_t kUartBase = 0x09000000;
inline constexpr uint64_t kRamBase = 0x40000000;
// QEMU places its device tree at the start of RAM for an ELF that does not load there.
inline constexpr uint64_t kHostDtb = kRamBase;
// The monitor's own memory: its image (linked at 0x40200000), stacks and heap; domains get RAM
// above it.
inline constexpr uint64_t kMonitorReserved = uint64_t{64} << 20;

inline constexpr unsigned kMaxCpus = 8;
inline constexpr unsigned kMaxDomains = 8;
inline constexpr unsigned kMaxVcpusPerDomain = 4;

// What every guest sees (the aarch64 guest runtime's boot contract, hmx_guest/protocol.h).
inline constexpr uint64_t kGuestRamBase = HMX_A64_RAM_BASE;  // IPA of guest RAM; + text_offset: the Image
inline constexpr uint64_t kGuestMaxRam = uint64_t{1} << 30;
inline constexpr uint64_t kGuestUart = HMX_A64_UART_DEFAULT;  // IPA of the emulated PL011
inline constexpr uint64_t kGuestDtbSpace = 0x10000;     // the guest's device tree: RAM's last 64 KiB

// Interrupt ids (GICv3).
inline constexpr uint32_t kSgiKick = 8;          // physical SGI between the monitor's CPUs
inline constexpr uint32_t kPpiMaintenance = 25;  // ICH maintenance interrupt
inline constexpr uint32_t kPpiHypTimer = 26;     // CNTHP, the monitor's time limit
inline constexpr uint32_t kPpiVirtTimer = 27;    // CNTV, the guest's virtual timer
inline constexpr uint32_t kSpurious = 1020;

}  // namespace hmx::arm
