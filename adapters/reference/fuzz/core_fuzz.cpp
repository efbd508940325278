// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the reference core: everything a guest controls (call blocks, batch lists,
// ring indices, iovs, frame lists, notify lists, registers) interpreted from the fuzz input as a
// script against two domains in ArenaGuestMemory. Built only with HMX_BUILD_FUZZERS=ON (clang,
// -fsanitize=fuzzer,address,undefined). Seed corpus: corpus/ (made by make_corpus.py).
//
// Script: a sequence of commands, each a byte selecting the command followed by its operands;
// multi-byte operands are little-endian; a script that ends early reads zeros. `dom` picks d1, d2
// or d3 (no HMX) by value mod 3; a partner/destination byte picks d1, d2, DOMID_ANY, or else d3
// or a nonexistent id.
//   0 POKE     dom u16:off u8:n bytes[n]             write guest memory
//   1 CALL     dom vcpu op arg*4                     call block through Core::call
//   2 ARGO     dom vcpu op arg*4                     Core::argo_op
//   3 REGISTER dom u8:aport partner u16:len u8:frames u8:flags   a ring on frames the script picks
//   4 SEND     dom dst u8:aport u8:niov (u16:off u16:len)*niov u32:type
//   5 BATCH    dom u8:count u8:flags (op arg*4)*count
//   6 RX       dom u8:aport partner u8:mode u32:value  consume (mode 0) or scribble rx_ptr/tx_ptr
//   7 NOTIFY   dom u8:nent (dst u8:aport u16:space)*nent
//   8 REGS     dom vcpu u64:vector u16:page u8:enable
//   9 RESPAWN  destroy domain 2 and create it again
// An arg is a kind byte then: 0 u8 small | 1 u16 offset into the domain's memory | 2 u64 raw |
// 3 u8 index into a table of special values.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <hmx/abi/hmx.h>

#include "hmx/reference/reference.h"

using namespace hmx::ref;

