// SPDX-License-Identifier: Apache-2.0
// bench: the guest half of hmx-bench (apps/hmx-bench). Two domains with one vCPU each:
//
//   role=sender peer=NAME [iters=N]   times, at CPL3 with rdtsc, every figure of docs/ARCHITECTURE.md
//                                     "Performance" and prints one `bench: result` line each:
//     gate       the runtime's privileged gate without an exit (the -ENOSYS path)
//     raw_exit   WRMSR through the gate to base+HMX_MSR_COUNT, just past the HMX block, an MSR
//                that hmx-bench routes to userspace and ignores: the bare KVM userspace MSR exit
//     null       op null through the CALL MSR (libhmx client)
//     sendv_S    one sendv of S bytes per call (S = 64, 4096, 65536) into the receiver's ring
//     batch_S    kBatch (32) sendv of S bytes per batch call (one exit)
//     batchmax_65536  the same with the hypervisor's largest batch (MECHANISMS.ECX, 64)
//     submit_64  the submission queue (feature SUBMIT_QUEUE): 1024 sendv of 64 bytes staged at CPL3
//                in the guest's own queue, published with one store, run by one submit exit
//     notify     ping-pong: sendv -> the receiver's vector handler replies -> our handler; the
//                round trip is two send-to-handler latencies
//   role=receiver peer=NAME [event_idx=0|1]
//                                     sleeps in HLT; its vector handler drains the 16 MiB ring at
//                                     CPL3, replies to pings at once, and after consuming data
//                                     calls notify so a sender waiting for space is woken
//                                     (HMX-NOTIFY-006). While the handler has not cleared the
//                                     ring's event bit, further messages raise no interrupt
//                                     (HMX-EVENT-008): one wake-up drains many messages.
//                                     With EVENT_IDX offered (and event_idx=1, the default) the
//                                     ring is moderated: before each HLT the receiver arms
//                                     rx_event = rx_ptr (hmx/event_idx.h), so only the message it
//                                     sleeps for raises an interrupt (spec event-idx).
//
// Flow control is HMX's own: a sendv that finds the ring full fails with EAGAIN and queues a
// space wait; the sender sleeps until EVENT_SPACE_AVAILABLE (HMX-EVENT-007), then retries. A
// periodic LAPIC timer (10 ms) retries anyway, so a lost wake-up would show as `timer_retries`
// instead of a hang. Neither guest spins, so the two vCPUs do not compete for the host's CPUs.
//
// Before each timed loop the sender writes the loop's phase number to base+HMX_MSR_COUNT+1 (also
// ignored by hmx-bench, outside the timing) so that hmx-bench can attribute the host time spent
// in the HMX service to each figure.
//
// Result lines: `bench: result name=NAME ops=N cycles=C msgs=M bytes=B cpl0=I eagain=E`: N timed
// operations took C TSC cycles in total, each moved M messages of B payload bytes and executed I
// CPL0 instructions (hundredths, counted in guest-runtime/src/vectors.S: gate WRMSR path 6,
// external interrupt 14, HALT 18, the -ENOSYS path 18).
#include <hmx/submit_queue.h>

#include "hmx_guest_setup.h"

