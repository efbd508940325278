// SPDX-License-Identifier: Apache-2.0
// The Arm figures of DESIGN.md "Performance", measured inside one domain of the EL2 monitor in
// one run, each as a ratio of two times taken the same way (the virtual counter, CNTVCT_EL0):
//
//   raw       HVC #0 of SMCCC_VERSION: a trap to EL2 and back, answered without the core
//   null      libhmx's null operation over the SMCCC conduit: CALL, the core reads the call
//             block, runs op 16, writes the result                     R_exit = null / raw
//   memcpy    64 KiB copied by the guest (the runtime's memcpy)
//   sendv     one 64 KiB message sent into the domain's own ring (the core copies it at EL2),
//             then consumed                                            R_copy = memcpy / sendv
//   single    kBatch 64-byte messages, one sendv call each
//   batched   the same messages in one batch call                      gain = single / batched
//   notify    vCPU 0 sends to a ring announced on vCPU 1, whose vector handler (a PPI through
//             the list registers) answers into vCPU 0's ring: half the round trip is the
//             send-to-handler latency                                  notify / raw
//
// Prints "bench KEY=VALUE" lines (nanoseconds, bytes per second, ratios in thousandths) that
// hmx-arm-bench reads. `iterations=N` scales the loops (default 20000).
#include <hmx/hmx.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

namespace {

using hmx_guest::printf;
using env_t = hmx_guest::hmx_env;
using conduit_t = hmx::smccc_conduit<env_t>;
using client_t = hmx::client<conduit_t, env_t>;

constexpr uint32_t kCopyBytes = 64 * 1024;
constexpr uint32_t kBatch = 32;
constexpr uint32_t kSmallBytes = 64;
constexpr uint32_t kBigRingBytes = 68 * 4096;  // a 64 KiB message and its header fit
constexpr uint32_t kSmallRingBytes = 4 * 4096;
constexpr uint32_t kPortCopy = 1, kPortBatch = 2, kPortPing = 3, kPortPong = 4;
constexpr uint8_t kPpi = 21;

hmx::static_arena<48> g_arena;
env_t g_env(g_arena);
alignas(4096) unsigned char g_big_ring[kBigRingBytes];
alignas(4096) unsigned char g_batch_ring[kSmallRingBytes];
alignas(4096) unsigned char g_ping_ring[kSmallRingBytes];  // vCPU 1's: announced on vCPU 1
alignas(4096) unsigned char g_pong_ring[kSmallRingBytes];  // vCPU 0's: announced on vCPU 0
alignas(64) unsigned char g_src[kCopyBytes];
alignas(64) unsigned char g_dst[kCopyBytes];
uint16_t g_self = 0;

// vCPU 1's side of the notify round trip.
client_t* g_ap_client = nullptr;
hmx::ring_reader g_ping_reader;
uint32_t g_ap_ready = 0;
uint32_t g_ap_answered = 0;

uint64_t ticks_to_ns(uint64_t ticks) { return ticks * 1000000000 / hmx_guest::counter_hz(); }

uint64_t smccc_version() {
  register uint64_t x0 asm("x0") = 0x80000000;
  asm volatile("hvc #0" : "+r"(x0)::"x1", "x2", "x3", "memory");
  return x0;
}

hmx::status register_own_ring(client_t& c, void* memory, uint32_t bytes, uint32_t port, uint32_t vcpu) {
  hmx::ring_registration reg;
  reg.memory = memory;
  reg.len = bytes - HMX_RING_HEADER_SIZE;
  reg.aport = port;
  reg.partner_id = g_self;
  reg.flags = HMX_REGISTER_FLAG_NOTIFY_VCPU | (vcpu << HMX_REGISTER_FLAG_VCPU_SHIFT);
  return c.register_ring(reg);
}

void consume_all(hmx::ring_reader& reader) {
  (void)reader.for_each([](const hmx::message_view&) {});
}

void on_ping(uint8_t) {
  consume_all(g_ping_reader);
  static const char pong[8] = "pong";
  (void)g_ap_client->send(hmx::make_addr(kPortPong, g_self), pong, sizeof pong, 1);
  hmx_guest::atomic_fetch_add(g_ap_answered, 1u);
}

void ratio(const char* key, uint64_t num, uint64_t den) {
  printf("bench %s=%llu.%03llu\n", key, (unsigned long long)(den == 0 ? 0 : num / den),
         (unsigned long long)(den == 0 ? 0 : num % den * 1000 / den));
}

}  // namespace

