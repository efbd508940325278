/* SPDX-License-Identifier: Apache-2.0 */
// The memory a virtio-argo driver image owns, shared by vta_blk_e2e and vta_blk_bench: the
// libhmx scratch arena, the event page, the bus and device rings, the receive buffer, the split
// virtqueues and the request buffers. All static: a guest image has no heap (docs/ARCHITECTURE.md decision 7).
// The request buffers (data, and each slot's blk header and status byte) are one region,
// g_window, that holds nothing else: the images give it as their exposure window (spec transport
// "Exposure windows", HMX-VTA-169); the slots' bookkeeping stays outside it.
// Included by exactly one translation unit per image.
#pragma once

#include <hmx/virtio_argo/workload/blk_run.h>

#include "vta_guest.h"

namespace vta_guest {

constexpr uint32_t kBusRingLen = 4 * 4096 - 64;
constexpr uint32_t kRingLen = 256 * 4096 - 64;  // 1 MiB: several 64 KiB USED messages at once
constexpr uint16_t kQueueSize = 128;
constexpr uint16_t kMaxQueues = 8;
constexpr uint32_t kDataBytes = 4u << 20;  // all slots' buffers together

inline hmx::static_arena<48> g_arena;
inline env_t g_env(g_arena);
inline guest_waiter g_wait;
alignas(4096) inline hmx_event_page_t g_events;
alignas(4096) inline uint8_t g_bus_ring[kBusRingLen + 64];
alignas(4096) inline uint8_t g_ring[kRingLen + 64];
alignas(16) inline uint8_t g_rx[kRingLen + 64];
// Rows stay 16-aligned.
constexpr size_t kVringBytes =
    (hmx::virtio_argo::split_virtqueue::ring_bytes(kQueueSize) + 15) & ~size_t{15};
alignas(16) inline uint8_t g_vring[kMaxQueues][kVringBytes];
inline hmx::virtio_argo::split_virtqueue::slot g_vslots[kMaxQueues][kQueueSize];
inline hmx::virtio_argo::inflight_slot g_inflight[kMaxQueues][kQueueSize];
constexpr uint32_t kSlots = kMaxQueues * 32;
constexpr uint32_t kSlotIoBytes = 32;  // >= blk kBlkIoBytes, rows stay 16-aligned
constexpr uint32_t kWindowBytes = kDataBytes + kSlots * kSlotIoBytes;
static_assert(kSlotIoBytes >= hmx::virtio_argo::kBlkIoBytes);
alignas(4096) inline uint8_t g_window[kWindowBytes];
inline uint8_t* const g_data = g_window;  // kDataBytes: the slots' data buffers
inline hmx::virtio_argo::workload::blk_slot g_slots[kSlots];

// Slot i's blk header and status byte in the window (blk_request::io).
inline uint8_t* slot_io(uint32_t i) { return g_window + kDataBytes + i * kSlotIoBytes; }
// The window as the transport takes it (argo_driver_config::exposure_window).
inline hmx::virtio_argo::window_region io_window() { return {g_window, kWindowBytes}; }

}  // namespace vta_guest