namespace {

using namespace hmx_kvm_guest;
using hmx_guest::printf;
using hmx_guest::rdtsc;

constexpr uint32_t kPort = 1;
constexpr uint32_t kRxRingBytes = HMX_MAX_RING_LEN + HMX_RING_HEADER_SIZE;  // receiver: 16 MiB ring
constexpr size_t kRxScratchPages = 10;  // its register_ring needs the 4096-entry gfn list (32 KiB)
constexpr uint32_t kTxRingBytes = 4 * 4096;                       // sender: pong ring
constexpr uint32_t kBatch = 32;                                   // sendv per batch call
constexpr uint8_t kVector = 0x60;
constexpr uint32_t kMaxSize = 65536;

enum message_type : uint32_t { kData = 1, kPing = 3, kEnd = 4, kPong = 5 };
constexpr uint8_t kTimerVector = 0x61;
constexpr uint32_t kTickUs = 10'000;

// CPL0 instructions per operation, x100 (vectors.S).
constexpr uint32_t kCpl0Wrmsr = 600;           // gate WRMSR path (+ the MSR exit)
constexpr uint32_t kCpl0Gate = 1800;           // gate -ENOSYS path, no exit
// One way, on the critical path: the sender's gate WRMSR path (6), then the receiver's interrupt stub
// (14) and the HALT gate's final iretq (1). The receiver ran the HALT path's first 17 before it slept.
constexpr uint32_t kCpl0Notify = 600 + 1400 + 100;

hmx::static_arena<104> g_arena;  // 40, and 64 for the 1024-entry submission queue
env_t g_env(g_arena);
alignas(4096) unsigned char g_rx_ring[kRxRingBytes];
alignas(4096) unsigned char g_tx_ring[kTxRingBytes];
alignas(4096) unsigned char g_payload[kMaxSize];
alignas(4096) hmx_event_page_t g_events;

identity g_id;
hmx::probe_result g_probe;
client_t* g_client = nullptr;
hmx::ring_reader g_reader;
hmx_addr_t g_peer_ring{};

// ---- receiver --------------------------------------------------------------------------------
uint64_t g_rx_messages = 0, g_rx_bytes = 0, g_rx_wakeups = 0, g_rx_notifies = 0;
bool g_rx_end = false;
uint32_t g_rx_pings = 0;
bool g_rx_consumed_data = false;
bool g_rx_moderated = false;
uint64_t g_rx_arm_races = 0;  // arming found a message: consumed instead of halting

void receive(const hmx::message_view& m) {
  switch (m.message_type) {
    case kData:
      ++g_rx_messages;
      g_rx_bytes += m.size;
      g_rx_consumed_data = true;
      break;
    case kPing: {
      ++g_rx_pings;
      const hmx::result<uint32_t> r = g_client->send(g_peer_ring, m.first, m.first_size, kPong);
      if (!r.ok()) printf("bench: receiver: pong sendv: %s\n", r.error().name());
      break;
    }
    case kEnd:
      g_rx_end = true;
      break;
    default:
      break;
  }
}

// Clear the ring's bit, consume everything (HMX-EVENT-030 HMX-EVENT-031), then wake senders waiting for the
// space (notify, HMX-NOTIFY-006).
void drain_receiver() {
  (void)hmx::test_and_clear_ring_pending(&g_events, hmx::ring_event_index(g_reader.header()));
  g_rx_consumed_data = false;
  (void)g_reader.for_each([](const hmx::message_view& m) { receive(m); });
  if (g_rx_consumed_data) {
    ++g_rx_notifies;
    if (hmx::status s = g_client->notify(); !s.ok()) printf("bench: receiver: notify: %s\n", s.name());
  }
}

// The send-to-handler path ends here: the handler sees the ping and replies at once.
void on_receiver_vector(uint8_t) {
  ++g_rx_wakeups;
  drain_receiver();
}

int run_receiver() {
  // Static: the vector handler uses the client through g_client after this function's frame.
  static conduit_t conduit(g_env, g_probe.msr_base);
  static client_t client(conduit, g_env, kRxScratchPages);
  g_client = &client;
  if (!client.init_status().ok()) return 10;
  if (!enable_vector(g_env, g_probe, kVector, on_receiver_vector)) return 11;
  g_reader = hmx::ring_reader(g_rx_ring, kRxRingBytes - HMX_RING_HEADER_SIZE);
  hmx::ring_registration reg;
  reg.memory = g_rx_ring;
  reg.len = kRxRingBytes - HMX_RING_HEADER_SIZE;
  reg.aport = kPort;
  reg.partner_id = uint16_t(g_id.peer_id);
  reg.flags = HMX_REGISTER_FLAG_NOTIFY_VCPU;  // vCPU 0
  if (hmx_guest::cmdline_uint(g_id.cmdline, "event_idx", 1) != 0) reg.flags |= hmx::event_idx_register_flag(g_probe.features);
  g_rx_moderated = (reg.flags & HMX_REGISTER_FLAG_EVENT_IDX) != 0;
  if (hmx::status s = client.register_ring(reg); !s.ok()) {
    printf("bench: receiver: register_ring: %s\n", s.name());
    return 12;
  }
  drain_receiver();  // HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029: check the ring once after enabling
  while (!g_rx_end) {
    // Moderated: ask for the message at rx_ptr, then halt only if none arrived meanwhile
    // (HMX-EVENT-054 HMX-EVENT-055 HMX-EVENT-056).
    if (g_rx_moderated && !hmx::arm_rx_event(g_reader)) {
      ++g_rx_arm_races;
      drain_receiver();
      continue;
    }
    hmx_guest::wait_for_interrupt();
    hmx_guest::dispatch_pending();
  }
  printf("bench: receiver messages=%lu bytes=%lu pings=%u wakeups=%lu notifies=%lu moderated=%d arm_races=%lu\n",
         (unsigned long)g_rx_messages, (unsigned long)g_rx_bytes, g_rx_pings, (unsigned long)g_rx_wakeups,
         (unsigned long)g_rx_notifies, g_rx_moderated ? 1 : 0, (unsigned long)g_rx_arm_races);
  return 0;
}

// ---- sender ------------------------------------------------------------------------------------
uint32_t g_pongs = 0;
uint32_t g_ticks = 0;
uint64_t g_timer_retries = 0;

void on_timer(uint8_t) { ++g_ticks; }

// After EAGAIN: sleep until the receiver's notify signals EVENT_SPACE_AVAILABLE (HMX-EVENT-007),
// or a timer tick passes.
void wait_for_space() {
  const uint32_t tick = g_ticks;
  while (hmx::test_and_clear_status(&g_events, HMX_EVENT_SPACE_AVAILABLE) == 0) {
    if (g_ticks - tick >= 2) {
      ++g_timer_retries;
      return;
    }
    hmx_guest::wait_for_interrupt();
    hmx_guest::dispatch_pending();
  }
}

void on_sender_vector(uint8_t) {
  (void)hmx::test_and_clear_ring_pending(&g_events, hmx::ring_event_index(g_reader.header()));
  (void)g_reader.for_each([](const hmx::message_view& m) { g_pongs += m.message_type == kPong; });
}

// Phase numbers, in the order of the figures (hmx-bench's vm_run.cpp has the same list).
enum phase : uint32_t {
  kPhaseSetup, kPhaseGate, kPhaseRawExit, kPhaseNull, kPhaseSendv64, kPhaseSendv4096, kPhaseSendv65536,
  kPhaseBatch64, kPhaseBatch4096, kPhaseBatch65536, kPhaseBatchMax, kPhaseSubmit64, kPhaseSqpoll64, kPhaseNotify,
  kPhaseEnd
};
void mark_phase(uint32_t p) { (void)hmx_guest::privileged_wrmsr(g_probe.msr_base + HMX_MSR_COUNT + 1, p); }

uint32_t phase_of_size(uint32_t base, uint32_t size) { return base + (size == 64 ? 0 : size == 4096 ? 1 : 2); }

void report(const char* name, uint32_t ops, uint64_t cycles, uint32_t msgs, uint32_t bytes, uint32_t cpl0,
            uint64_t eagain) {
  printf("bench: result name=%s ops=%u cycles=%lu msgs=%u bytes=%u cpl0=%u eagain=%lu\n", name, ops,
         (unsigned long)cycles, msgs, bytes, cpl0, (unsigned long)eagain);
}

// One message of `size` bytes; EAGAIN (the receiver lags) is retried and counted.
bool send_one(uint32_t size, uint32_t type, uint64_t& eagain) {
  for (;;) {
    const hmx::result<uint32_t> r = g_client->send(g_peer_ring, g_payload, size, type);
    if (r.ok()) return true;
    if (r.error() != hmx::errc::again) {
      printf("bench: sendv of %u bytes: %s\n", size, r.error().name());
      return false;
    }
    ++eagain;
    wait_for_space();
  }
}

bool bench_single(uint32_t size, uint32_t n) {
  mark_phase(phase_of_size(kPhaseSendv64, size));
  uint64_t eagain = 0;
  const uint64_t t0 = rdtsc();
  for (uint32_t i = 0; i < n; ++i)
    if (!send_one(size, kData, eagain)) return false;
  const uint64_t cycles = rdtsc() - t0;
  char name[32];
  hmx_guest::snprintf(name, sizeof name, "sendv_%u", size);
  report(name, n, cycles, 1, size, kCpl0Wrmsr, eagain);
  return true;
}

// `per_call` sendv per batch call; entries refused with EAGAIN go again in the next batch.
bool bench_batched(hmx::batch<env_t>& b, uint32_t size, uint32_t batches, uint32_t per_call = kBatch) {
  const bool max = per_call != kBatch;
  mark_phase(max ? kPhaseBatchMax : phase_of_size(kPhaseBatch64, size));
  const uint64_t want = uint64_t{batches} * per_call;
  uint64_t done = 0, eagain = 0;
  uint32_t calls = 0;
  const hmx::buffer buf{g_payload, size};
  const uint64_t t0 = rdtsc();
  while (done < want) {
    b.clear();
    const uint32_t n = want - done < per_call ? uint32_t(want - done) : per_call;
    for (uint32_t i = 0; i < n; ++i)
      if (!b.add_sendv(g_peer_ring, &buf, 1, kData).ok()) return false;
    const hmx::result<uint32_t> r = g_client->run(b, HMX_BATCH_FLAG_STOP_ON_ERROR);
    ++calls;
    if (!r.ok()) {
      printf("bench: batch: %s\n", r.error().name());
      return false;
    }
    uint32_t ok = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const int64_t e = b.entry_result(i);
      if (e >= 0) {
        ++ok;
      } else if (e == -HMX_EAGAIN || e == -HMX_ENOSYS) {  // EAGAIN, or not run after it
        eagain += e == -HMX_EAGAIN;
      } else {
        printf("bench: batch entry %u: %s\n", i, hmx::error_name(e));
        return false;
      }
    }
    done += ok;
    if (ok < n) wait_for_space();
  }
  const uint64_t cycles = rdtsc() - t0;
  char name[32];
  hmx_guest::snprintf(name, sizeof name, max ? "batchmax_%u" : "batch_%u", size);
  // Report per batch call; msgs per call is the average actually delivered.
  report(name, calls, cycles, uint32_t(done / calls), size, kCpl0Wrmsr, eagain);
  return true;
}

