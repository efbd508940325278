// SPDX-License-Identifier: Apache-2.0
// vta_blk_e2e: a driver domain that runs virtio-blk over virtio-argo against a device domain of
// hmx-kvm (`--service NAME=virtio-blk,...`), at CPL3, over the MSR conduit. It writes `mib` MiB in
// requests of `req` bytes spread over `queues` queues with `depth` in flight on each
// (interleaved on vCPU 0: one transport, one context), reads everything back and checks it
// against the pattern, and prints one checksum that the host compares with the backing file.
//
//   arg=dev=NAME        the device domain (its id comes from domains=)
//   arg=mib=N arg=req=BYTES arg=queues=N arg=depth=N arg=seed=N
//   arg=poll-us=N       watch the ring this long before halting (default 50)
//   arg=flush=1         after the read-back, one VIRTIO_BLK_T_FLUSH that must succeed
//   arg=exposures=0     keep the data path where the hypervisor offers EXPOSE (default 1)
//   arg=window=0        with exposures: expose each request's buffers (per-request exposures)
//                       instead of naming them in the exposure window (default 1)
//
// Exit status: 0 all good; 13 (EACCES) the policy keeps us from the device; 19 (ENODEV) the
// device died during the run: the acknowledged requests are printed as a bitmap ("acked:") so
// the host can check exactly those on the backing file; 5 (EIO) a request failed or a read
// differed; others: the positive HMX error code of the step that failed.
#include <hmx/virtio_argo/workload/blk_run.h>

#include "driver_memory.h"
#include "vta_guest.h"

