/* SPDX-License-Identifier: Apache-2.0 */
// The memory a virtio-argo driver image owns, shared by vta_blk_e2e and vta_blk_bench: the
// libhmx scratch arena, the event page, the bus and device rings, the receive buffer, the split
// virtqueues and the request buffers. All static: a guest image has no heap (docs/ARCHITECTURE.md decision 7).
// The request buffers (data, and each slot's blk header and status byte) are one region,
// g_window, that holds nothing else: the images give it as their exposure window (spec transport
// "Exposure windows", HMX-VTA-169); the slots' bookkeeping stays outside it. Slot i's row is
// [header | data | status], so a request's pieces of one direction are one window segment.
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
constexpr uint32_t kSlotIoBytes = 32;  // a row's header (16) and status byte, rounded: rows stay 16-aligned
constexpr uint32_t kWindowBytes = kDataBytes + kSlots * kSlotIoBytes;
static_assert(kSlotIoBytes >= hmx::virtio_argo::virtio::BLK_REQ_HEADER + 1);
alignas(4096) inline uint8_t g_window[kWindowBytes];
inline hmx::virtio_argo::workload::blk_slot g_slots[kSlots];

// Slot i of requests of `req` bytes: its row [header | data | status] in the window, the blk
// request's header and status pointing into it (blk_request::io_header, io_status), or, with
// `in_window` false, only its data there (header and status in the slot).
inline void place_slot(uint32_t i, uint32_t req, bool in_window) {
  uint8_t* row = g_window + uint64_t{i} * (req + kSlotIoBytes);
  hmx::virtio_argo::workload::blk_slot& s = g_slots[i];
  s.data = row + hmx::virtio_argo::virtio::BLK_REQ_HEADER;
  s.req.io_header = in_window ? row : nullptr;
  s.req.io_status = in_window ? s.data + req : nullptr;
}
// The window as the transport takes it (argo_driver_config::exposure_window).
inline hmx::virtio_argo::window_region io_window() { return {g_window, kWindowBytes}; }

}  // namespace vta_guest
