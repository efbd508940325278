// SPDX-License-Identifier: Apache-2.0
// demo: two domains exchange messages through libhmx over the real MSR conduit of hmx-kvm, and a
// third one is refused by the MAC policy. One image, three roles (user args on the command line):
//
//   role=ping peer=NAME   on every vCPU v: send kMessages messages of varied sizes (two iovs:
//                         header + payload) to the peer's ring kPortBase+v, at most kWindow
//                         ahead, and check each echo byte for byte.
//   role=pong peer=NAME   on every vCPU v: check each message's checksum and echo it straight
//                         out of its ring (one or two iovs when it wraps) to the peer's ring
//                         kPortBase+v. With crash-after=N, vCPU 0 crashes (ud2) at message N:
//                         the monitor tears the domain down and the peer sees it vanish.
//   role=denied peer=NAME sendv to the peer and register a ring for it: both must fail with
//                         EACCES (policy: default deny). Then the MSR conduit's own refusals:
//                         unusable call blocks, RDMSR of CALL, invalid VECTOR / EVENT_PAGE
//                         values and reserved indices must raise #GP.
//
// Each vCPU owns one ring, registered with REGISTER_FLAG_NOTIFY_VCPU naming it, and its own
// VECTOR MSR, so messages are announced on the vCPU that consumes them (spec 07-notifications);
// the domain has one event page. Rings of 8 KiB with messages up to ~1.5 KiB wrap many times.
// Everything runs at CPL3; the conduit is WRMSR through the runtime's gate. A periodic LAPIC
// timer wakes a waiting vCPU so that, after kStallTicks without progress, it asks the hypervisor
// (a notify query) whether the peer's ring still exists; if not it exits with status 16.
#include <hmx/checksum/fnv1a.h>

#include "hmx_guest_setup.h"