void guest_ap_main(unsigned cpu) {
  if (cpu != 1) return;
  while (hmx_guest::atomic_load(g_self) == 0) hmx_guest::cpu_relax();  // vCPU 0 probed
  static conduit_t conduit(g_env);
  static client_t client(conduit, g_env);
  g_ap_client = &client;
  g_ping_reader = hmx::ring_reader(g_ping_ring, kSmallRingBytes - HMX_RING_HEADER_SIZE);
  hmx_guest::set_vector_handler(kPpi, on_ping);
  hmx_guest::enable_ppi(kPpi);
  hmx::status s = client.init_status();
  if (s.ok()) s = client.set_vector(1, hmx::vector_reg::unmasked(kPpi));
  if (s.ok()) s = register_own_ring(client, g_ping_ring, kSmallRingBytes, kPortPing, 1);
  if (!s.ok()) printf("bench: vCPU 1 setup: %s\n", s.name());
  hmx_guest::atomic_store(g_ap_ready, s.ok() ? 1u : 2u);
}

int guest_main(const hmx_guest::start_info& si) {
  const uint32_t n = hmx_guest::cmdline_uint(hmx_guest::cmdline_text(si), "iterations", 20000);
  const hmx::probe_result p = hmx::probe(g_env);
  if (!p.hmx_present() || n == 0) {
    printf("bench: %s\n", hmx::describe(p.hmx_status));
    return 3;
  }
  hmx_guest::atomic_store(g_self, p.domain_id);
  conduit_t conduit(g_env);
  client_t client(conduit, g_env);
  if (!client.init_status().ok()) return 4;
  printf("bench iterations=%u counter_hz=%llu\n", n, (unsigned long long)hmx_guest::counter_hz());

  // R_exit.
  uint64_t t = hmx_guest::counter();
  for (uint32_t i = 0; i < n; ++i) smccc_version();
  const uint64_t raw_ns = ticks_to_ns(hmx_guest::counter() - t) * 1000 / n;  // picoseconds
  t = hmx_guest::counter();
  for (uint32_t i = 0; i < n; ++i)
    if (!client.null().ok()) return 5;
  const uint64_t null_ns = ticks_to_ns(hmx_guest::counter() - t) * 1000 / n;
  printf("bench raw_exit_ns=%llu.%03llu null_call_ns=%llu.%03llu\n", (unsigned long long)(raw_ns / 1000),
         (unsigned long long)(raw_ns % 1000), (unsigned long long)(null_ns / 1000),
         (unsigned long long)(null_ns % 1000));
  ratio("r_exit", null_ns, raw_ns);

  // R_copy: the guest's memcpy against the core's copy of one 64 KiB message.
  for (uint32_t i = 0; i < kCopyBytes; ++i) g_src[i] = static_cast<unsigned char>(i * 31);
  const uint32_t copies = n / 20 + 1;
  t = hmx_guest::counter();
  for (uint32_t i = 0; i < copies; ++i) {
    memcpy(g_dst, g_src, kCopyBytes);
    asm volatile("" ::: "memory");
  }
  const uint64_t memcpy_ns = ticks_to_ns(hmx_guest::counter() - t) / copies;
  if (!register_own_ring(client, g_big_ring, kBigRingBytes, kPortCopy, 0).ok()) return 6;
  hmx::ring_reader big(g_big_ring, kBigRingBytes - HMX_RING_HEADER_SIZE);
  const hmx::buffer one{g_src, kCopyBytes};
  uint64_t sendv_ticks = 0;
  for (uint32_t i = 0; i < copies; ++i) {
    const uint64_t s = hmx_guest::counter();
    const hmx::result<uint32_t> r = client.sendv(hmx::make_addr(kPortCopy, g_self), &one, 1, 0);
    sendv_ticks += hmx_guest::counter() - s;
    if (!r.ok() || *r != kCopyBytes) {
      printf("bench: sendv 64 KiB: %s\n", r.ok() ? "short" : r.error().name());
      return 7;
    }
    consume_all(big);
  }
  const uint64_t sendv_ns = ticks_to_ns(sendv_ticks) / copies;
  printf("bench memcpy_64k_ns=%llu sendv_64k_ns=%llu memcpy_bytes_per_s=%llu sendv_bytes_per_s=%llu\n",
         (unsigned long long)memcpy_ns, (unsigned long long)sendv_ns,
         (unsigned long long)(uint64_t{kCopyBytes} * 1000000000 / (memcpy_ns ? memcpy_ns : 1)),
         (unsigned long long)(uint64_t{kCopyBytes} * 1000000000 / (sendv_ns ? sendv_ns : 1)));
  ratio("r_copy", memcpy_ns, sendv_ns);

  // Batching gain: kBatch small messages, one exit each, against one exit for all.
  if (!register_own_ring(client, g_batch_ring, kSmallRingBytes, kPortBatch, 0).ok()) return 8;
  hmx::ring_reader small(g_batch_ring, kSmallRingBytes - HMX_RING_HEADER_SIZE);
  const hmx::buffer msg{g_src, kSmallBytes};
  const uint32_t rounds = n / kBatch + 1;
  t = hmx_guest::counter();
  for (uint32_t r = 0; r < rounds; ++r) {
    for (uint32_t i = 0; i < kBatch; ++i)
      if (!client.sendv(hmx::make_addr(kPortBatch, g_self), &msg, 1, 0).ok()) return 9;
    consume_all(small);
  }
  const uint64_t single_ns = ticks_to_ns(hmx_guest::counter() - t) / rounds;
  hmx::batch<env_t> b(g_env, kBatch);
  if (!b.init_status().ok()) return 10;
  for (uint32_t i = 0; i < kBatch; ++i)
    if (!b.add_sendv(hmx::make_addr(kPortBatch, g_self), &msg, 1, 0).ok()) return 11;
  t = hmx_guest::counter();
  for (uint32_t r = 0; r < rounds; ++r) {
    const hmx::result<uint32_t> ran = client.run(b);
    if (!ran.ok() || *ran != kBatch || b.entry_result(kBatch - 1) != kSmallBytes) return 12;
    consume_all(small);
  }
  const uint64_t batched_ns = ticks_to_ns(hmx_guest::counter() - t) / rounds;
  printf("bench single_%u_ns=%llu batched_%u_ns=%llu\n", kBatch, (unsigned long long)single_ns, kBatch,
         (unsigned long long)batched_ns);
  ratio("batching_gain", single_ns, batched_ns);

  // Notify latency between two vCPUs of this domain.
  if (hmx_guest::cpu_count() < 2) {
    printf("bench notify=skipped (one vCPU)\n");
    return 0;
  }
  while (hmx_guest::atomic_load(g_ap_ready) == 0) hmx_guest::cpu_relax();
  if (hmx_guest::atomic_load(g_ap_ready) != 1) return 13;
  if (!register_own_ring(client, g_pong_ring, kSmallRingBytes, kPortPong, 0).ok()) return 14;
  hmx::ring_reader pong(g_pong_ring, kSmallRingBytes - HMX_RING_HEADER_SIZE);
  const uint32_t trips = n / 20 + 1;
  static const char ping[8] = "ping";
  t = hmx_guest::counter();
  for (uint32_t i = 0; i < trips; ++i) {
    if (!client.send(hmx::make_addr(kPortPing, g_self), ping, sizeof ping, 1).ok()) return 15;
    // vCPU 0 spins on its ring (no vector of its own): the round trip is two notifications'
    // worth of vCPU 1's work plus one of ours.
    uint32_t got = 0;
    const uint64_t give_up = hmx_guest::counter() + hmx_guest::counter_hz();
    while (got == 0) {
      const hmx::result<uint32_t> m = pong.for_each([](const hmx::message_view&) {});
      if (!m.ok()) return 16;
      got = *m;
      if (hmx_guest::counter() > give_up) {
        printf("bench: no answer from vCPU 1 within a second (trip %u)\n", i);
        return 17;
      }
    }
  }
  const uint64_t trip_ns = ticks_to_ns(hmx_guest::counter() - t) * 1000 / trips;  // picoseconds
  printf("bench notify_round_trip_ns=%llu notify_one_way_ns=%llu answered=%u\n",
         (unsigned long long)(trip_ns / 1000), (unsigned long long)(trip_ns / 2000),
         hmx_guest::atomic_load(g_ap_answered));
  ratio("notify_latency", trip_ns / 2, raw_ns);
  return 0;
}
