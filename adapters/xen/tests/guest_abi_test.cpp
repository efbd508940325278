// SPDX-License-Identifier: Apache-2.0
// xen.unit.GuestAbi.*: Xen's guest ABI (guest_abi.h) over an in-process reference core: the
// hypercall page, the CPUID leaves, the dispatch and its errors, argo_op with Xen's encodings,
// and VIRQ_ARGO through the shared_info page to the upcall vector.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hmx/xen/guest_abi.h"

namespace hmx::xen {
namespace {

// Xen's public numbers used here (xen.h, argo.h, event_channel.h, hvm_op.h, memory.h, sched.h).
constexpr unsigned kMemoryOp = 12, kXenVersion = 17, kConsoleIo = 18, kSchedOp = 29, kEventChannelOp = 32,
                   kHvmOp = 34, kArgoOp = 39;
constexpr int64_t kEPERM = -1, kENOENT = -2, kEFAULT = -14, kEINVAL = -22, kENOSYS = -38, kECONNREFUSED = -111;

struct fake_host final : guest_host {
  std::string console;
  std::vector<unsigned> shutdowns;
  std::vector<std::pair<uint32_t, uint8_t>> injected;
  void console_write(std::string_view text) override { console += text; }
  void shutdown(unsigned reason) override { shutdowns.push_back(reason); }
  void inject(uint32_t vcpu, uint8_t vector) override { injected.emplace_back(vcpu, vector); }
};

constexpr uint64_t kRam = 1 << 20;

struct xen_guest {
  ref::ArenaGuestMemory memory{kRam};
  fake_host host;
  guest_domain abi;
  xen_guest(ref::Core& core, ref::DomainId id, const char* name) : abi(core, id, 1, kRam) {
    EXPECT_EQ(core.create_domain(id, name, memory, 1, abi), 0);
    EXPECT_EQ(core.set_vector(id, 0, guest_domain::kCoreVector), 0);
    abi.attach(memory, host);
  }
  int64_t call(uint64_t nr, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0,
               unsigned cpl = 0) {
    hypercall_args a;
    a.number = nr;
    a.arg[0] = a1, a.arg[1] = a2, a.arg[2] = a3, a.arg[3] = a4, a.arg[4] = a5;
    return abi.hypercall(0, cpl, a);
  }
  template <class T>
  void put(uint64_t gpa, const T& v) {
    ASSERT_TRUE(memory.write(gpa, v));
  }
  template <class T>
  T get(uint64_t gpa) {
    T v{};
    EXPECT_TRUE(memory.read_once(gpa, v));
    return v;
  }
};

class GuestAbi : public ::testing::Test {
 protected:
  GuestAbi() {
    std::string error;
    EXPECT_TRUE(policy.load_text(R"(
      rule { name: "a-b" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "a" destination: "b" }
      rule { name: "b-a" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "b" destination: "a" })",
                                 &error))
        << error;
  }
  ~GuestAbi() override {
    core.destroy_domain(1);
    core.destroy_domain(2);
  }
  ref::Policy policy;
  ref::Core core{policy};
  xen_guest a{core, 1, "a"};
  xen_guest b{core, 2, "b"};
};

TEST(GuestAbiPage, StubsEnterByThePortInXensSlots) {
  std::vector<std::byte> page(4096);
  ASSERT_TRUE(write_hypercall_page(page, 0xe4));
  const uint8_t want[] = {0xb8, 39, 0, 0, 0, 0xe7, 0xe4, 0xc3, 0xcc};
  EXPECT_EQ(std::memcmp(page.data() + 39 * kHypercallStubSize, want, sizeof want), 0);
  EXPECT_EQ(page[4095], std::byte{0xcc});
  std::vector<std::byte> small(100);
  EXPECT_FALSE(write_hypercall_page(small, 0xe4));
}

TEST(GuestAbiCpuid, XenSignatureVersionMsrAndDomainId) {
  const auto leaves = cpuid_leaves(7, 1, 0x40000000);
  ASSERT_EQ(leaves.size(), 6u);
  EXPECT_EQ(leaves[0].function, 0x40000000u);
  EXPECT_EQ(leaves[0].eax, 0x40000005u);
  std::string sig(12, '\0');
  std::memcpy(sig.data(), &leaves[0].ebx, 4);
  std::memcpy(sig.data() + 4, &leaves[0].ecx, 4);
  std::memcpy(sig.data() + 8, &leaves[0].edx, 4);
  EXPECT_EQ(sig, "XenVMMXenVMM");
  EXPECT_EQ(leaves[1].eax, 4u << 16 | 17u);
  EXPECT_EQ(leaves[2].eax, 1u);
  EXPECT_EQ(leaves[2].ebx, 0x40000000u);
  EXPECT_EQ(leaves[4].eax & (1u << 4), 1u << 4);  // XEN_HVM_CPUID_DOMID_PRESENT
  EXPECT_EQ(leaves[4].ecx, 7u);
  EXPECT_EQ(leaves[4].ebx, 1u);
}

TEST_F(GuestAbi, UnservedNumbersAreEnosysAndCounted) {
  EXPECT_EQ(a.call(50, 1, 2, 3, 4, 5), kENOSYS);
  EXPECT_EQ(a.call(1000), kENOSYS);
  EXPECT_EQ(a.abi.stats().by_number[50].load(), 1u);
  EXPECT_EQ(a.abi.stats().beyond.load(), 1u);
  EXPECT_EQ(a.abi.stats().enosys.load(), 2u);
}

TEST_F(GuestAbi, UserModeCallersGetEperm) {
  EXPECT_EQ(a.call(kXenVersion, 0, 0, 0, 0, 0, 3), kEPERM);
  EXPECT_EQ(a.call(kXenVersion), int64_t{4 << 16 | 17});
}

TEST_F(GuestAbi, ConsoleWritesAndFaults) {
  const char text[] = "hello\n";
  a.put(0x1000, text);
  EXPECT_EQ(a.call(kConsoleIo, 0, 6, 0x1000), 0);
  EXPECT_EQ(a.host.console, "hello\n");
  EXPECT_EQ(a.call(kConsoleIo, 0, 6, kRam - 2), kEFAULT);
  EXPECT_EQ(a.call(kConsoleIo, 1, 6, 0x1000), kEPERM);  // reading is the hardware domain's
}

TEST_F(GuestAbi, ShutdownHandsTheReasonToTheMonitor) {
  a.put(0x1000, uint32_t{3});
  EXPECT_EQ(a.call(kSchedOp, 2, 0x1000), 0);
  ASSERT_EQ(a.host.shutdowns.size(), 1u);
  EXPECT_EQ(a.host.shutdowns[0], 3u);
  EXPECT_EQ(a.call(kSchedOp, 2, kRam), kEFAULT);
}

// Argo between the two domains: b registers a ring for a, binds VIRQ_ARGO and places shared_info;
// a's message lands in the ring, b's port is pending and the upcall goes to b's vector once.
TEST_F(GuestAbi, ArgoMessageRaisesVirqArgoThroughSharedInfo) {
  struct {
    uint16_t domid, size;
    uint32_t space;
    uint64_t idx, gpfn;
  } physmap{0x7ff0, 0, 0, 0, 0x20};
  b.put(0x3000, physmap);
  ASSERT_EQ(b.call(kMemoryOp, 7, 0x3000), 0);
  struct {
    uint32_t vcpu;
    uint8_t vector, pad[3];
  } upcall{0, 0xf3, {}};
  b.put(0x3100, upcall);
  ASSERT_EQ(b.call(kHvmOp, 23, 0x3100), 0);
  struct {
    uint32_t virq, vcpu, port;
  } bind{11, 0, 0};
  b.put(0x3200, bind);
  ASSERT_EQ(b.call(kEventChannelOp, 1, 0x3200), 0);
  const uint32_t port = b.get<decltype(bind)>(0x3200).port;
  ASSERT_GT(port, 0u);

  struct {
    uint32_t aport;
    uint16_t partner, pad;
    uint32_t len;
  } reg{100, 1, 0, 4096 - 64};
  b.put(0x4000, reg);
  b.put(0x4100, uint64_t{0x10});  // the ring's frame: GPA 0x10000
  ASSERT_EQ(b.call(kArgoOp, 1, 0x4000, 0x4100, 1, 0), 0);
  EXPECT_EQ(b.call(kArgoOp, 1, 0x4000, 0x4100, 1, 0x2), kEINVAL);  // HMX's NOTIFY_VCPU is not Xen's

  struct {
    uint32_t src_aport;
    uint16_t src_dom, src_pad;
    uint32_t dst_aport;
    uint16_t dst_dom, dst_pad;
  } addr{100, 0x7ff4, 0, 100, 2, 0};
  struct {
    uint64_t base;
    uint32_t len, pad;
  } iov{0x5000, 5, 0};
  a.put(0x5000, uint64_t{0x6f6c6c6568});  // "hello"
  a.put(0x4000, addr);
  a.put(0x4100, iov);
  EXPECT_EQ(a.call(kArgoOp, 3, 0x4000, 0x4100, 1, 7), 5);
  ASSERT_EQ(b.host.injected.size(), 1u);
  EXPECT_EQ(b.host.injected[0], (std::pair<uint32_t, uint8_t>{0, 0xf3}));
  // shared_info at 0x20000: vcpu_info[0].evtchn_upcall_pending at 0, evtchn_pending[] at 2048.
  EXPECT_EQ(b.get<uint8_t>(0x20000), 1u);
  EXPECT_EQ(b.get<uint64_t>(0x20000 + 2048) >> port & 1, 1u);
  // A second message while the upcall is still pending injects nothing more.
  EXPECT_EQ(a.call(kArgoOp, 3, 0x4000, 0x4100, 1, 7), 5);
  EXPECT_EQ(b.host.injected.size(), 1u);

  // Xen's sendv: errors found from the destination ring on come back zero-extended (profile).
  addr.dst_aport = 101;
  a.put(0x4000, addr);
  EXPECT_EQ(a.call(kArgoOp, 3, 0x4000, 0x4100, 1, 7), int64_t{uint32_t(kECONNREFUSED)});
  struct {
    uint32_t aport;
    uint16_t partner, pad;
  } unreg{100, 1, 0};
  b.put(0x4200, unreg);
  EXPECT_EQ(b.call(kArgoOp, 2, 0x4200, 0, 0, 0), 0);
  EXPECT_EQ(b.call(kArgoOp, 2, 0x4200, 0, 0, 0), kENOENT);
}

TEST_F(GuestAbi, HvmParamsAnswerAsXenDoesForAGuestAboutItself) {
  struct {
    uint16_t domid, pad;
    uint32_t index;
    uint64_t value;
  } p{0x7ff0, 0, 1, 99};  // HVM_PARAM_STORE_PFN: readable, no XenStore here
  a.put(0x3000, p);
  EXPECT_EQ(a.call(kHvmOp, 1, 0x3000), 0);
  EXPECT_EQ(a.get<decltype(p)>(0x3000).value, 0u);
  EXPECT_EQ(a.call(kHvmOp, 0, 0x3000), kEPERM);  // a guest may not set it
  p.index = 4;                                   // HVM_PARAM_PAE_ENABLED: deprecated
  a.put(0x3000, p);
  EXPECT_EQ(a.call(kHvmOp, 1, 0x3000), kEINVAL);
  p.index = 5;  // HVM_PARAM_IOREQ_PFN: not the guest's to read
  a.put(0x3000, p);
  EXPECT_EQ(a.call(kHvmOp, 1, 0x3000), kEPERM);
  p.index = 0;  // HVM_PARAM_CALLBACK_IRQ, vector form (type 2 in bits 63:56)
  p.value = uint64_t{2} << 56 | 0xf3;
  a.put(0x3000, p);
  EXPECT_EQ(a.call(kHvmOp, 0, 0x3000), 0);
  p.value = 0;
  a.put(0x3000, p);
  EXPECT_EQ(a.call(kHvmOp, 1, 0x3000), 0);
  EXPECT_EQ(a.get<decltype(p)>(0x3000).value, uint64_t{2} << 56 | 0xf3);
  p.domid = 2;  // another domain's
  a.put(0x3000, p);
  EXPECT_EQ(a.call(kHvmOp, 1, 0x3000), -3);  // ESRCH
}

TEST_F(GuestAbi, EventChannelErrorsAreXens) {
  struct {
    uint32_t virq, vcpu, port;
  } bind{11, 0, 0};
  a.put(0x3000, bind);
  EXPECT_EQ(a.call(kEventChannelOp, 1, 0x3000), 0);
  EXPECT_EQ(a.call(kEventChannelOp, 1, 0x3000), -17);  // EEXIST: VIRQ_ARGO bound already
  bind.virq = 99;
  a.put(0x3000, bind);
  EXPECT_EQ(a.call(kEventChannelOp, 1, 0x3000), kEINVAL);
  a.put(0x3100, uint32_t{5000});
  EXPECT_EQ(a.call(kEventChannelOp, 3, 0x3100), kEINVAL);   // close: no such port
  EXPECT_EQ(a.call(kEventChannelOp, 99, 0x3100), kENOSYS);  // unknown op
  EXPECT_EQ(a.call(kEventChannelOp, 3, kRam + 8), kEFAULT);
}

}  // namespace
}  // namespace hmx::xen