namespace {

using namespace vta_guest;
namespace va = hmx::virtio_argo;
namespace wl = hmx::virtio_argo::workload;
using hmx_guest::printf;

constexpr uint32_t kMaxRequests = 4096;
uint8_t g_acked[kMaxRequests / 8];

struct params {
  uint32_t mib, req, queues, depth, seed, poll_us, flush, exposures, window;
};

// One FLUSH on queue 0 (virtio 1.2 5.2.6.1): ok when the device made every completed write
// durable.
template <class Blk, class Link>
va::result flush(Blk& blk, Link& l) {
  static va::blk_request req;
  if (const va::result r = blk.submit(0, req, va::virtio::BLK_T_FLUSH, 0, nullptr, 0); r != va::result::ok) return r;
  (void)blk.kick(0);
  const uint64_t deadline = l.chan.now_ns() + 10'000'000'000ull;
  for (;;) {
    if (va::blk_request* done = blk.reap(0)) return done->outcome;
    if (l.transport.broken()) return va::result::no_device;
    if (l.chan.now_ns() >= deadline) return va::result::timed_out;
    (void)l.transport.wait(10'000'000);
  }
}

void print_acked(uint32_t count) {
  char line[kMaxRequests / 4 + 1];
  const uint32_t digits = (count + 3) / 4;
  for (uint32_t d = 0; d < digits; ++d) {  // hex digit d: requests 4d..4d+3, lowest bit first
    const uint32_t v = (g_acked[d / 2] >> ((d % 2) * 4)) & 0xf;
    line[d] = "0123456789abcdef"[v];
  }
  line[digits] = '\0';
  printf("vta-e2e: acked: %s\n", line);
}

int run(const identity& id, const params& pr, const char* tag) {
  hmx::probe_result p;
  if (int rc = setup_hmx(g_env, id, p, &g_events, tag); rc != 0) return rc;
  g_wait.calibrate();
  g_wait.start_ticks(5000);  // a 5 ms tick bounds every sleep
  conduit_t conduit(g_env, p.msr_base);
  client_t client(conduit, g_env);
  if (!client.init_status().ok()) return 12;
  static link l(client, g_wait, p.features);
  static channel_t::exposures_t exposures(client, g_env);
  if (pr.exposures != 0) l.exposures = &exposures;
  if (int rc = l.connect(uint16_t(id.device_id), &g_events, g_bus_ring, kBusRingLen, g_ring, kRingLen, g_rx,
                         sizeof g_rx, g_wait, tag, uint64_t{pr.poll_us} * 1000, 1,
                         pr.window != 0 ? io_window() : va::window_region{});
      rc != 0)
    return rc;

  static blk_t blk;
  va::blk_queue_memory mem[kMaxQueues];
  for (uint32_t q = 0; q < kMaxQueues; ++q) mem[q] = {g_vring[q], g_vslots[q], g_inflight[q]};
  if (const va::result r = blk.init(l.transport, uint16_t(pr.queues), kQueueSize, mem, 0); r != va::result::ok) {
    printf("%s: virtio-blk init failed: %s\n", tag, va::to_string(r));
    return exit_code(r);
  }
  if (blk.queues() != pr.queues) printf("%s: the device offers %u queues\n", tag, blk.queues());
  const uint64_t bytes = uint64_t{pr.mib} << 20;
  if (blk.capacity() * 512 < bytes) {
    printf("%s: the disk has %lu sectors, too small for %u MiB\n", tag, (unsigned long)blk.capacity(), pr.mib);
    return 28;
  }
  for (uint32_t i = 0; i < blk.queues() * pr.depth; ++i) place_slot(i, pr.req, pr.window != 0);

  wl::blk_plan plan;
  plan.request_bytes = pr.req;
  plan.count = uint32_t(bytes / pr.req);
  plan.queues = blk.queues();
  plan.depth = uint16_t(pr.depth);
  plan.seed = pr.seed;
  plan.type = va::virtio::BLK_T_OUT;
  const uint64_t t0 = hmx_guest::rdtsc();
  const wl::blk_outcome w = wl::run_plan(blk, l.transport, l.chan, plan, g_slots, [](uint32_t i, va::result r) {
    if (r == va::result::ok) g_acked[i / 8] = uint8_t(g_acked[i / 8] | (1u << (i % 8)));
  });
  const uint64_t t1 = hmx_guest::rdtsc();
  printf("vta-e2e: %s: write: %u of %u requests of %u bytes acknowledged on %u queues (depth %u), %u failed%s%s, "
         "%lu us\n",
         id.name, w.ok, plan.count, pr.req, plan.queues, pr.depth, w.failed, w.failed ? ", first error " : "",
         w.failed ? va::to_string(w.first_error) : "", (unsigned long)((t1 - t0) / g_wait.tsc_per_us()));
  if (w.transport_broken || w.failed != 0) print_acked(plan.count);
  if (w.transport_broken) {
    printf("vta-e2e: %s: device gone during the writes: %u acknowledged, %u failed with %s, none left hanging\n",
           id.name, w.ok, w.failed, va::to_string(w.first_error));
    return HMX_ENODEV;
  }
  if (w.ok != plan.count) return 5;

  plan.type = va::virtio::BLK_T_IN;
  const uint64_t copied_by_writes = totals(l.transport, blk.queues()).used_copy_bytes;
  const uint64_t t2 = hmx_guest::rdtsc();
  const wl::blk_outcome r = wl::run_plan(blk, l.transport, l.chan, plan, g_slots, [](uint32_t, va::result) {});
  const uint64_t t3 = hmx_guest::rdtsc();
  printf("vta-e2e: %s: read back: %u of %u requests ok, %u differed from what was written, %lu us\n", id.name, r.ok,
         plan.count, r.mismatched, (unsigned long)((t3 - t2) / g_wait.tsc_per_us()));
  if (r.ok != plan.count || r.mismatched != 0) return r.transport_broken ? HMX_ENODEV : 5;
  if (pr.flush != 0) {
    const va::result f = flush(blk, l);
    printf("vta-e2e: %s: flush: %s\n", id.name, va::to_string(f));
    if (f != va::result::ok) return f == va::result::no_device ? HMX_ENODEV : 5;
  }

  // The checksum of the whole region as written (every read matched it): the host computes the
  // same over the backing file.
  uint64_t sum = hmx::checksum::kFnv1a64Offset;
  uint8_t sector[wl::kSector];
  for (uint64_t s = 0; s < bytes / wl::kSector; ++s) {
    wl::fill_sector(sector, pr.seed, s);
    sum = hmx::checksum::fnv1a64(sector, sizeof sector, sum);
  }
  const auto& cs = l.chan.stats();
  printf("vta-e2e: %s: channel: %lu messages sent, %lu received, %lu EAGAIN, %lu notifies batched with a send, %lu "
         "alone, %lu sleeps; kicks %lu (%lu suppressed)\n",
         id.name, (unsigned long)cs.sent, (unsigned long)cs.received, (unsigned long)cs.eagain,
         (unsigned long)cs.batched_notifies, (unsigned long)cs.notifies, (unsigned long)cs.sleeps,
         (unsigned long)blk.kicks(), (unsigned long)blk.suppressed_kicks());
  const exposure_totals x = totals(l.transport, blk.queues());
  printf("vta-e2e: %s: exposures: %lu of %lu requests exposed, %lu fallbacks, %lu errors, %lu revoked live; USED "
         "copied %lu bytes (%lu for reads of %lu bytes)\n",
         id.name, (unsigned long)x.exposed, (unsigned long)x.requests, (unsigned long)x.fallbacks,
         (unsigned long)x.errors, (unsigned long)x.revokes, (unsigned long)x.used_copy_bytes,
         (unsigned long)(x.used_copy_bytes - copied_by_writes), (unsigned long)bytes);
  printf("vta-e2e: %s: window: %lu of %lu requests named the exposure window; %lu window calls (expose, revoke), "
         "%lu per-request calls\n",
         id.name, (unsigned long)x.window, (unsigned long)x.requests, (unsigned long)x.window_calls,
         (unsigned long)x.request_calls);
  printf("vta-e2e: %s: PASS: %u MiB written and read back over virtio-argo, checksum %016lx\n", id.name, pr.mib,
         (unsigned long)sum);
  g_wait.stop_ticks();
  return 0;
}

}  // namespace

