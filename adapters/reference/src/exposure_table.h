/* SPDX-License-Identifier: Apache-2.0 */
// One domain's exposures (internal; spec exposures, feature EXPOSE).
//
// A fixed table of HMX_EXPOSE_MAX_PER_DOMAIN slots inside the Domain: exposing never allocates,
// so a guest cannot make the hypervisor grow memory with it (spec security-exposures).
//
// Locks (LOCKING.md): `alloc_mu` serializes expose's search for a free slot; each slot's `mu`
// guards that slot and is held for the whole of a fetch or deposit copy, so a revoke (which takes
// it) returns only after a copy in flight finished (HMX-XPOSE-032). Order: L1 -> alloc_mu ->
// slot mu; neither is held with an L2 or L3, and policy hooks run before a slot lock is taken.
#pragma once

#include <atomic>
#include <cstdint>

#include <hmx/abi/hmx.h>

#include "hmx/reference/types.h"
#include "port.h"

namespace hmx::ref {

// A handle: bits 15:0 the slot index, bits 62:16 the slot's generation (never 0, so a handle is
// never 0), bit 63 clear (a positive result, HMX-XPOSE-001). It carries no guest address.
inline constexpr unsigned kExposeIndexBits = 16;
inline constexpr uint64_t kExposeGenerationMask = (uint64_t{1} << 47) - 1;

constexpr uint64_t make_expose_handle(uint32_t index, uint64_t generation) {
  return (generation << kExposeIndexBits) | index;
}
constexpr uint32_t expose_handle_index(uint64_t handle) {
  return static_cast<uint32_t>(handle & ((uint64_t{1} << kExposeIndexBits) - 1));
}
constexpr uint64_t expose_handle_generation(uint64_t handle) { return handle >> kExposeIndexBits; }

static_assert(HMX_EXPOSE_MAX_PER_DOMAIN <= (1u << kExposeIndexBits));

struct ExposureSlot {
  mutable port::mutex mu;
  bool live = false;
  // A fresh value for every expose that takes the slot, from a counter of all domains' exposes,
  // so an ended exposure's handle never names a later one, not even of a domain created again
  // with the same id (HMX-XPOSE-017). 47 bits wrap after 1.4e14 exposes in all.
  uint64_t generation = 0;
  DomainId peer = 0;
  uint16_t access = 0;
  uint32_t len = 0;
  uint32_t uses = 0;
  uint64_t gpa = 0;
};

struct ExposureTable {
  port::mutex alloc_mu;
  ExposureSlot slots[HMX_EXPOSE_MAX_PER_DOMAIN];
  uint32_t next = 0;  // where the next free-slot search starts (under alloc_mu)
  std::atomic<uint32_t> live{0};
  // Accounting (HMX-XPOSE-035): bytes peers fetched from / deposited into this domain's
  // exposures, and bytes this domain fetched / deposited as a peer.
  std::atomic<uint64_t> exposes{0}, bytes_fetched_from{0}, bytes_deposited_into{0}, bytes_fetched{0},
      bytes_deposited{0};
};

}  // namespace hmx::ref
