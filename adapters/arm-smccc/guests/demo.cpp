// SPDX-License-Identifier: Apache-2.0
// demo (Arm): two domains exchange messages through libhmx over the SMCCC conduit of the EL2
// monitor, and a third one is refused by the MAC policy: the x86-64 demo of hmx-kvm
// (adapters/kvm/guests/demo.cpp) with the Arm parts: HVC #0, set_vector naming a PPI, vectors
// arriving through the GIC list registers, the virtual timer. One image, three roles:
//
//   role=ping peer=NAME   on every vCPU v: send kMessages messages of varied sizes (two iovs:
//                         header + payload) to the peer's ring kPortBase+v, at most kWindow
//                         ahead, and check each echo byte for byte.
//   role=pong peer=NAME   on every vCPU v: check each message's checksum and echo it straight
//                         out of its ring (one or two iovs when it wraps) to the peer's ring
//                         kPortBase+v. With crash-after=N, vCPU 0 takes an undefined
//                         instruction at message N: the monitor stops the domain, the core tears
//                         it down, and the peer sees it vanish.
//   role=denied peer=NAME sendv to the peer and register a ring for it: both must fail with
//                         EACCES (policy: default deny). Then the SMCCC conduit's own refusals.
//
// Each vCPU owns one ring, registered with REGISTER_FLAG_NOTIFY_VCPU naming it, and its own
// vector register (PPI kPpi), so messages are announced on the vCPU that consumes them (spec
// 07-notifications); the domain has one event page. A periodic virtual-timer tick lets a waiting
// vCPU notice a peer that vanished (a notify query no longer finds its ring): exit status 16.
#include <hmx/checksum/fnv1a.h>
#include <hmx/hmx.h>
#include <hmx_guest/cmdline.h>
#include <hmx_guest/hmx_env.h>
#include <hmx_guest/runtime.h>