namespace {

constexpr uint64_t kMem = 64 * 4096;
// d1 and d2 have HMX; d3 exists without it (Argo's d->argo == NULL).
constexpr DomainId kDom[3] = {1, 2, 3};

class Script {
 public:
  Script(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ >= end_; }
  uint64_t take(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{p_ < end_ ? *p_++ : uint8_t{0}} << (8 * i);
    return v;
  }
  uint8_t u8() { return static_cast<uint8_t>(take(1)); }
  uint16_t u16() { return static_cast<uint16_t>(take(2)); }
  uint32_t u32() { return static_cast<uint32_t>(take(4)); }
  uint64_t u64() { return take(8); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

[[noreturn]] void violation(const char* what, int64_t value) {
  __builtin_printf("core_fuzz: invariant violated: %s (%lld)\n", what, static_cast<long long>(value));
  std::abort();
}

void check_result(int64_t rc) {
  switch (-rc) {
    case HMX_EPERM: case HMX_ENOENT: case HMX_ESRCH: case HMX_E2BIG: case HMX_EAGAIN:
    case HMX_ENOMEM: case HMX_EACCES: case HMX_EFAULT: case HMX_EBUSY: case HMX_EEXIST:
    case HMX_ENODEV: case HMX_EINVAL: case HMX_ENOSPC: case HMX_EMSGSIZE: case HMX_EOPNOTSUPP:
    case HMX_ECONNREFUSED:
      return;
    default:
      if (rc < 0 || rc > HMX_MAX_MESSAGE_SIZE) violation("result outside the defined set", rc);
  }
}

// Parsed once: the policy is not what this target fuzzes (policy_test.cpp covers the parser).
Policy& shared_policy() {
  static Policy* policy = [] {
    auto* p = new Policy;
    p->set_logger(nullptr);
    std::string error;
    p->load_text(
        "rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: \"d1\" destination: \"d2\" }\n"
        "rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: \"d2\" destination: \"d1\" }\n"
        "rule { action: ALLOW hook: REGISTER_ANY_SOURCE destination: \"d1\" }\n",
        &error);
    return p;
  }();
  return *policy;
}

struct World {
  Policy& policy = shared_policy();
  NullNotifier notifier;
  Core core{policy};
  ArenaGuestMemory* mem[3];
  struct RingRef {
    int dom;
    uint32_t aport;
    DomainId partner;
    uint64_t frame0;
  };
  std::vector<RingRef> rings;

  World() {
    for (int d = 0; d < 3; ++d) spawn(d);
  }
  void spawn(int d) {
    // Guest RAM is allocated once and zeroed per domain life: fresh mappings every run would
    // spend the fuzzer's time in mmap and page faults.
    static ArenaGuestMemory* arenas[3] = {new ArenaGuestMemory(kMem), new ArenaGuestMemory(kMem),
                                          new ArenaGuestMemory(kMem)};
    static const char* const names[3] = {"d1", "d2", "d3"};
    mem[d] = arenas[d];
    std::memset(mem[d]->data(), 0, kMem);
    core.create_domain(kDom[d], names[d], *mem[d], 2, notifier, /*hmx_enabled=*/d != 2);
  }
  std::byte* host(int d, uint64_t off) { return mem[d]->data() + off % kMem; }
  void poke(int d, uint64_t off, const void* src, size_t n) {
    for (size_t i = 0; i < n; ++i) *host(d, off + i) = static_cast<const std::byte*>(src)[i];
  }
};

int dom_of(Script& s) { return s.u8() % 3; }

DomainId partner_of(uint8_t sel) {
  switch (sel % 4) {
    case 0: return kDom[0];
    case 1: return kDom[1];
    case 2: return HMX_DOMID_ANY;
    default: return (sel & 4) ? kDom[2] : sel;  // the HMX-less domain, or mostly nonexistent
  }
}

uint64_t arg_of(Script& s) {
  static const uint64_t specials[] = {0, 1, 8, 9, 48, 64, 256, 257, 4096, kMem - 48, kMem,
                                      HMX_MAX_RING_LEN, HMX_MAX_MESSAGE_SIZE, 0xFFFFFFFFull,
                                      1ull << 32, ~0ull, ~0ull & ~15ull, HMX_DOMID_ANY};
  switch (s.u8() % 4) {
    case 0: return s.u8();
    case 1: return s.u16() % kMem;
    case 2: return s.u64();
    default: return specials[s.u8() % (sizeof(specials) / sizeof(specials[0]))];
  }
}

uint32_t op_of(Script& s) {
  static const uint32_t ops[] = {HMX_OP_REGISTER_RING, HMX_OP_UNREGISTER_RING, HMX_OP_SENDV,
                                 HMX_OP_NOTIFY, HMX_OP_NULL, HMX_OP_BATCH,
                                 HMX_OP_SET_EVENT_PAGE, HMX_OP_SET_VECTOR};
  const uint8_t v = s.u8();
  return v < 0xF0 ? ops[v % 8] : v;
}

// The scratch area of each domain: call blocks and argument structures built by the harness.
constexpr uint64_t kBlock = 60 * 4096;
constexpr uint64_t kArgs = 61 * 4096;

int64_t run_call(World& w, int d, uint32_t vcpu, const hmx_call_block_t& blk) {
  w.poke(d, kBlock, &blk, sizeof(blk));
  const int64_t rc = w.core.call(kDom[d], vcpu, kBlock);
  check_result(rc);
  return rc;
}

void step_call(World& w, Script& s, bool argo) {
  const int d = dom_of(s);
  const uint32_t vcpu = s.u8() % 3;
  hmx_call_block_t blk{};
  blk.op = op_of(s);
  for (auto& a : blk.arg) a = arg_of(s);
  if (argo) {
    check_result(w.core.argo_op(kDom[d], vcpu, blk.op, blk.arg[0], blk.arg[1], blk.arg[2], blk.arg[3]));
  } else {
    w.poke(d, kBlock, &blk, sizeof(blk));
    check_result(w.core.call(kDom[d], vcpu, kBlock));
  }
}

void step(World& w, Script& s) {
  switch (s.u8() % 10) {
    case 0: {
      const int d = dom_of(s);
      const uint16_t off = s.u16();
      const uint8_t n = s.u8();
      for (int i = 0; i < n; ++i) *w.host(d, uint64_t{off} + i) = std::byte{s.u8()};
      break;
    }
    case 1:
      step_call(w, s, /*argo=*/false);
      break;
    case 2:
      step_call(w, s, /*argo=*/true);
      break;
    case 3: {
      const int d = dom_of(s);
      const uint32_t aport = s.u8();
      const DomainId partner = partner_of(s.u8());
      const uint32_t len = s.u16();
      const uint8_t frames = s.u8();
      const uint8_t flags = s.u8();
      const uint64_t npages = (((uint64_t{len} + 15) & ~15ull) + 64 + 4095) / 4096;
      // Frames: a start page and a stride (0 aliases every frame onto one page).
      uint64_t gfns[64];
      const uint64_t n = npages > 64 ? 64 : npages;
      for (uint64_t i = 0; i < n; ++i) gfns[i] = ((frames & 31) + i * (frames >> 5)) % 60;
      w.poke(d, kArgs, gfns, n * 8);
      hmx_register_ring_t reg{aport, partner, 0, len};
      w.poke(d, kArgs + 1024, &reg, sizeof(reg));
      hmx_call_block_t blk{};
      blk.op = HMX_OP_REGISTER_RING;
      blk.arg[0] = kArgs + 1024;
      blk.arg[1] = kArgs;
      // flags byte: bit 0 FAIL_EXIST, bit 1 NOTIFY_VCPU, bits 3:2 the vCPU, bit 6 an undefined
      // flag, bit 7 a wrong frame count.
      blk.arg[2] = (flags & 0x80) ? npages + 1 : npages;
      blk.arg[3] = (flags & 0x3) | (uint64_t{(flags >> 2) & 0x3u} << HMX_REGISTER_FLAG_VCPU_SHIFT) |
                   ((flags & 0x40) ? 0x4 : 0);
      if (run_call(w, d, 0, blk) == 0) w.rings.push_back({d, aport, partner, gfns[0] * 4096});
      break;
    }
    case 4: {
      const int d = dom_of(s);
      const DomainId dst = partner_of(s.u8());
      const uint32_t aport = s.u8();
      const uint8_t niov = s.u8() % 10;
      hmx_iov_t iovs[10];
      for (int i = 0; i < niov; ++i) {
        const uint16_t off = s.u16();
        iovs[i] = {off, s.u16(), 0};
      }
      hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {aport, dst, 0}};
      w.poke(d, kArgs, iovs, sizeof(iovs));
      w.poke(d, kArgs + 512, &addr, sizeof(addr));
      hmx_call_block_t blk{};
      blk.op = HMX_OP_SENDV;
      blk.arg[0] = kArgs + 512;
      blk.arg[1] = kArgs;
      blk.arg[2] = niov;
      blk.arg[3] = s.u32();
      run_call(w, d, 1, blk);
      break;
    }
    case 5: {
      const int d = dom_of(s);
      const uint8_t count = s.u8() % 70;
      const uint8_t flags = s.u8() % 4;
      for (int i = 0; i < count; ++i) {
        hmx_call_block_t e{};
        e.op = op_of(s);
        for (auto& a : e.arg) a = arg_of(s);
        w.poke(d, kArgs + 2048 + i * sizeof(e), &e, sizeof(e));
      }
      hmx_call_block_t blk{};
      blk.op = HMX_OP_BATCH;
      blk.arg[0] = kArgs + 2048;
      blk.arg[1] = count;
      blk.arg[2] = flags;
      const int64_t rc = run_call(w, d, 0, blk);
      if (rc > count) violation("batch ran more entries than given", rc);
      break;
    }
    case 6: {
      const int d = dom_of(s);
      const uint32_t aport = s.u8();
      const DomainId partner = partner_of(s.u8());
      const uint8_t mode = s.u8();
      const uint32_t value = s.u32();
      for (const auto& r : w.rings) {
        if (r.dom != d || r.aport != aport || r.partner != partner) continue;
        auto* hdr = reinterpret_cast<hmx_ring_t*>(w.host(d, r.frame0));
        if (mode % 3 == 0) hdr->rx_ptr = hdr->tx_ptr;  // consume everything
        else if (mode % 3 == 1) hdr->rx_ptr = value;   // hostile rx_ptr
        else hdr->tx_ptr = value;                      // tx_ptr is ignored by the core
      }
      break;
    }
    case 7: {
      const int d = dom_of(s);
      const uint8_t nent = s.u8();
      hmx_ring_data_t head{nent, 0};
      w.poke(d, kArgs, &head, sizeof(head));
      for (int i = 0; i < nent; ++i) {
        hmx_ring_data_ent_t e{};
        e.ring.domain_id = partner_of(s.u8());
        e.ring.aport = s.u8();
        e.space_required = s.u16();
        w.poke(d, kArgs + 8 + i * sizeof(e), &e, sizeof(e));
      }
      hmx_call_block_t blk{};
      blk.op = HMX_OP_NOTIFY;
      blk.arg[0] = kArgs;
      run_call(w, d, 0, blk);
      break;
    }
    case 8: {
      const int d = dom_of(s);
      const uint32_t vcpu = s.u8() % 3;
      const uint64_t vector = s.u64();
      const uint64_t page = (uint64_t{s.u16()} << 12) | (s.u8() & 1);
      const int rv = w.core.set_vector(kDom[d], vcpu, vector);
      const int re = w.core.set_event_page(kDom[d], page);
      check_result(rv);
      check_result(re);
      break;
    }
    default: {
      w.core.destroy_domain(kDom[1]);
      std::erase_if(w.rings, [](const World::RingRef& r) { return r.dom == 1 || r.partner == kDom[1]; });
      w.spawn(1);
      break;
    }
  }
}

void check_rings(World& w) {
  for (const auto& r : w.rings) {
    auto info = w.core.ring_info(kDom[r.dom], r.aport, r.partner);
    if (!info) continue;
    if (info->tx_ptr >= info->len || info->tx_ptr % 16 != 0) violation("tx_ptr out of the ring", info->tx_ptr);
    if (info->pending > HMX_MAX_PENDING_PER_RING) violation("too many waiters", info->pending);
    if (info->event_index >= HMX_MAX_RINGS_PER_DOMAIN) violation("event index", info->event_index);
  }
  if (w.core.ring_count(kDom[0]) > HMX_MAX_RINGS_PER_DOMAIN) violation("too many rings", 0);
  if (w.core.ring_count(kDom[2]) != 0) violation("a domain without HMX has rings", 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World w;
  Script s(data, size);
  for (int steps = 0; !s.done() && steps < 256; ++steps) {
    step(w, s);
    check_rings(w);
  }
  return 0;
}
