// SPDX-License-Identifier: Apache-2.0
// vta_blk_bench: the guest half of hmx-vta-bench. The same virtio-blk driver and the same
// workload (workload/blk_run.h) over one of two transports, chosen on the command line:
//
//   arg=path=argo   virtio-argo: bus, CONNECT, argo_transport over libhmx's MSR conduit; every
//                   byte a hypervisor copy into the peer's ring (arg=dev-id=N: the device domain)
//   arg=path=shm    the shared-memory baseline: the monitor reads this guest's split virtqueues
//                   and buffers in place (baseline/mailbox.h; arg=shm-msr=INDEX, arg=shm-vector=V)
//
// and the measurement: arg=size=BYTES per request, arg=mib=N per phase, arg=depth=N per queue,
// arg=queues=N, arg=poll-us=N (both transports watch their rings this long before halting),
// arg=kick-batch=N (virtio-argo's kick coalescing, argo_driver_config::kick_batch),
// arg=exposures=0|1 (virtio-argo's exposure path where the hypervisor offers EXPOSE; default 1),
// arg=window=0|1 (with exposures: buffers named in the exposure window, spec transport "Exposure
// windows", or exposed per request with 0; default 1); a
// write phase, then a read phase over the same sectors. Each phase prints
//   vta-bench: result path=P op=write size=S depth=D queues=Q requests=N ok=N bytes=B cycles=C ...
// timed with rdtsc at CPL3; hmx-vta-bench converts with the host's TSC rate. The data is neither
// filled nor checked here (tests/hmx does that): the figure is the transport's.
#include <hmx/virtio_argo/baseline/mailbox_transport.h>
#include <hmx/virtio_argo/workload/blk_run.h>

#include "driver_memory.h"
#include "vta_guest.h"

namespace {

using namespace vta_guest;
namespace va = hmx::virtio_argo;
namespace wl = hmx::virtio_argo::workload;
using hmx_guest::printf;
using mailbox_t = va::baseline::mailbox_transport<env_t, guest_waiter, 8>;

alignas(64) va::baseline::mailbox_block g_mailbox;

struct params {
  uint32_t size, mib, depth, queues, poll_us, kick_batch, exposures, window;
  bool argo;
};

struct exits {
  uint64_t sends, notifies, doorbells, calls, send_ns, wait_ns;
  uint64_t exposed, used_copy;  // virtio-argo: requests sent exposed, bytes copied out of USED messages
  uint64_t window;              // virtio-argo: of the exposed, those that named the exposure window
};

template <class T>
int measure(T& t, const params& pr, const char* path, const char* tag, exits (*count)(T&)) {
  static va::blk_driver<T, kMaxQueues> blk;
  va::blk_queue_memory mem[kMaxQueues];
  for (uint32_t q = 0; q < kMaxQueues; ++q) mem[q] = {g_vring[q], g_vslots[q], g_inflight[q]};
  if (const va::result r = blk.init(t, uint16_t(pr.queues), kQueueSize, mem, 0); r != va::result::ok) {
    printf("%s: virtio-blk init failed: %s\n", tag, va::to_string(r));
    return exit_code(r);
  }
  const uint64_t bytes = uint64_t{pr.mib} << 20;
  if (blk.capacity() * 512 < bytes) {
    printf("%s: the disk is too small for %u MiB\n", tag, pr.mib);
    return 28;
  }
  for (uint32_t i = 0; i < blk.queues() * pr.depth; ++i) place_slot(i, pr.size, pr.window != 0);
  const uint32_t ops[2] = {va::virtio::BLK_T_OUT, va::virtio::BLK_T_IN};
  for (uint32_t op : ops) {
    wl::blk_plan plan;
    plan.type = op;
    plan.request_bytes = pr.size;
    plan.count = uint32_t(bytes / pr.size);
    plan.queues = blk.queues();
    plan.depth = uint16_t(pr.depth);
    plan.fill = false;
    plan.verify = false;
    const exits e0 = count(t);
    const uint64_t h0 = g_wait.halts();
    const uint64_t c0 = hmx_guest::rdtsc();
    const wl::blk_outcome o = wl::run_plan(blk, t, g_wait, plan, g_slots, [](uint32_t, va::result) {});
    const uint64_t c1 = hmx_guest::rdtsc();
    const exits e1 = count(t);
    printf("vta-bench: result path=%s op=%s size=%u depth=%u queues=%u requests=%u ok=%u bytes=%lu cycles=%lu "
           "sends=%lu notifies=%lu doorbells=%lu calls=%lu halts=%lu send_us=%lu wait_us=%lu exposed=%lu "
           "used_copy=%lu window=%lu\n",
           path, op == va::virtio::BLK_T_OUT ? "write" : "read", pr.size, pr.depth, plan.queues, plan.count, o.ok,
           (unsigned long)o.bytes, (unsigned long)(c1 - c0), (unsigned long)(e1.sends - e0.sends),
           (unsigned long)(e1.notifies - e0.notifies), (unsigned long)(e1.doorbells - e0.doorbells),
           (unsigned long)(e1.calls - e0.calls), (unsigned long)(g_wait.halts() - h0),
           (unsigned long)((e1.send_ns - e0.send_ns) / 1000), (unsigned long)((e1.wait_ns - e0.wait_ns) / 1000),
           (unsigned long)(e1.exposed - e0.exposed), (unsigned long)(e1.used_copy - e0.used_copy),
           (unsigned long)(e1.window - e0.window));
    if (o.ok != plan.count) {
      printf("%s: %s phase: %u of %u requests failed (%s)\n", tag, path, o.failed, plan.count,
             va::to_string(o.first_error));
      return 5;
    }
  }
  return 0;
}

int run_argo(const identity& id, const params& pr, const char* tag) {
  hmx::probe_result p;
  if (int rc = setup_hmx(g_env, id, p, &g_events, tag); rc != 0) return rc;
  conduit_t conduit(g_env, p.msr_base);
  client_t client(conduit, g_env);
  if (!client.init_status().ok()) return 12;
  static link l(client, g_wait, p.features);
  static channel_t::exposures_t exposures(client, g_env);
  if (pr.exposures != 0) l.exposures = &exposures;
  if (int rc = l.connect(uint16_t(id.device_id), &g_events, g_bus_ring, kBusRingLen, g_ring, kRingLen, g_rx,
                         sizeof g_rx, g_wait, tag, uint64_t{pr.poll_us} * 1000, pr.kick_batch,
                         pr.window != 0 ? io_window() : va::window_region{});
      rc != 0)
    return rc;
  static link* lp = &l;
  return measure<transport_t>(l.transport, pr, "argo", tag, [](transport_t&) {
    const auto& s = lp->chan.stats();
    const exposure_totals x = totals(lp->transport, kMaxQueues);
    // Every expose and revoke (the window's too) is a call of its own (an exit), beside the sends.
    return exits{s.sent, s.notifies, 0, s.send_calls + x.calls, s.send_ns, s.wait_ns, x.exposed, x.used_copy_bytes,
                 x.window};
  });
}

int run_shm(const identity& id, const params& pr, const char* tag) {
  const uint32_t msr = hmx_guest::cmdline_uint(id.cmdline, "shm-msr", 0);
  const uint32_t vector = hmx_guest::cmdline_uint(id.cmdline, "shm-vector", 0x52);
  if (msr == 0 || vector < 32 || vector > 255) {
    printf("%s: path=shm needs arg=shm-msr=INDEX (decimal) and a vector 32..255\n", tag);
    return 2;
  }
  hmx_guest::set_vector_handler(uint8_t(vector), [](uint8_t) {});
  static mailbox_t t(g_env, g_wait, &g_mailbox, msr, uint64_t{pr.poll_us} * 1000);
  return measure<mailbox_t>(t, pr, "shm", tag,
                            [](mailbox_t& m) { return exits{0, 0, m.doorbells(), m.calls(), 0, 0, 0, 0, 0}; });
}

}  // namespace