namespace {

using hmx::checksum::fnv1a64;
using hmx_guest::printf;
using env_t = hmx_guest::hmx_env;
using conduit_t = hmx::smccc_conduit<env_t>;
using client_t = hmx::client<conduit_t, env_t>;

constexpr uint32_t kMessages = 200;      // per vCPU and direction
constexpr uint32_t kWindow = 4;          // messages in flight per vCPU (4 x 1.5 KiB < ring)
constexpr uint32_t kPortBase = 100;
constexpr uint32_t kRingBytes = 2 * 4096;
constexpr uint32_t kRingLen = kRingBytes - HMX_RING_HEADER_SIZE;  // 8128
constexpr uint8_t kPpi = 20;             // the HMX vector: a PPI (HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016)
constexpr uint32_t kTickUs = 50'000;
constexpr uint32_t kStallTicks = 20;     // 1 s without progress: is the peer still there?
constexpr uint32_t kPeerGone = 16;
constexpr uint32_t kMagic = 0x484d5864;
constexpr uint32_t kMaxPayload = 1500;
constexpr uint32_t kMaxCpus = 4;

struct demo_header {
  uint32_t magic;
  uint32_t seq;
  uint32_t vcpu;
  uint32_t size;
  uint64_t checksum;
};

struct identity {
  const char* cmdline = "";
  uint32_t domid = 0;
  char name[32] = {};
  char role[16] = {};
  char peer[32] = {};
  int32_t peer_id = -1;
};

hmx::static_arena<32> g_arena;
env_t g_env(g_arena);
alignas(4096) unsigned char g_rings[kMaxCpus][kRingBytes];
alignas(4096) hmx_event_page_t g_events;

identity g_id;
uint32_t g_crash_after = 0;
hmx::probe_result g_probe;
uint32_t g_setup_done = 0;
uint32_t g_failed = 0;
uint32_t g_finished = 0;

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

bool same(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

void fail(uint32_t code, const char* what) {
  printf("demo: %s: cpu %u: FAILED: %s\n", g_id.name, hmx_guest::cpu_index(), what);
  uint32_t none = 0;
  __atomic_compare_exchange_n(&g_failed, &none, code, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

uint32_t payload_size(uint32_t seq, uint32_t cpu) { return (seq * 97 + cpu * 31 + 7) % kMaxPayload + 1; }

void fill_payload(unsigned char* p, uint32_t n, uint32_t seq, uint32_t cpu) {
  for (uint32_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(i * 7 + seq * 13 + cpu * 101);
}

bool check_message(const hmx::message_view& m, demo_header& h) {
  if (m.size < sizeof h) return false;
  unsigned char raw[sizeof h];
  for (uint32_t i = 0; i < sizeof h; ++i) raw[i] = i < m.first_size ? m.first[i] : m.second[i - m.first_size];
  memcpy(&h, raw, sizeof h);
  if (h.magic != kMagic || h.size != m.size - sizeof h) return false;
  uint64_t sum = hmx::checksum::kFnv1a64Offset;
  if (m.first_size > sizeof h) sum = fnv1a64(m.first + sizeof h, m.first_size - sizeof h, sum);
  const uint32_t skip = m.first_size >= sizeof h ? 0 : sizeof h - m.first_size;
  if (m.second_size > skip) sum = fnv1a64(m.second + skip, m.second_size - skip, sum);
  return sum == h.checksum;
}

void spin_us(uint64_t us) {
  const uint64_t end = hmx_guest::now_us() + us;
  while (hmx_guest::now_us() < end) hmx_guest::cpu_relax();
}

// The calling vCPU's HMX index: X1 of HMX's VERSION function (spec SMCCC function table).
uint32_t hmx_vcpu_index() {
  hmx::smccc_regs r;
  r.x[0] = HMX_SMCCC_FN_VERSION;
  g_env.smccc(r);
  return static_cast<uint32_t>(r.x[1]);
}

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
    spin_us(100);
  }
  st.wrapped += m.wraps();
  st.bytes += m.size;
  ++st.received;
  ++st.sent;
}

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

void on_timer(uint8_t) {
  ++g_cpu[hmx_guest::cpu_index()].ticks;
  hmx_guest::timer_arm_us(kTickUs);
}

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
  for (int attempt = 0;; ++attempt) {
    const hmx::result<uint32_t> r = st.client->sendv(dst, bufs, 2);
    if (r.ok()) break;
    if (r.error() == hmx::errc::connrefused && seq == 0 && attempt < 5000) {
      spin_us(1000);
      continue;
    }
    if (r.error() == hmx::errc::again) return true;
    if (r.error() == hmx::errc::srch || r.error() == hmx::errc::connrefused) {
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

void run_exchange(uint32_t cpu) {
  cpu_state& st = g_cpu[cpu];
  conduit_t conduit(g_env);
  client_t client(conduit, g_env);
  st.client = &client;
  if (!client.init_status().ok()) return fail(10, "no scratch pages for the client");
  st.hmx_vcpu = hmx_vcpu_index();
  if (st.hmx_vcpu != cpu) return fail(11, "VERSION X1 is not this vCPU's index");
  st.reader = hmx::ring_reader(g_rings[cpu], kRingLen);
  // Handler before unmasking (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029), then this vCPU's vector register names the PPI.
  hmx_guest::set_vector_handler(kPpi, on_vector);
  hmx_guest::enable_ppi(kPpi);
  if (!client.set_vector(st.hmx_vcpu, hmx::vector_reg::unmasked(kPpi)).ok()) return fail(12, "set_vector refused");
  hmx_guest::set_vector_handler(static_cast<uint8_t>(hmx_guest::boot_info().vtimer_intid), on_timer);
  hmx_guest::enable_ppi(hmx_guest::boot_info().vtimer_intid);
  hmx_guest::timer_arm_us(kTickUs);
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
  drain(st);

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
        hmx_guest::timer_cancel();
        return fail(kPeerGone, "peer vanished");
      }
      progress_tick = st.ticks;
    }
    while (ping && st.sent < kMessages && st.sent - st.received < kWindow) {
      const uint32_t before = st.sent;
      if (!send_ping(st, cpu)) {
        hmx_guest::timer_cancel();
        return st.peer_gone ? fail(kPeerGone, "peer vanished") : fail(14, "sendv failed");
      }
      if (st.sent == before) break;
    }
    if (st.received < kMessages) {
      hmx_guest::wait_for_interrupt();
      hmx_guest::dispatch_pending();
    }
  }
  hmx_guest::timer_cancel();
  if (!st.ring_ok) return fail(15, "a message failed its check");
  printf("demo: %s: cpu %u (HMX vCPU %u): %u messages %s, %lu payload bytes each way, %u wrapped around the ring "
         "end, %u interrupts, checksums ok\n",
         g_id.name, cpu, st.hmx_vcpu, st.received, ping ? "sent and echoed back" : "received and echoed",
         (unsigned long)st.bytes, st.wrapped, st.interrupts);
  st.client = nullptr;
}

// The SMCCC conduit's and the Arm vector register's own refusals (HMX-MECH-003, HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016,
// HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019). Returns how many checks failed.
uint32_t check_conduit_refusals(client_t& client) {
  uint32_t failed = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      printf("demo: %s: %s: NOT refused as the spec requires\n", g_id.name, what);
      ++failed;
    }
  };
  auto raw_call = [](uint64_t gpa) {
    hmx::smccc_regs r;
    r.x[0] = HMX_SMCCC_FN_CALL;
    r.x[1] = gpa;
    g_env.smccc(r);
    return r.x[0];
  };
  expect(raw_call(client.call_block_gpa() + 8) == HMX_SMCCC_INVALID_PARAMETER, "CALL with a misaligned call block");
  expect(raw_call(hmx_guest::boot_info().ram_end) == HMX_SMCCC_INVALID_PARAMETER, "CALL with a call block outside RAM");
  hmx::smccc_regs unknown;
  unknown.x[0] = HMX_SMCCC_FN_CALL + 0x80;  // inside HMX's block, not a function
  g_env.smccc(unknown);
  expect(unknown.x[0] == HMX_SMCCC_NOT_SUPPORTED, "an unknown HMX function id");
  expect(client.set_vector(0, hmx::vector_reg::unmasked(40)) == hmx::errc::inval, "set_vector with SPI 40");
  expect(client.set_vector(0, hmx::vector_reg::unmasked(5)) == hmx::errc::inval, "set_vector with SGI 5");
  expect(client.set_vector(0, uint64_t{1} << 20) == hmx::errc::inval, "set_vector with a reserved bit");
  expect(client.set_vector(1000, hmx::vector_reg::unmasked(kPpi)) == hmx::errc::inval, "set_vector of vCPU 1000");
  printf("demo: %s: conduit checks: %u of 7 refusals as the spec requires%s\n", g_id.name, 7 - failed,
         failed ? "" : " (ok)");
  return failed;
}

