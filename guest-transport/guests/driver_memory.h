/* SPDX-License-Identifier: Apache-2.0 */
// The memory a virtio-argo driver image owns, shared by vta_blk_e2e and vta_blk_bench: the
// libhmx scratch arena, the event page, the bus and device rings, the receive buffer, the split
// virtqueues and the request buffers. All static: a guest image has no heap (docs/ARCHITECTURE.md decision 7).
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
alignas(4096) inline uint8_t g_data[kDataBytes];
inline hmx::virtio_argo::workload::blk_slot g_slots[kMaxQueues * 32];

}  // namespace vta_guest