namespace {

using namespace hmx_kvm_guest;
using hmx::checksum::fnv1a64;
using hmx_guest::printf;

constexpr uint32_t kMessages = 200;      // per vCPU and direction
constexpr uint32_t kWindow = 4;          // messages in flight per vCPU (4 x 1.5 KiB < ring)
constexpr uint32_t kPortBase = 100;
constexpr uint32_t kRingBytes = 2 * 4096;
constexpr uint32_t kRingLen = kRingBytes - HMX_RING_HEADER_SIZE;  // 8128
constexpr uint8_t kVector = 0x60;
constexpr uint8_t kTimerVector = 0x61;
constexpr uint32_t kTickUs = 50'000;
constexpr uint32_t kStallTicks = 10;     // 500 ms without progress: is the peer still there?
constexpr uint32_t kPeerGone = 16;       // exit status when the peer vanished
constexpr uint32_t kMagic = 0x484d5864;  // "dXMH"
constexpr uint32_t kMaxPayload = 1500;
constexpr uint32_t kMaxCpus = 4;

struct demo_header {
  uint32_t magic;
  uint32_t seq;
  uint32_t vcpu;
  uint32_t size;       // payload bytes after this header
  uint64_t checksum;   // FNV-1a of the payload
};

hmx::static_arena<32> g_arena;
env_t g_env(g_arena);
alignas(4096) unsigned char g_rings[kMaxCpus][kRingBytes];
alignas(4096) hmx_event_page_t g_events;

identity g_id;
uint32_t g_crash_after = 0;  // pong: crash at this message on vCPU 0 (0: never)
hmx::probe_result g_probe;
uint32_t g_setup_done = 0;   // BSP -> APs: probe, event page and rings are ready
uint32_t g_failed = 0;       // any vCPU: the exit status (first failure wins)
uint32_t g_finished = 0;     // vCPUs done

struct cpu_state {
  hmx::ring_reader reader;
  client_t* client = nullptr;
  uint32_t hmx_vcpu = 0;
  uint32_t sent = 0, received = 0, wrapped = 0, interrupts = 0, ticks = 0;
  uint64_t bytes = 0;
  bool ring_ok = true;
  bool peer_gone = false;
};
cpu_state g_cpu[kMaxCpus];

void fail(uint32_t code, const char* what) {
  printf("demo: %s: cpu %u: FAILED: %s\n", g_id.name, hmx_guest::cpu_index(), what);
  uint32_t none = 0;
  __atomic_compare_exchange_n(&g_failed, &none, code, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

uint32_t payload_size(uint32_t seq, uint32_t cpu) { return (seq * 97 + cpu * 31 + 7) % kMaxPayload + 1; }

void fill_payload(unsigned char* p, uint32_t n, uint32_t seq, uint32_t cpu) {
  for (uint32_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(i * 7 + seq * 13 + cpu * 101);
}

// Checksum over a message's payload as it sits in the ring (possibly in two pieces).
bool check_message(const hmx::message_view& m, demo_header& h) {
  if (m.size < sizeof h) return false;
  unsigned char raw[sizeof h];
  for (uint32_t i = 0; i < sizeof h; ++i) raw[i] = i < m.first_size ? m.first[i] : m.second[i - m.first_size];
  memcpy(&h, raw, sizeof h);
  if (h.magic != kMagic || h.size != m.size - sizeof h) return false;
  uint64_t sum = hmx::checksum::kFnv1a64Offset;
  if (m.first_size > sizeof h) sum = fnv1a64(m.first + sizeof h, m.first_size - sizeof h, sum);
  uint32_t skip = m.first_size >= sizeof h ? 0 : sizeof h - m.first_size;
  if (m.second_size > skip) sum = fnv1a64(m.second + skip, m.second_size - skip, sum);
  return sum == h.checksum;
}

// ---- pong: echo every message back out of the ring ----------------------------------------
void pong_message(cpu_state& st, const hmx::message_view& m) {
  demo_header h;
  if (!check_message(m, h) || h.vcpu != hmx_guest::cpu_index()) {
    st.ring_ok = false;
    return;
  }
  if (g_crash_after != 0 && hmx_guest::cpu_index() == 0 && st.received + 1 == g_crash_after) {
    printf("demo: %s: crashing on purpose at message %u (crash-after)\n", g_id.name, g_crash_after);
    __builtin_trap();
  }
  // Zero copy: the iovs point into our own ring; the hypervisor copies them into the peer's
  // ring before sendv returns, and we consume the message only afterwards.
  const hmx::buffer bufs[2] = {{m.first, m.first_size}, {m.second, m.second_size}};
  const hmx_addr_t dst = hmx::make_addr(kPortBase + hmx_guest::cpu_index(), uint16_t(g_id.peer_id));
  for (int attempt = 0;; ++attempt) {
    const hmx::result<uint32_t> r = st.client->sendv(dst, bufs, m.wraps() ? 2 : 1, 2);
    if (r.ok()) break;
    if (r.error() != hmx::errc::again || attempt == 1000) {
      printf("demo: pong: echo sendv failed: %s\n", r.error().name());
      st.ring_ok = false;
      return;
    }
    spin_us(100);  // the peer keeps at most kWindow messages in flight: this is not expected
  }
  st.wrapped += m.wraps();
  st.bytes += m.size;
  ++st.received;
  ++st.sent;
}

// ---- ping: check each echo against what was sent ------------------------------------------
void ping_message(cpu_state& st, const hmx::message_view& m) {
  demo_header h;
  if (!check_message(m, h) || h.seq != st.received || h.vcpu != hmx_guest::cpu_index() ||
      h.size != payload_size(h.seq, h.vcpu) || m.source.domain_id != uint16_t(g_id.peer_id)) {
    printf("demo: ping: bad echo %u (seq %u, size %u, from domain %u)\n", st.received, h.seq, h.size,
           m.source.domain_id);
    st.ring_ok = false;
    return;
  }
  st.wrapped += m.wraps();
  st.bytes += m.size;
  ++st.received;
}

// Clear this vCPU's ring bit first, then consume the ring until it is empty (HMX-EVENT-030 HMX-EVENT-031).
void drain(cpu_state& st) {
  (void)hmx::test_and_clear_ring_pending(&g_events, hmx::ring_event_index(st.reader.header()));
  const bool ping = same(g_id.role, "ping");
  const hmx::result<uint32_t> n = st.reader.for_each([&](const hmx::message_view& m) {
    if (st.ring_ok) ping ? ping_message(st, m) : pong_message(st, m);
  });
  if (!n.ok()) st.ring_ok = false;
}

void on_vector(uint8_t) {
  cpu_state& st = g_cpu[hmx_guest::cpu_index()];
  ++st.interrupts;
  drain(st);
}

void on_timer(uint8_t) { ++g_cpu[hmx_guest::cpu_index()].ticks; }

// No progress for a while: does the peer's ring still exist? A notify query (op 4) describes it
// with RING_EXISTS; once the monitor tore the peer down the query finds nothing.
bool peer_still_there(cpu_state& st, uint32_t cpu) {
  const hmx::result<hmx_ring_data_ent_t> e =
      st.client->query(hmx::make_addr(kPortBase + cpu, uint16_t(g_id.peer_id)), 0);
  return e.ok() && (e->flags & HMX_RING_EXISTS) != 0;
}

bool send_ping(cpu_state& st, uint32_t cpu) {
  static unsigned char payload[kMaxCpus][kMaxPayload];
  const uint32_t seq = st.sent;
  demo_header h{kMagic, seq, cpu, payload_size(seq, cpu), 0};
  fill_payload(payload[cpu], h.size, seq, cpu);
  h.checksum = fnv1a64(payload[cpu], h.size);
  const hmx::buffer bufs[2] = {{&h, sizeof h}, {payload[cpu], h.size}};
  const hmx_addr_t dst = hmx::make_addr(kPortBase + cpu, uint16_t(g_id.peer_id));
  // The peer registers its rings when it is up: until then ECONNREFUSED, so retry for a while.
  for (int attempt = 0;; ++attempt) {
    const hmx::result<uint32_t> r = st.client->sendv(dst, bufs, 1);
    if (r.ok()) break;
    if (r.error() == hmx::errc::connrefused && seq == 0 && attempt < 5000) {
      spin_us(1000);
      continue;
    }
    if (r.error() == hmx::errc::again) return true;  // retried after the next echo
    if (r.error() == hmx::errc::srch || r.error() == hmx::errc::connrefused) {
      // The peer (ESRCH) or its ring (ECONNREFUSED) is gone: the monitor tore it down.
      printf("demo: %s: cpu %u: peer %s vanished after %u messages (sendv: %s)\n", g_id.name, cpu, g_id.peer,
             st.received, r.error().name());
      st.peer_gone = true;
      return false;
    }
    printf("demo: ping: sendv %u failed: %s\n", seq, r.error().name());
    return false;
  }
  ++st.sent;
  return true;
}

// One vCPU's part of the exchange.
void run_exchange(uint32_t cpu) {
  cpu_state& st = g_cpu[cpu];
  conduit_t conduit(g_env, g_probe.msr_base);
  client_t client(conduit, g_env);
  st.client = &client;
  if (!client.init_status().ok()) return fail(10, "no scratch pages for the client");
  st.hmx_vcpu = hmx_vcpu_index(g_probe);
  if (st.hmx_vcpu != hmx_guest::lapic_id()) return fail(11, "VERSION.ECX is not this vCPU's index");
  st.reader = hmx::ring_reader(g_rings[cpu], kRingLen);
  if (!enable_vector(g_env, g_probe, kVector, on_vector)) return fail(12, "VECTOR MSR refused");
  hmx_guest::set_vector_handler(kTimerVector, on_timer);
  start_periodic_timer(kTimerVector, kTickUs);
  // Our ring, announced on this vCPU (feature RING_VCPU), only the peer may send to it.
  hmx::ring_registration reg;
  reg.memory = g_rings[cpu];
  reg.len = kRingLen;
  reg.aport = kPortBase + cpu;
  reg.partner_id = uint16_t(g_id.peer_id);
  reg.flags = HMX_REGISTER_FLAG_NOTIFY_VCPU | (st.hmx_vcpu << HMX_REGISTER_FLAG_VCPU_SHIFT);
  if (hmx::status s = client.register_ring(reg); !s.ok()) {
    printf("demo: register_ring: %s\n", s.name());
    return fail(13, "register_ring failed");
  }
  drain(st);  // HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029: check the ring once after enabling

  const bool ping = same(g_id.role, "ping");
  uint32_t progress = 0, progress_tick = 0;
  while (st.ring_ok && st.received < kMessages) {
    if (st.received != progress) {
      progress = st.received;
      progress_tick = st.ticks;
    } else if (st.ticks - progress_tick >= kStallTicks) {
      if (!peer_still_there(st, cpu)) {
        printf("demo: %s: cpu %u: peer %s vanished after %u messages (its ring no longer exists)\n", g_id.name, cpu,
               g_id.peer, st.received);
        stop_timer();
        return fail(kPeerGone, "peer vanished");
      }
      progress_tick = st.ticks;
    }
    while (ping && st.sent < kMessages && st.sent - st.received < kWindow) {
      const uint32_t before = st.sent;
      if (!send_ping(st, cpu)) {
        stop_timer();
        return st.peer_gone ? fail(kPeerGone, "peer vanished") : fail(14, "sendv failed");
      }
      if (st.sent == before) break;  // EAGAIN: wait for an echo
    }
    if (st.received < kMessages) {
      hmx_guest::wait_for_interrupt();
      hmx_guest::dispatch_pending();
    }
  }
  stop_timer();
  if (!st.ring_ok) return fail(15, "a message failed its check");
  printf("demo: %s: cpu %u (HMX vCPU %u): %u messages %s, %lu payload bytes each way, %u wrapped around the ring "
         "end, %u interrupts, checksums ok\n",
         g_id.name, cpu, st.hmx_vcpu, st.received, ping ? "sent and echoed back" : "received and echoed",
         (unsigned long)st.bytes, st.wrapped, st.interrupts);
  // The peer may still need our ring for its last echoes: unregister only in the denied case.
  st.client = nullptr;
}

// The conduit's own refusals on real KVM (HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016, HMX-EVENT-001/003): each access must raise
// #GP, which the runtime's gate reports as a fault. Returns the number of checks that failed.
uint32_t check_conduit_faults() {
  struct check {
    const char* what;
    bool write;
    uint32_t offset;
    uint64_t value;
  };
  const uint64_t beyond_ram = uint64_t{1} << 32;  // above the identity map and guest RAM
  const check checks[] = {
      {"WRMSR CALL with a misaligned call block", true, HMX_MSR_CALL, 0x2008},
      {"WRMSR CALL with a call block outside RAM", true, HMX_MSR_CALL, beyond_ram},
      {"RDMSR CALL (write-only)", false, HMX_MSR_CALL, 0},
      {"WRMSR VECTOR with vector 5 unmasked", true, HMX_MSR_VECTOR, 5},
      {"WRMSR VECTOR with a reserved bit", true, HMX_MSR_VECTOR, 1u << 20},
      {"WRMSR EVENT_PAGE with reserved bits 11:1", true, HMX_MSR_EVENT_PAGE, 0x5003},
      {"WRMSR EVENT_PAGE outside RAM", true, HMX_MSR_EVENT_PAGE, beyond_ram | 1},
      {"RDMSR of reserved index base+3", false, 3, 0},
      {"WRMSR of reserved index base+15", true, 15, 0},
  };
  uint32_t failed = 0;
  for (const check& c : checks) {
    uint64_t value = 0;
    const bool ok = c.write ? hmx_guest::privileged_wrmsr(g_probe.msr_base + c.offset, c.value)
                            : hmx_guest::privileged_rdmsr(g_probe.msr_base + c.offset, &value);
    if (ok) {
      printf("demo: %s: %s did not raise #GP\n", g_id.name, c.what);
      ++failed;
    }
  }
  uint64_t vector = 0;
  if (!hmx_guest::privileged_rdmsr(g_probe.msr_base + HMX_MSR_VECTOR, &vector) || vector != HMX_MSR_VECTOR_RESET) {
    printf("demo: %s: VECTOR reads %#lx after refused writes, want the reset value\n", g_id.name,
           (unsigned long)vector);
    ++failed;
  }
  printf("demo: %s: conduit checks: %u of %u refusals raised #GP, VECTOR unchanged%s\n", g_id.name,
         uint32_t(sizeof checks / sizeof checks[0]) - failed, uint32_t(sizeof checks / sizeof checks[0]),
         failed ? "" : " (ok)");
  return failed;
}

int run_denied() {
  conduit_t conduit(g_env, g_probe.msr_base);
  client_t client(conduit, g_env);
  if (!client.init_status().ok()) return 10;
  const char msg[] = "let me in";
  const hmx::result<uint32_t> r =
      client.send(hmx::make_addr(kPortBase, uint16_t(g_id.peer_id)), msg, sizeof msg, 1);
  printf("demo: %s: sendv to %s (id %d): %s%s\n", g_id.name, g_id.peer, g_id.peer_id,
         r.ok() ? "sent" : r.error().name(),
         r.error() == hmx::errc::acces ? " (denied by the policy, as expected)" : "");
  hmx::ring_registration reg;
  reg.memory = g_rings[0];
  reg.len = kRingLen;
  reg.aport = kPortBase;
  reg.partner_id = uint16_t(g_id.peer_id);
  const hmx::status s = client.register_ring(reg);
  printf("demo: %s: register_ring for partner %s: %s%s\n", g_id.name, g_id.peer, s.name(),
         s == hmx::errc::acces ? " (denied by the policy, as expected)" : "");
  const uint32_t conduit_failures = check_conduit_faults();
  if (conduit_failures != 0) return 21;
  return r.error() == hmx::errc::acces && s == hmx::errc::acces ? 0 : 20;
}

}  // namespace

void guest_ap_main(unsigned cpu) {
  while (hmx_guest::atomic_load(g_setup_done) == 0) hmx_guest::cpu_relax();
  if (cpu < kMaxCpus && hmx_guest::atomic_load(g_failed) == 0) run_exchange(cpu);
  hmx_guest::atomic_fetch_add(g_finished, 1u);
}

int guest_main(const hmx_guest::start_info& si) {
  g_id = read_identity(si);
  g_crash_after = hmx_guest::cmdline_uint(g_id.cmdline, "crash-after", 0);
  char tag[64];
  hmx_guest::snprintf(tag, sizeof tag, "demo: %s", g_id.name);
  if (g_id.peer_id < 0) {
    printf("%s: no peer: pass arg=peer=NAME naming a domain of domains= (%s)\n", tag, g_id.cmdline);
    return 2;
  }
  if (!probe_hmx(g_env, g_id, g_probe, tag)) return 3;
  if (same(g_id.role, "denied")) return run_denied();
  if (!same(g_id.role, "ping") && !same(g_id.role, "pong")) {
    printf("%s: unknown role '%s' (ping, pong or denied)\n", tag, g_id.role);
    return 4;
  }
  if (hmx_guest::cpu_count() > kMaxCpus) {
    printf("%s: at most %u vCPUs\n", tag, kMaxCpus);
    return 5;
  }
  // One event page for the domain, through the EVENT_PAGE MSR (zeroed first, HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029).
  if (!hmx::x86::write_event_page_msr(g_env, g_probe.msr_base, &g_events).ok() || g_env.take_msr_fault()) {
    printf("%s: EVENT_PAGE MSR refused\n", tag);
    return 6;
  }
  hmx_guest::atomic_store(g_setup_done, 1u);
  run_exchange(0);
  while (hmx_guest::atomic_load(g_finished) + 1 < hmx_guest::cpu_count()) hmx_guest::cpu_relax();
  if (uint32_t f = hmx_guest::atomic_load(g_failed); f != 0) return int(f);
  printf("%s: all %u vCPUs done: %u messages each way, checksums ok\n", tag, hmx_guest::cpu_count(),
         kMessages * hmx_guest::cpu_count());
  return 0;
}