int run_denied() {
  conduit_t conduit(g_env);
  client_t client(conduit, g_env);
  if (!client.init_status().ok()) return 10;
  const char msg[] = "let me in";
  const hmx::result<uint32_t> r = client.send(hmx::make_addr(kPortBase, uint16_t(g_id.peer_id)), msg, sizeof msg, 1);
  printf("demo: %s: sendv to %s (id %d): %s%s\n", g_id.name, g_id.peer, g_id.peer_id,
         r.ok() ? "sent" : r.error().name(), r.error() == hmx::errc::acces ? " (denied by the policy, as expected)" : "");
  hmx::ring_registration reg;
  reg.memory = g_rings[0];
  reg.len = kRingLen;
  reg.aport = kPortBase;
  reg.partner_id = uint16_t(g_id.peer_id);
  const hmx::status s = client.register_ring(reg);
  printf("demo: %s: register_ring for partner %s: %s%s\n", g_id.name, g_id.peer, s.name(),
         s == hmx::errc::acces ? " (denied by the policy, as expected)" : "");
  if (check_conduit_refusals(client) != 0) return 21;
  return r.error() == hmx::errc::acces && s == hmx::errc::acces ? 0 : 20;
}

identity read_identity(const hmx_guest::start_info& si) {
  identity id;
  id.cmdline = hmx_guest::cmdline_text(si);
  id.domid = hmx_guest::cmdline_uint(id.cmdline, "domid", 0);
  (void)hmx_guest::cmdline_value(id.cmdline, "name", id.name, sizeof id.name);
  (void)hmx_guest::cmdline_value(id.cmdline, "role", id.role, sizeof id.role);
  if (hmx_guest::cmdline_value(id.cmdline, "peer", id.peer, sizeof id.peer))
    id.peer_id = hmx_guest::cmdline_domain_id(id.cmdline, id.peer);
  return id;
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
  g_probe = hmx::probe(g_env);
  if (!g_probe.hmx_present()) {
    printf("%s: %s\n", tag, hmx::describe(g_probe.hmx_status));
    return 3;
  }
  const hmx::result<hmx::conduit_choice> choice = hmx::select_conduit(g_probe);
  if (!choice.ok() || choice->id != hmx::conduit_id::arm_smccc_hvc) {
    printf("%s: no usable SMCCC conduit (mechanisms %#x)\n", tag, g_probe.mechanisms);
    return 3;
  }
  printf("%s: HMX %u.%u over SMCCC %u.%u: domain %u, vCPU %u, mechanisms %#x, features %#x, max batch %u, "
         "conduit %s\n",
         tag, g_probe.version_major, g_probe.version_minor, g_probe.smccc_version >> 16, g_probe.smccc_version & 0xffff,
         g_probe.domain_id, g_probe.vcpu_index, g_probe.mechanisms, g_probe.features, g_probe.max_batch,
         hmx::conduit_name(choice->id));
  if (g_probe.domain_id != g_id.domid) {
    printf("%s: SMCCC says domain %u, the command line says %u\n", tag, g_probe.domain_id, g_id.domid);
    return 3;
  }
  if (same(g_id.role, "denied")) return run_denied();
  if (!same(g_id.role, "ping") && !same(g_id.role, "pong")) {
    printf("%s: unknown role '%s' (ping, pong or denied)\n", tag, g_id.role);
    return 4;
  }
  if (hmx_guest::cpu_count() > kMaxCpus) {
    printf("%s: at most %u vCPUs\n", tag, kMaxCpus);
    return 5;
  }
  {
    conduit_t conduit(g_env);
    client_t client(conduit, g_env);
    memset(&g_events, 0, sizeof g_events);  // zeroed before it is enabled (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029)
    if (!client.init_status().ok() || !client.set_event_page(&g_events).ok()) {
      printf("%s: set_event_page refused\n", tag);
      return 6;
    }
  }
  hmx_guest::atomic_store(g_setup_done, 1u);
  run_exchange(0);
  while (hmx_guest::atomic_load(g_finished) + 1 < hmx_guest::cpu_count()) hmx_guest::cpu_relax();
  if (uint32_t f = hmx_guest::atomic_load(g_failed); f != 0) return int(f);
  printf("%s: all %u vCPUs done: %u messages each way, checksums ok\n", tag, hmx_guest::cpu_count(),
         kMessages * hmx_guest::cpu_count());
  return 0;
}