int guest_main(const hmx_guest::start_info& si) {
  const identity id = read_identity(si);
  char tag[64];
  hmx_guest::snprintf(tag, sizeof tag, "vta-bench: %s", id.name);
  char path[8] = {};
  (void)hmx_guest::cmdline_value(id.cmdline, "path", path, sizeof path);
  params pr;
  pr.argo = same(path, "argo");
  pr.size = hmx_guest::cmdline_uint(id.cmdline, "size", 65536);
  pr.mib = hmx_guest::cmdline_uint(id.cmdline, "mib", 16);
  pr.depth = hmx_guest::cmdline_uint(id.cmdline, "depth", 8);
  pr.queues = hmx_guest::cmdline_uint(id.cmdline, "queues", 1);
  pr.poll_us = hmx_guest::cmdline_uint(id.cmdline, "poll-us", 50);
  pr.kick_batch = hmx_guest::cmdline_uint(id.cmdline, "kick-batch", 1);
  pr.exposures = hmx_guest::cmdline_uint(id.cmdline, "exposures", 1);
  pr.window = hmx_guest::cmdline_uint(id.cmdline, "window", 1);
  if ((!pr.argo && !same(path, "shm")) || pr.size == 0 || pr.size % 512 != 0 || pr.queues == 0 ||
      pr.queues > kMaxQueues || pr.depth == 0 || pr.depth > 32 || pr.depth * 3 > kQueueSize ||
      pr.queues * pr.depth * pr.size > kDataBytes) {
    printf("%s: bad parameters: path=argo|shm size=%u depth=%u queues=%u\n", tag, pr.size, pr.depth, pr.queues);
    return 2;
  }
  if (pr.argo && id.device_id < 0) {
    printf("%s: path=argo needs arg=dev=NAME or arg=dev-id=N\n", tag);
    return 2;
  }
  g_wait.calibrate();
  g_wait.start_ticks(5000);
  const int rc = pr.argo ? run_argo(id, pr, tag) : run_shm(id, pr, tag);
  g_wait.stop_ticks();
  printf("vta-bench: done rc=%d tsc_per_us=%lu\n", rc, (unsigned long)g_wait.tsc_per_us());
  return rc;
}
