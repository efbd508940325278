/* SPDX-License-Identifier: Apache-2.0 */
// An asynchronous block workload over blk_driver and any virtio_transport: `count` requests of
// `request_bytes` each over consecutive sectors, spread round robin over the queues, `depth` in
// flight per queue, completions reaped in whatever order they come and refilled at once. Writes
// carry the pattern of blk_pattern.h; reads are checked against it. When the transport breaks
// (the device died, HMX-VTA-102 HMX-VTA-103 HMX-VTA-104) every request still outstanding comes back failed through
// fail_outstanding and the run ends: the caller learns which requests were acknowledged (the
// on_done hook), which is what a host checks against the backing file afterwards.
// The same code runs in guest images (CPL3), in-process tests and hmx-vta-bench. Freestanding.
#pragma once

#include <cstdint>

#include "hmx/virtio_argo/driver/virtio_blk.h"
#include "hmx/virtio_argo/workload/blk_pattern.h"

namespace hmx::virtio_argo::workload {

struct blk_plan {
  uint32_t type = virtio::BLK_T_OUT;  // BLK_T_OUT or BLK_T_IN
  uint64_t first_sector = 0;
  uint32_t request_bytes = 65536;     // a multiple of 512
  uint32_t count = 64;
  uint16_t queues = 1;                // used round robin: request i goes to queue i % queues
  uint16_t depth = 4;                 // requests in flight per queue
  uint64_t seed = 1;
  bool verify = true;                 // reads: compare with the pattern
  bool fill = true;                   // writes: fill with the pattern (benchmarks may skip both)
  uint64_t timeout_ns = 30'000'000'000ull;
};

// One in-flight slot: the request and its data buffer (request_bytes, in driver memory the
// transport can send from).
struct blk_slot {
  blk_request req;
  uint8_t* data;
  uint32_t index;  // request number within the plan
  uint16_t queue;
  bool busy;
};

struct blk_outcome {
  uint32_t ok = 0;
  uint32_t failed = 0;      // completed with an error or handed back after a failure
  uint32_t mismatched = 0;  // reads whose data was not the pattern
  uint32_t issued = 0;
  result first_error = result::ok;
  bool timed_out = false;
  bool transport_broken = false;
  uint64_t bytes = 0;       // bytes of successful requests
};

// slots: queues * depth entries, data buffers set. on_done(index, outcome) runs once per issued
// request. Clock: any object with now_ns() (the transport's channel).
template <class Blk, class T, class Clock, class OnDone>
blk_outcome run_plan(Blk& blk, T& t, Clock& clock, const blk_plan& p, blk_slot* slots, OnDone&& on_done) {
  blk_outcome out;
  const uint16_t nq = p.queues;
  uint32_t next[64] = {};
  if (nq == 0 || nq > 64 || p.depth == 0 || p.request_bytes % kSector != 0) {
    out.first_error = result::invalid;
    return out;
  }
  for (uint16_t q = 0; q < nq; ++q) next[q] = q;
  const uint64_t per = p.request_bytes / kSector;
  uint32_t done = 0;

  auto note = [&](blk_slot& s, result r) {
    s.busy = false;
    if (r == result::ok) {
      if (p.type == virtio::BLK_T_IN && p.verify && !matches(s.data, p.request_bytes, p.seed, p.first_sector + s.index * per)) {
        ++out.mismatched;
        r = result::io;
      }
    }
    if (r == result::ok) {
      ++out.ok;
      out.bytes += p.request_bytes;
    } else {
      ++out.failed;
      if (out.first_error == result::ok) out.first_error = r;
    }
    ++done;
    on_done(s.index, r);
  };
  // Fills the free slots of queue q; true if anything was queued.
  auto refill = [&](uint16_t q) {
    bool any = false;
    for (uint16_t d = 0; d < p.depth; ++d) {
      blk_slot& s = slots[q * p.depth + d];
      if (s.busy || next[q] >= p.count) continue;
      s.index = next[q];
      s.queue = q;
      next[q] += nq;
      const uint64_t sector = p.first_sector + uint64_t{s.index} * per;
      if (p.type == virtio::BLK_T_OUT && p.fill) fill(s.data, p.request_bytes, p.seed, sector);
      const split_virtqueue::buf b{s.data, p.request_bytes};
      const result r = blk.submit(q, s.req, p.type, sector, &b, 1);
      ++out.issued;
      if (r != result::ok) {
        note(s, r);
        continue;
      }
      s.req.user = &s;
      s.busy = true;
      any = true;
    }
    return any;
  };

  for (uint16_t q = 0; q < nq; ++q)
    if (refill(q)) (void)blk.kick(q);
  const uint64_t deadline = clock.now_ns() + p.timeout_ns;
  while (done < out.issued || done < p.count) {
    bool reaped = false;
    for (uint16_t q = 0; q < nq; ++q) {
      bool any = false;
      while (blk_request* r = blk.reap(q)) {
        note(*static_cast<blk_slot*>(r->user), r->outcome);
        any = true;
      }
      reaped = reaped || any;
      if (any && refill(q)) (void)blk.kick(q);
    }
    if (t.broken()) {
      // Every request the device never completed comes back failed (HMX-VTA-100 HMX-VTA-101).
      out.transport_broken = true;
      (void)blk.fail_outstanding([&](blk_request& r) { note(*static_cast<blk_slot*>(r.user), result::no_device); });
      break;
    }
    if (done >= p.count) break;
    if (clock.now_ns() >= deadline) {
      out.timed_out = true;
      break;
    }
    if (!reaped) (void)t.wait(10'000'000);
  }
  return out;
}

}  // namespace hmx::virtio_argo::workload