// The submission queue (spec submit-queue): up to a drain's worth of sendv entries staged at CPL3,
// published with one release store, run by one submit exit each (HMX-ASYNC-021: at most
// SUBMIT_DRAIN_ENTRIES per drain); entries refused with EAGAIN are staged again after the receiver
// made space. Reported per submit exit, like the batch figures.
bool bench_submit_queue(hmx::submit_queue<env_t>& q, uint32_t size, uint64_t want) {
  mark_phase(kPhaseSubmit64);
  uint64_t done = 0, eagain = 0;
  uint32_t calls = 0;
  const hmx::buffer buf{g_payload, size};
  const uint64_t t0 = rdtsc();
  while (done < want) {
    const uint64_t room = q.free_slots() < HMX_SUBMIT_DRAIN_ENTRIES ? q.free_slots() : HMX_SUBMIT_DRAIN_ENTRIES;
    const uint32_t n = uint32_t(want - done < room ? want - done : room);
    for (uint32_t i = 0; i < n; ++i)
      if (const auto r = q.push_sendv(g_peer_ring, &buf, 1, kData); !r.ok()) {
        printf("bench: submit queue push: %s\n", r.error().name());
        return false;
      }
    q.publish();
    while (q.in_flight() != 0) {
      const hmx::result<int64_t> r = g_client->call(HMX_OP_SUBMIT);
      ++calls;
      if (!r.ok() || *r == 0) {
        printf("bench: submit: %s\n", r.ok() ? "ran nothing" : r.error().name());
        return false;
      }
    }
    uint32_t ok = 0, failed = 0;
    q.reap([&](uint32_t, int64_t e) {
      if (e >= 0) ++ok;
      else if (e == -HMX_EAGAIN) ++eagain;
      else ++failed;
    });
    if (failed != 0) {
      printf("bench: %u submission queue entries failed\n", failed);
      return false;
    }
    done += ok;
    if (ok < n) wait_for_space();
  }
  const uint64_t cycles = rdtsc() - t0;
  char name[32];
  hmx_guest::snprintf(name, sizeof name, "submit_%u", size);
  report(name, calls, cycles, uint32_t(done / (calls ? calls : 1)), size, kCpl0Wrmsr, eagain);
  return true;
}

