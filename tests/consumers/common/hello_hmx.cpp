// SPDX-License-Identifier: MIT
// libhmx in one file (docs/guide-driver-authors.md): two guests of an in-process reference core.
// The receiver probes for HMX, registers a ring and arms its notification vector; the sender
// sends one message; the receiver is interrupted and reads the message from its ring.
//
// The "hypervisor" is the reference core (hmx::reference), reached through libhmx's loopback
// conduit, so this runs as an ordinary host program. A real guest replaces three things and
// nothing else: the environment (env::host here, its own CPUID/MSR/page-allocation primitives
// there), the conduit (loopback here, the one select_conduit() picks there), and the interrupt
// (a recorded Notifier call here, its IDT vector there).
#include <cstdio>
#include <cstring>
#include <string>

#include <hmx/env/host.h>
#include <hmx/hmx.h>
#include <hmx/reference/reference.h>

namespace {

// The hypervisor's side of the loopback conduit: one trap = run one call block (HMX-MECH-005).
struct core_call {
  hmx::ref::Core* core;
  hmx::ref::DomainId dom;
  void operator()(uint64_t gpa) const { (void)core->call(dom, 0, gpa); }
};

// The hypervisor's interrupt line into a guest: remembers the last vector raised.
struct last_vector final : hmx::ref::Notifier {
  int vector = -1;
  void raise(hmx::ref::DomainId, uint32_t, uint8_t v) override { vector = v; }
};

// A guest: its memory (guest-physical 0..size) and libhmx's environment over it. Pages the
// library allocates come from the arena above the first page, so GPA 0 names nothing.
struct guest {
  guest(hmx::ref::Core& core, hmx::ref::DomainId id, const char* name)
      : id(id), mem(1 << 20), env(mem.data(), mem.size(), 0, 0x1000),
        conduit(core_call{&core, id}) {
    if (core.create_domain(id, name, mem, 1, irq) != 0) std::fprintf(stderr, "create_domain %s failed\n", name);
  }
  hmx::ref::DomainId id;
  hmx::ref::ArenaGuestMemory mem;
  hmx::env::host env;
  last_vector irq;
  hmx::loopback_conduit<core_call> conduit;
};

// What a hypervisor advertises in CPUID (spec `cpuid`): the hypervisor bit, the HMX signature
// block at a base the guest must find by scanning, the version and the guest's own domain id.
void advertise_hmx(hmx::env::host& e, const hmx::ref::Core& core, uint16_t domain_id) {
  const uint32_t base = 0x40000100;
  e.set_cpuid(1, hmx::cpuid_regs{0, 0, 1u << 31, 0});
  e.set_cpuid(base, hmx::cpuid_regs{base + 3, HMX_CPUID_SIGNATURE_EBX, HMX_CPUID_SIGNATURE_ECX,
                                    HMX_CPUID_SIGNATURE_EDX});
  e.set_cpuid(base + 1, hmx::cpuid_regs{HMX_VERSION, domain_id, 0, 0});
  e.set_cpuid(base + 2, hmx::cpuid_regs{HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VECTOR_BIT,
                                        core.features(), core.max_batch(), 0});
  e.set_cpuid(base + 3, hmx::cpuid_regs{HMX_MSR_DEFAULT_BASE, HMX_MSR_COUNT, 0, 0});
}

constexpr const char* kPolicy = R"(
rule { name: "sender to receiver" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE]
       source: "sender" destination: "receiver" }
)";

}  // namespace

int main() {
  hmx::ref::Policy policy;
  std::string error;
  if (!policy.load_text(kPolicy, &error)) {
    std::fprintf(stderr, "policy: %s\n", error.c_str());
    return 1;
  }
  hmx::ref::Core core(policy);
  guest receiver(core, 1, "receiver");
  guest sender(core, 2, "sender");
  advertise_hmx(receiver.env, core, receiver.id);

  // 1. Probe (HMX-LIB-002): never assume HMX is there.
  const hmx::probe_result p = hmx::probe(receiver.env);
  if (!p.hmx_present()) {
    std::fprintf(stderr, "probe: %s\n", hmx::describe(p.hmx_status));
    return 1;
  }
  std::printf("probe: HMX present, this domain is %u\n", static_cast<unsigned>(p.domain_id));

  // 2. Register a ring that only the sender may fill, and arm a vector for it.
  hmx::client rx(receiver.conduit, receiver.env);
  hmx::ring_registration reg;
  reg.len = 4096;
  reg.aport = 7;
  reg.partner_id = sender.id;
  reg.memory = receiver.env.alloc_pages(static_cast<size_t>(hmx::ring_npages(reg.len)));
  hmx::ring_reader::prepare(reg.memory);
  if (hmx::status s = rx.register_ring(reg); !s.ok()) {
    std::fprintf(stderr, "register_ring: %s\n", s.name());
    return 1;
  }
  // The guest writes its VECTOR MSR (vector bits 7:0, unmasked); the hypervisor stores it.
  (void)core.set_vector(receiver.id, 0, 0x40);

  // 3. Send (HMX-LIB-*: typed operations return hmx::result).
  hmx::client tx(sender.conduit, sender.env);
  auto* buf = static_cast<char*>(sender.env.alloc_pages(1));
  std::memcpy(buf, "hello, hmx", 10);
  const hmx::result<uint32_t> sent = tx.send(hmx::make_addr(reg.aport, receiver.id), buf, 10, 1);
  if (!sent.ok()) {
    std::fprintf(stderr, "send: %s\n", sent.error().name());
    return 1;
  }

  // 4. The vector fires; the handler reads the ring and advances rx_ptr.
  std::printf("interrupt: vector 0x%x\n", static_cast<unsigned>(receiver.irq.vector));
  hmx::ring_reader reader(reg.memory, reg.len);
  char got[64] = {};
  hmx::message_view info{};
  const hmx::result<uint32_t> n = reader.read(got, sizeof(got) - 1, &info);
  if (!n.ok() || receiver.irq.vector != 0x40) {
    std::fprintf(stderr, "receive failed\n");
    return 1;
  }
  std::printf("received from domain %u: %s\n", static_cast<unsigned>(info.source.domain_id), got);
  return std::strcmp(got, "hello, hmx") == 0 ? 0 : 1;
}