int guest_main(const hmx_guest::start_info& si) {
  const identity id = read_identity(si);
  char tag[64];
  hmx_guest::snprintf(tag, sizeof tag, "vta-e2e: %s", id.name);
  if (id.device_id < 0) {
    printf("%s: no device domain: pass arg=dev=NAME naming a domain of domains= (%s)\n", tag, id.cmdline);
    return 2;
  }
  params pr;
  pr.mib = hmx_guest::cmdline_uint(id.cmdline, "mib", 4);
  pr.req = hmx_guest::cmdline_uint(id.cmdline, "req", 65536);
  pr.queues = hmx_guest::cmdline_uint(id.cmdline, "queues", 2);
  pr.depth = hmx_guest::cmdline_uint(id.cmdline, "depth", 8);
  pr.seed = hmx_guest::cmdline_uint(id.cmdline, "seed", 1);
  pr.poll_us = hmx_guest::cmdline_uint(id.cmdline, "poll-us", 50);
  pr.flush = hmx_guest::cmdline_uint(id.cmdline, "flush", 0);
  pr.exposures = hmx_guest::cmdline_uint(id.cmdline, "exposures", 1);
  pr.window = hmx_guest::cmdline_uint(id.cmdline, "window", 1);
  if (pr.req == 0 || pr.req % 512 != 0 || pr.queues == 0 || pr.queues > kMaxQueues || pr.depth == 0 ||
      pr.depth > 32 || pr.queues * pr.depth * pr.req > kDataBytes || (uint64_t{pr.mib} << 20) / pr.req > kMaxRequests ||
      pr.depth * 3 > kQueueSize) {
    printf("%s: bad parameters (req %u, queues %u, depth %u, mib %u)\n", tag, pr.req, pr.queues, pr.depth, pr.mib);
    return 2;
  }
  return run(id, pr, tag);
}