// The same stream through the polling drain (spec submit-queue-polling): hmx-bench gives the
// sender a submission queue worker for this phase only (hmx-kvm's sqpoll=), and the guest
// publishes every 256 entries and calls submit only when SUBMIT_QUEUE_NEED_WAKEUP asks for it
// (hmx::kick, HMX-ASYNC-043) or when it must wait for slots while the worker sleeps. Reported per
// message (ops = messages); hmx-bench counts the sender's exits in the phase.
bool bench_submit_poll(hmx::submit_queue<env_t>& q, uint32_t size, uint64_t want) {
  mark_phase(kPhaseSqpoll64);
  constexpr uint32_t kChunk = 256;
  uint64_t done = 0, eagain = 0, outstanding = 0;
  uint32_t submits = 0;
  const hmx::buffer buf{g_payload, size};
  uint32_t last_progress = g_ticks;
  const uint64_t t0 = rdtsc();
  while (done < want) {
    uint64_t n = want - done - outstanding;
    if (n > q.free_slots()) n = q.free_slots();
    if (n > kChunk) n = kChunk;
    for (uint64_t i = 0; i < n; ++i)
      if (const auto r = q.push_sendv(g_peer_ring, &buf, 1, kData); !r.ok()) {
        printf("bench: submit queue push: %s\n", r.error().name());
        return false;
      }
    outstanding += n;
    // hmx::kick, counted: publish, then submit only when NEED_WAKEUP is set (HMX-ASYNC-043).
    if (n != 0 && q.publish()) {
      const hmx::result<int64_t> r = g_client->call(HMX_OP_SUBMIT);
      ++submits;
      if (!r.ok()) {
        printf("bench: submit: %s\n", r.error().name());
        return false;
      }
    }
    uint32_t ok = 0, again = 0, failed = 0;
    outstanding -= q.reap([&](uint32_t, int64_t e) {
      if (e >= 0) ++ok;
      else if (e == -HMX_EAGAIN) ++again;
      else ++failed;
    });
    if (failed != 0) {
      printf("bench: %u submission queue entries failed\n", failed);
      return false;
    }
    done += ok;
    eagain += again;
    if (ok != 0) last_progress = g_ticks;
    if (again != 0) {
      wait_for_space();
    } else if (n == 0 && ok == 0) {
      // Waiting for slots: the worker drains them; a sleeping worker needs the doorbell.
      if (q.in_flight() != 0 && q.need_wakeup()) {
        (void)g_client->call(HMX_OP_SUBMIT);
        ++submits;
      } else {
        __builtin_ia32_pause();
      }
      if (g_ticks - last_progress > 500) {  // 5 s without a completion: the drain never came
        printf("bench: sqpoll: no completion for 5 s (in flight %u)\n", q.in_flight());
        return false;
      }
    }
  }
  const uint64_t cycles = rdtsc() - t0;
  char name[32];
  hmx_guest::snprintf(name, sizeof name, "sqpoll_%u", size);
  report(name, uint32_t(done), cycles, 1, size, 0, eagain);
  printf("bench: sqpoll_%u submits=%u messages=%lu\n", size, submits, (unsigned long)done);
  return true;
}

// Registers the 1024-entry queue when the monitor offers SUBMIT_QUEUE; otherwise the figure is
// absent (hmx-bench then reports no async_gain).
bool run_submit_queue_figure(client_t& client, uint32_t iters) {
  if ((g_probe.features & HMX_FEATURE_SUBMIT_QUEUE_BIT) == 0) {
    printf("bench: SUBMIT_QUEUE not offered: no submit_64 figure\n");
    return true;
  }
  static hmx::submit_queue<env_t> queue(g_env, HMX_SUBMIT_DRAIN_ENTRIES);
  if (hmx::status s = queue.init_status(); !s.ok()) {
    printf("bench: submission queue pages: %s\n", s.name());
    return false;
  }
  if (hmx::status s = hmx::register_submit_queue(client, queue); !s.ok()) {
    printf("bench: set_submit_queue: %s\n", s.name());
    return false;
  }
  if (!bench_submit_queue(queue, 64, uint64_t{iters} * kBatch)) return false;
  queue.reap_all();
  return bench_submit_poll(queue, 64, uint64_t{iters} * kBatch);
}

int run_sender(uint32_t iters) {
  static conduit_t conduit(g_env, g_probe.msr_base);
  static client_t client(conduit, g_env);
  g_client = &client;
  if (!client.init_status().ok()) return 10;
  static hmx::batch<env_t> batch(g_env, kBatch);
  const uint32_t max_batch = g_probe.max_batch < HMX_MAX_BATCH_ENTRIES ? g_probe.max_batch : HMX_MAX_BATCH_ENTRIES;
  static hmx::batch<env_t> big(g_env, max_batch, 4);  // 64 x (send_addr + 8 iovs) = 9 KiB of args
  if (!batch.init_status().ok() || !big.init_status().ok()) return 10;
  if (!enable_vector(g_env, g_probe, kVector, on_sender_vector)) return 11;
  hmx_guest::set_vector_handler(kTimerVector, on_timer);
  start_periodic_timer(kTimerVector, kTickUs);
  g_reader = hmx::ring_reader(g_tx_ring, kTxRingBytes - HMX_RING_HEADER_SIZE);
  hmx::ring_registration reg;
  reg.memory = g_tx_ring;
  reg.len = kTxRingBytes - HMX_RING_HEADER_SIZE;
  reg.aport = kPort;
  reg.partner_id = uint16_t(g_id.peer_id);
  reg.flags = HMX_REGISTER_FLAG_NOTIFY_VCPU;
  if (hmx::status s = client.register_ring(reg); !s.ok()) {
    printf("bench: sender: register_ring: %s\n", s.name());
    return 12;
  }
  for (uint32_t i = 0; i < kMaxSize; ++i) g_payload[i] = static_cast<unsigned char>(i * 31);
  // Wait for the receiver's ring.
  for (int i = 0;; ++i) {
    const hmx::result<hmx_ring_data_ent_t> e = client.query(g_peer_ring, 0);
    if (e.ok() && (e->flags & HMX_RING_EXISTS) != 0) break;
    if (i == 5000) {
      printf("bench: the receiver's ring never appeared\n");
      return 13;
    }
    spin_us(1000);
  }

  // The gate alone: an unknown function takes the -ENOSYS path, no exit.
  mark_phase(kPhaseGate);
  uint64_t t0 = rdtsc();
  for (uint32_t i = 0; i < iters; ++i) {
    int64_t r;
    asm volatile("call hmx_guest_gate_call" : "=a"(r) : "D"(uint64_t{99}) : "memory");
  }
  report("gate", iters, rdtsc() - t0, 0, 0, kCpl0Gate, 0);

  // The bare userspace MSR exit: the MSR just past the HMX block, which hmx-bench ignores.
  const uint32_t raw_msr = g_probe.msr_base + HMX_MSR_COUNT;
  mark_phase(kPhaseRawExit);
  t0 = rdtsc();
  for (uint32_t i = 0; i < iters; ++i)
    if (!hmx_guest::privileged_wrmsr(raw_msr, i)) {
      printf("bench: WRMSR %#x raised #GP: run the bench image under hmx-bench\n", raw_msr);
      return 14;
    }
  report("raw_exit", iters, rdtsc() - t0, 0, 0, kCpl0Wrmsr, 0);

  mark_phase(kPhaseNull);
  t0 = rdtsc();
  for (uint32_t i = 0; i < iters; ++i)
    if (hmx::status s = client.null(); !s.ok()) {
      printf("bench: null: %s\n", s.name());
      return 15;
    }
  report("null", iters, rdtsc() - t0, 0, 0, kCpl0Wrmsr, 0);

  if (!bench_single(64, iters) || !bench_single(4096, iters) || !bench_single(65536, iters / 2)) return 16;
  const uint32_t batches = iters / kBatch < 8 ? 8 : iters / kBatch;
  if (!bench_batched(batch, 64, batches * 4) || !bench_batched(batch, 4096, batches * 2) ||
      !bench_batched(batch, 65536, batches) || !bench_batched(big, 65536, batches / 2 ? batches / 2 : 1, max_batch))
    return 17;
  if (!run_submit_queue_figure(client, iters)) return 20;

  // Latency: the receiver sleeps in HLT between messages.
  uint64_t eagain = 0;
  const uint32_t rounds = iters / 4 < 50 ? 50 : iters / 4;
  mark_phase(kPhaseNotify);
  t0 = rdtsc();
  for (uint32_t i = 0; i < rounds; ++i) {
    const uint32_t want = g_pongs + 1;
    if (!send_one(16, kPing, eagain)) return 18;
    while (g_pongs < want) {
      hmx_guest::wait_for_interrupt();
      hmx_guest::dispatch_pending();
    }
  }
  // Two send-to-handler latencies per round trip: report per one-way trip.
  report("notify", rounds * 2, rdtsc() - t0, 1, 16, kCpl0Notify, eagain);
  mark_phase(kPhaseEnd);
  if (!send_one(16, kEnd, eagain)) return 19;
  stop_timer();
  printf("bench: sender done, timer_retries=%lu\n", (unsigned long)g_timer_retries);
  return 0;
}

}  // namespace

int guest_main(const hmx_guest::start_info& si) {
  g_id = read_identity(si);
  if (g_id.peer_id < 0) {
    printf("bench: no peer: pass arg=peer=NAME\n");
    return 2;
  }
  if (!probe_hmx(g_env, g_id, g_probe, "bench")) return 3;
  g_peer_ring = hmx::make_addr(kPort, uint16_t(g_id.peer_id));
  if (!hmx::x86::write_event_page_msr(g_env, g_probe.msr_base, &g_events).ok() || g_env.take_msr_fault()) return 4;
  if (same(g_id.role, "sender")) return run_sender(hmx_guest::cmdline_uint(g_id.cmdline, "iters", 2000));
  if (same(g_id.role, "receiver")) return run_receiver();
  printf("bench: unknown role '%s' (sender or receiver)\n", g_id.role);
  return 5;
}
