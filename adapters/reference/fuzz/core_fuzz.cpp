// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the reference core: everything a guest controls (call blocks, batch lists,
// ring indices, iovs, frame lists, notify lists, registers) interpreted from the fuzz input as a
// script against domains in ArenaGuestMemory. Built only with HMX_BUILD_FUZZERS=ON (clang,
// -fsanitize=fuzzer,address,undefined). Seed corpus: corpus/ (made by make_corpus.py).
//
// Script: a sequence of commands, each a byte selecting the command followed by its operands;
// multi-byte operands are little-endian; a script that ends early reads zeros. `dom` picks d1, d2
// or d3 (no HMX) by value mod 3; a partner/destination byte picks d1, d2, DOMID_ANY, or else d3
// or a nonexistent id.
//   0 POKE       dom u16:off u8:n bytes[n]             write guest memory
//   1 CALL       dom vcpu op arg*4                     call block through Core::call
//   2 ARGO       dom vcpu op arg*4                     Core::argo_op
//   3 REGISTER   dom u8:aport partner u16:len u8:frames u8:flags   a ring on frames the script
//                picks; flags bit 5: len counts down from MAX_RING_LEN (up to MAX_RING_PAGES frames)
//   4 SEND       dom dst u8:aport u8:niov (u16:off u16:len)*niov u32:type
//   5 BATCH      dom u8:count u8:flags (op arg*4)*count
//   6 RX         dom u8:aport partner u8:mode u32:value  consume (mode 0) or scribble rx_ptr/tx_ptr
//   7 NOTIFY     dom u8:nent (dst u8:aport u16:space)*nent
//   8 REGS       dom vcpu u64:vector u16:page u8:enable
//   9 RESPAWN    destroy domain 2 and create it again
//  10 UNREGISTER dom u8:aport partner u8:pad           unregister_ring through a call block
//  11 CROWD      u8:aport u16:len                     kCrowd more domains send len bytes each to
//                d1's wildcard ring on aport (more waiters than MAX_PENDING_PER_RING: EBUSY)
//  12 PARALLEL   u8:rounds (u8 op, u8 aport, u16 len)*8  two threads run the ops as d1 and d2
//                while this thread destroys and recreates d2 `rounds` times
//  13 POLICY     u8:kind u16:len bytes[len]           a policy of its own from text (kind even) or
//                from a compiled table (odd), asked every hook about d1/d2/crowd names
//  14 ARENA      u8:n (u8 kind, u16 size, u8 align)*n  a monitor's RegionArena: allocate/free;
//                blocks in the region, aligned, disjoint, and all free coalescing into one
//  15 QUEUE      dom u8:size u8:flags u8:nent (op arg*4)*nent u8:mode u32:value   a submission
//                queue of 1 << (size % 6) entries (spec submit-queue): registered with the script's
//                flags, nent entries written, producer nent or a hostile value, the consumer field
//                scribbled, one submit; forgotten or left registered (RESPAWN destroys it)
// An arg is a kind byte then: 0 u8 small | 1 u16 offset into the domain's memory | 2 u64 raw |
// 3 u8 index into a table of special values.
//
// After every step the harness checks, besides the sanitizers: results are in the defined set;
// ring state is within the spec's limits; every interrupt went to an existing domain with HMX,
// to a vCPU it has, with the vector its register holds (and, for a SEND, only to the
// destination); and no byte of another domain's memory changed outside its rings' frames and its
// event page (the caller's own memory is exempt: the core writes results where it names).
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <hmx/abi/hmx.h>

#include "hmx/reference/reference.h"
#include "hmx/reference/region_arena.h"

using namespace hmx::ref;

namespace {

constexpr uint64_t kPages = 64;
constexpr uint64_t kMem = kPages * 4096;
// d1 and d2 have HMX; d3 exists without it (Argo's d->argo == NULL).
constexpr DomainId kDom[3] = {1, 2, 3};
constexpr uint32_t kVcpus = 2;
// One more sender than a ring has waiting slots (HMX_MAX_PENDING_PER_RING), so the last gets EBUSY.
constexpr int kCrowd = HMX_MAX_PENDING_PER_RING + 2;
constexpr DomainId kCrowdBase = 100;
constexpr uint64_t kCrowdMem = 2 * 4096;

// Guest memory layout of d1..d3: ring frames are picked from pages [0, kRingPages); the rest is
// the harness's scratch (frame lists, argument structures, call blocks).
constexpr uint64_t kRingPages = 48;
constexpr uint64_t kGfns = 48 * 4096;   // up to MAX_RING_PAGES frame numbers (8 pages)
constexpr uint64_t kArgs = 56 * 4096;   // iovs +0, send addr +512, reg +1024, batch list +2048
constexpr uint64_t kBlock = 60 * 4096;  // the harness's call block
constexpr uint64_t kQueue = 58 * 4096;  // a submission queue of up to 32 entries (QUEUE)
constexpr uint64_t kThreadBlock[2] = {62 * 4096, 63 * 4096};

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

// What the runs exercised, printed when the fuzzer exits (scripts/test.sh sums them).
struct Counters {
  std::atomic<uint64_t> messages_checked{0}, ebusy{0}, eagain{0}, budget_stops{0}, queue_entries{0};
  ~Counters() {
    __builtin_printf("core_fuzz counters: messages_checked=%llu ebusy=%llu eagain=%llu budget_stops=%llu queue_entries=%llu\n",
                     static_cast<unsigned long long>(messages_checked.load()),
                     static_cast<unsigned long long>(ebusy.load()),
                     static_cast<unsigned long long>(eagain.load()),
                     static_cast<unsigned long long>(budget_stops.load()),
                     static_cast<unsigned long long>(queue_entries.load()));
  }
} counters;

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
        "rule { action: ALLOW hook: SEND source: \"crowd-*\" destination: \"d1\" }\n"
        "rule { action: ALLOW hook: REGISTER_ANY_SOURCE destination: \"d1\" }\n",
        &error);
    return p;
  }();
  return *policy;
}

// Records every interrupt the core asks for; the harness judges them after each step.
class RecordingNotifier final : public Notifier {
 public:
  struct Raise {
    DomainId dom;
    uint32_t vcpu;
    uint8_t vector;
  };
  void raise(DomainId dom, uint32_t vcpu, uint8_t vector) override {
    std::lock_guard lock(mu_);
    raised_.push_back({dom, vcpu, vector});
  }
  std::vector<Raise> take() {
    std::lock_guard lock(mu_);
    return std::exchange(raised_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Raise> raised_;
};

struct World {
  Policy& policy = shared_policy();
  RecordingNotifier notifier;
  Core core{policy};
  ArenaGuestMemory* mem[3];
  std::vector<std::byte> shadow[3];  // each domain's memory as the harness last saw it
  bool crowd = false;

  World() {
    core.offer_submit_queue(true);  // QUEUE and the queue operations in CALL steps
    for (int d = 0; d < 3; ++d) spawn(d);
  }
  ~World();
  void spawn(int d) {
    // Guest RAM is allocated once and zeroed per domain life: fresh mappings every run would
    // spend the fuzzer's time in mmap and page faults.
    static ArenaGuestMemory* arenas[3] = {new ArenaGuestMemory(kMem), new ArenaGuestMemory(kMem),
                                          new ArenaGuestMemory(kMem)};
    static const char* const names[3] = {"d1", "d2", "d3"};
    mem[d] = arenas[d];
    std::memset(mem[d]->data(), 0, kMem);
    shadow[d].assign(kMem, std::byte{0});
    core.create_domain(kDom[d], names[d], *mem[d], kVcpus, notifier, /*hmx_enabled=*/d != 2);
  }
  std::byte* host(int d, uint64_t off) { return mem[d]->data() + off % kMem; }
  void poke(int d, uint64_t off, const void* src, size_t n) {
    for (size_t i = 0; i < n; ++i) *host(d, off + i) = static_cast<const std::byte*>(src)[i];
  }
  // The header of dom's live ring (aport, partner) in host memory, or nullptr.
  hmx_ring_t* ring_header(int d, uint32_t aport, DomainId partner) {
    struct Find {
      uint32_t aport;
      DomainId partner;
      const std::byte* header = nullptr;
    } find{aport, partner};
    core.visit_rings(
        kDom[d],
        [](void* ctx, const RingInfo& info, const std::byte* const* frames, uint32_t n) {
          auto* f = static_cast<Find*>(ctx);
          if (info.aport == f->aport && info.partner == f->partner && n > 0) f->header = frames[0];
        },
        &find);
    return reinterpret_cast<hmx_ring_t*>(const_cast<std::byte*>(find.header));
  }
  // Pages of domain d the core may write on its own (not as the caller's output): its rings'
  // frames and its event page.
  std::array<bool, kPages> writable_pages(int d) {
    std::array<bool, kPages> pages{};
    struct Ctx {
      std::array<bool, kPages>* pages;
      const std::byte* base;
    } ctx{&pages, mem[d]->data()};
    core.visit_rings(
        kDom[d],
        [](void* c, const RingInfo&, const std::byte* const* frames, uint32_t n) {
          auto* x = static_cast<Ctx*>(c);
          for (uint32_t i = 0; i < n; ++i) {
            const auto page = static_cast<uint64_t>(frames[i] - x->base) / 4096;
            if (page < kPages) (*x->pages)[page] = true;
          }
        },
        &ctx);
    uint64_t ev = 0;
    if (core.get_event_page(kDom[d], &ev) == 0 && (ev & 1) != 0 && (ev >> 12) < kPages) pages[ev >> 12] = true;
    return pages;
  }
};

World::~World() {
  counters.budget_stops.fetch_add(core.stats().budget_stops, std::memory_order_relaxed);
  counters.queue_entries.fetch_add(core.stats().submit_entries, std::memory_order_relaxed);
}

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

int64_t run_call_at(World& w, int d, uint32_t vcpu, const hmx_call_block_t& blk, uint64_t at) {
  w.poke(d, at, &blk, sizeof(blk));
  const int64_t rc = w.core.call(kDom[d], vcpu, at);
  check_result(rc);
  return rc;
}
int64_t run_call(World& w, int d, uint32_t vcpu, const hmx_call_block_t& blk) {
  return run_call_at(w, d, vcpu, blk, kBlock);
}

void step_call(World& w, Script& s, bool argo, int d) {
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

int64_t register_ring(World& w, int d, uint32_t aport, DomainId partner, uint32_t len,
                      uint64_t npages, uint8_t frames, uint8_t flags, uint64_t at = kBlock) {
  // Frames: a start page and a stride (0 aliases every frame onto one page).
  thread_local uint64_t gfns[HMX_MAX_RING_PAGES];
  const uint64_t n = npages > HMX_MAX_RING_PAGES ? HMX_MAX_RING_PAGES : npages;
  for (uint64_t i = 0; i < n; ++i) gfns[i] = ((frames & 31) + i * (frames >> 5)) % kRingPages;
  w.poke(d, kGfns, gfns, n * 8);
  hmx_register_ring_t reg{aport, static_cast<uint16_t>(partner), 0, len};
  w.poke(d, kArgs + 1024, &reg, sizeof(reg));
  hmx_call_block_t blk{};
  blk.op = HMX_OP_REGISTER_RING;
  blk.arg[0] = kArgs + 1024;
  blk.arg[1] = kGfns;
  // flags byte: bit 0 FAIL_EXIST, bit 1 NOTIFY_VCPU, bits 3:2 the vCPU, bit 6 an undefined
  // flag, bit 7 a wrong frame count.
  blk.arg[2] = (flags & 0x80) ? npages + 1 : npages;
  blk.arg[3] = (flags & 0x3) | (uint64_t{(flags >> 2) & 0x3u} << HMX_REGISTER_FLAG_VCPU_SHIFT) |
               ((flags & 0x40) ? 0x4 : 0);
  return run_call_at(w, d, 0, blk, at);
}

void step_register(World& w, Script& s, int d) {
  const uint32_t aport = s.u8();
  const DomainId partner = partner_of(s.u8());
  const uint16_t len16 = s.u16();
  const uint8_t frames = s.u8();
  const uint8_t flags = s.u8();
  // Bit 5: a ring near the largest (up to MAX_RING_PAGES frames, aliased onto the ring pages).
  const uint32_t len = (flags & 0x20) ? HMX_MAX_RING_LEN - 16u * (len16 % 4096) : len16;
  const uint64_t npages = (((uint64_t{len} + 15) & ~15ull) + 64 + 4095) / 4096;
  register_ring(w, d, aport, partner, len, npages, frames, flags);
}

int64_t unregister_ring(World& w, int d, uint32_t aport, DomainId partner, uint16_t pad,
                        uint32_t vcpu = 0, uint64_t at = kBlock) {
  hmx_unregister_ring_t unreg{aport, static_cast<uint16_t>(partner), pad};
  w.poke(d, at + 512, &unreg, sizeof(unreg));
  hmx_call_block_t blk{};
  blk.op = HMX_OP_UNREGISTER_RING;
  blk.arg[0] = at + 512;
  return run_call_at(w, d, vcpu, blk, at);
}

int64_t send(World& w, int d, DomainId dst, uint32_t aport, const hmx_iov_t* iovs, uint32_t niov,
             uint32_t type, uint32_t vcpu = 1, uint64_t args = kArgs, uint64_t at = kBlock) {
  hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {aport, static_cast<uint16_t>(dst), 0}};
  w.poke(d, args, iovs, niov * sizeof(hmx_iov_t));
  w.poke(d, args + 512, &addr, sizeof(addr));
  hmx_call_block_t blk{};
  blk.op = HMX_OP_SENDV;
  blk.arg[0] = args + 512;
  blk.arg[1] = args;
  blk.arg[2] = niov;
  blk.arg[3] = type;
  return run_call_at(w, d, vcpu, blk, at);
}

// CROWD: kCrowd extra domains, each with a little memory, send to d1's wildcard ring until it is
// full; the waits beyond MAX_PENDING_PER_RING must be refused with EBUSY, never queued.
void step_crowd(World& w, Script& s) {
  static ArenaGuestMemory* arenas[kCrowd];
  const uint32_t aport = s.u8();
  const uint32_t len = s.u16() % (kCrowdMem - 64) + 1;
  if (!w.crowd) {
    for (int i = 0; i < kCrowd; ++i) {
      if (arenas[i] == nullptr) arenas[i] = new ArenaGuestMemory(kCrowdMem);
      std::memset(arenas[i]->data(), 0, kCrowdMem);
      const std::string name = "crowd-" + std::to_string(i);
      if (w.core.create_domain(kCrowdBase + i, name, *arenas[i], 1, w.notifier) != 0)
        violation("crowd domain not created", i);
    }
    w.crowd = true;
  }
  int busy = 0, waiting = 0;
  for (int i = 0; i < kCrowd; ++i) {
    ArenaGuestMemory& m = *arenas[i];
    const hmx_iov_t iov{64, len, 0};
    const hmx_send_addr_t addr{{0, HMX_DOMID_ANY, 0}, {aport, kDom[0], 0}};
    std::memcpy(m.data(), &iov, sizeof(iov));
    std::memcpy(m.data() + 32, &addr, sizeof(addr));
    const int64_t rc = w.core.argo_op(kCrowdBase + i, 0, HMX_OP_SENDV, 32, 0, 1, 0);
    check_result(rc);
    if (rc == -HMX_EBUSY) ++busy, ++counters.ebusy;
    if (rc == -HMX_EAGAIN) ++waiting;
  }
  // Each EAGAIN is a queued (or refreshed) wait of its own sender; EBUSY only when the list is full.
  if (waiting > static_cast<int>(HMX_MAX_PENDING_PER_RING)) violation("more waits queued than a ring holds", waiting);
  auto info = w.core.ring_info(kDom[0], aport, HMX_DOMID_ANY);
  if (busy > 0 && (!info || info->pending != HMX_MAX_PENDING_PER_RING))
    violation("EBUSY while the ring had a free waiting slot", busy);
}

// PARALLEL: d1 and d2 run their ops on two threads while this thread tears d2 down and creates it
// again; nothing may crash, every result stays in the defined set (checked on each thread).
void step_parallel(World& w, Script& s) {
  const int rounds = s.u8() % 8 + 1;
  struct Op {
    uint8_t op, aport;
    uint16_t len;
  } ops[8];
  for (auto& o : ops) o = {s.u8(), s.u8(), s.u16()};
  std::atomic<bool> stop{false};
  auto worker = [&](int d) {
    const uint64_t at = kThreadBlock[d];
    const uint64_t args = at + 1024;
    for (int iter = 0; !stop.load(std::memory_order_relaxed) || iter < 8; ++iter) {
      const Op& o = ops[(iter + d * 3) % 8];
      const DomainId other = kDom[1 - d];
      switch (o.op % 4) {
        case 0: {
          const uint32_t len = 48 + (o.len % 256) * 16;
          register_ring(w, d, o.aport % 4, other, len, (len + 64 + 4095) / 4096, 8 + d, 0, at);
          break;
        }
        case 1: unregister_ring(w, d, o.aport % 4, other, 0, 1, at); break;
        case 2: {
          const hmx_iov_t iov{0, o.len % 4000u, 0};
          send(w, d, other, o.aport % 4, &iov, 1, o.len, 1, args, at);
          break;
        }
        default: {
          hmx_call_block_t blk{};
          blk.op = HMX_OP_NULL;
          run_call_at(w, d, 0, blk, at);
          break;
        }
      }
      if (iter > 4096) break;
    }
  };
  std::thread t1(worker, 0), t2(worker, 1);
  for (int r = 0; r < rounds; ++r) {
    w.core.destroy_domain(kDom[1]);
    w.core.create_domain(kDom[1], "d2", *w.mem[1], kVcpus, w.notifier, true);
  }
  stop = true;
  t1.join();
  t2.join();
}

// POLICY: the rules a host administrator writes (text) or a monitor loads (a compiled table),
// never a guest's; fuzzed here too because one corrupt file must not take a monitor down.
void step_policy(Script& s) {
  const uint8_t kind = s.u8();
  std::string bytes(s.u16() % 2048, '\0');
  for (char& c : bytes) c = static_cast<char>(s.u8());
  Policy p;
  uint64_t logged = 0;
  p.set_log_sink([](void* ctx, std::string_view) { ++*static_cast<uint64_t*>(ctx); }, &logged);
  p.set_log_rate(kind, 2);
  std::string error;
  const bool loaded = (kind & 1) ? p.load_table(std::as_bytes(std::span(bytes.data(), bytes.size())))
                                 : p.load_text(bytes, &error, "fuzz");
  if (!loaded && p.rule_count() != 0) violation("a refused policy left rules", static_cast<int64_t>(p.rule_count()));
  static const PolicySubject subjects[] = {{1, "d1"}, {2, "d2"}, {100, "crowd-1"}, {7, "web-x"}};
  int denied = 0;
  for (const auto& a : subjects)
    for (const auto& b : subjects) {
      for (const int rc : {p.send(a, b, kind), p.register_single_source(a, b, kind), p.register_any_source(a, kind)}) {
        if (rc != 0 && rc != -HMX_EACCES && rc != -HMX_EPERM) violation("policy answer outside the defined set", rc);
        denied += rc != 0;
      }
      (void)p.evaluate(PolicyHook::kSend, a.name, b.name);
    }
  if (p.denials() != static_cast<uint64_t>(denied)) violation("denials miscounted", static_cast<int64_t>(p.denials()));
  (void)p.denial_table();
  p.reset_counters();
}

// ARENA: the first-fit allocator a bare-metal monitor's Platform serves the core's rings from.
void step_arena(Script& s) {
  alignas(4096) static std::byte region[64 * 1024];
  RegionArena arena(region, sizeof region);
  const size_t total = arena.bytes_total();
  std::vector<std::pair<std::byte*, size_t>> live;
  const int n = s.u8();
  for (int i = 0; i < n; ++i) {
    const uint8_t kind = s.u8();
    const size_t size = s.u16();
    const size_t align = size_t{1} << (s.u8() % 13);
    if ((kind & 3) == 0 && !live.empty()) {
      const size_t k = kind % live.size();
      arena.deallocate(live[k].first);
      live.erase(live.begin() + static_cast<long>(k));
      continue;
    }
    auto* p = static_cast<std::byte*>(arena.allocate(size, align));
    if (p == nullptr) continue;
    if (p < region || p + size > region + sizeof region) violation("arena block outside the region", size);
    if (reinterpret_cast<uintptr_t>(p) % align != 0) violation("arena block misaligned", static_cast<int64_t>(align));
    for (const auto& [q, qn] : live)
      if (p < q + qn && q < p + size) violation("arena blocks overlap", size);
    live.emplace_back(p, size);
  }
  for (const auto& [q, qn] : live) arena.deallocate(q);
  if (arena.bytes_free() != total || arena.free_blocks() != 1) violation("arena did not coalesce", arena.free_blocks());
}

// The state the checks compare against, taken before a step.
struct Before {
  uint64_t vectors[3][kVcpus];
  std::array<bool, kPages> writable[3];
};

Before observe(World& w) {
  Before b{};
  for (int d = 0; d < 3; ++d) {
    for (uint32_t v = 0; v < kVcpus; ++v) {
      b.vectors[d][v] = HMX_MSR_VECTOR_RESET;
      (void)w.core.get_vector(kDom[d], v, &b.vectors[d][v]);
    }
    b.writable[d] = w.writable_pages(d);
  }
  return b;
}

bool unmasked_vector_is(uint64_t reg, uint8_t vector) {
  return ((reg >> HMX_MSR_VECTOR_MASKED_SHIFT) & 1) == 0 && (reg & 0xFF) == vector;
}

// Every interrupt of the step: an existing domain with HMX, a vCPU it has, the vector its
// register held before or holds after the step; for a SEND, only the destination.
void check_interrupts(World& w, const Before& before, int kind, DomainId send_dst) {
  for (const auto& r : w.notifier.take()) {
    int d = -1;
    for (int i = 0; i < 2; ++i)
      if (r.dom == kDom[i]) d = i;
    if (d < 0) violation("interrupt for a domain that cannot have an unmasked vector", r.dom);
    if (r.vcpu >= kVcpus) violation("interrupt for a vCPU the domain does not have", r.vcpu);
    uint64_t now = HMX_MSR_VECTOR_RESET;
    (void)w.core.get_vector(r.dom, r.vcpu, &now);
    if (!unmasked_vector_is(before.vectors[d][r.vcpu], r.vector) && !unmasked_vector_is(now, r.vector))
      violation("interrupt with a vector the register never held", r.vector);
    if (kind == 4 && r.dom != send_dst) violation("a send interrupted a domain other than its destination", r.dom);
    if (kind == 0 || kind == 6 || kind == 13 || kind == 14) violation("an interrupt without a call", r.dom);
  }
}

// No byte of a non-caller domain changed outside the pages the core may write for it (before or
// after the step); the shadow copies then follow the memory.
void check_writes(World& w, const Before& before, int caller) {
  for (int d = 0; d < 3; ++d) {
    std::byte* mem = w.mem[d]->data();
    std::byte* shadow = w.shadow[d].data();
    const std::array<bool, kPages> after = w.writable_pages(d);
    for (uint64_t p = 0; p < kPages; ++p) {
      const uint64_t off = p * 4096;
      if (d != caller && !before.writable[d][p] && !after[p] && std::memcmp(mem + off, shadow + off, 4096) != 0)
        violation("the core wrote into a domain's memory outside its rings and event page",
                  static_cast<int64_t>(d * 1000 + p));
      std::memcpy(shadow + off, mem + off, 4096);
    }
  }
}

// A message the core delivered, read back from the destination ring: the header names the real
// sender, its length and type, and the payload is the sender's bytes (nothing lost or torn).
struct Delivery {
  bool watch = false;
  uint32_t tx = 0, len = 0;
  std::vector<const std::byte*> frames;
  std::vector<std::byte> payload;

  void read(uint32_t at, void* dst, uint32_t n) const {
    auto* out = static_cast<std::byte*>(dst);
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t abs = 64 + uint64_t{(at + i) % len};
      out[i] = frames[abs / 4096][abs % 4096];
    }
  }
};

Delivery watch_send(World& w, int sender, DomainId dst, uint32_t aport, const hmx_iov_t* iovs, uint32_t niov) {
  Delivery d;
  int dst_index = -1;
  for (int i = 0; i < 3; ++i)
    if (kDom[i] == dst) dst_index = i;
  if (dst_index < 0 || dst_index == sender) return d;  // a self-send may copy from its own ring
  struct Find {
    uint32_t aport;
    DomainId sender;
    Delivery* d;
    int rank = 0;
  } find{aport, kDom[sender], &d};
  w.core.visit_rings(
      dst,
      [](void* ctx, const RingInfo& info, const std::byte* const* frames, uint32_t n) {
        auto* f = static_cast<Find*>(ctx);
        const int rank = info.aport != f->aport ? 0 : info.partner == f->sender ? 2 : info.partner == HMX_DOMID_ANY ? 1 : 0;
        if (rank <= f->rank) return;
        f->rank = rank;
        f->d->tx = info.tx_ptr;
        f->d->len = info.len;
        f->d->frames.assign(frames, frames + n);
      },
      &find);
  if (find.rank == 0) return d;
  // Frames aliasing one another overwrite their own bytes: such a ring cannot be read back.
  std::vector<const std::byte*> sorted = d.frames;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return d;
  for (uint32_t i = 0; i < niov; ++i)
    for (uint32_t b = 0; b < iovs[i].iov_len; ++b) d.payload.push_back(*w.host(sender, iovs[i].iov_hnd + b));
  d.watch = true;
  return d;
}

void check_delivery(const Delivery& d, int64_t rc, DomainId sender, uint32_t type) {
  if (!d.watch || rc < 0) return;
  if (static_cast<uint64_t>(rc) != d.payload.size()) violation("torn message: sendv's count is not the payload's", rc);
  hmx_ring_message_header_t h;
  d.read(d.tx, &h, sizeof h);
  if (h.len != rc + 16 || h.source.domain_id != sender || h.message_type != type)
    violation("torn message: header", h.len);
  std::vector<std::byte> got(d.payload.size());
  d.read(d.tx + 16, got.data(), static_cast<uint32_t>(got.size()));
  if (got != d.payload) violation("torn message: payload", rc);
  counters.messages_checked.fetch_add(1, std::memory_order_relaxed);
}

// QUEUE: a submission queue the script fills, with a hostile producer or consumer half the time.
void step_queue(World& w, Script& s, int d) {
  const uint32_t entries = 1u << (s.u8() % 6);
  const uint32_t flags = s.u8() % 4;  // bit 1 is undefined: EINVAL
  const uint8_t nent = s.u8() % 40;
  hmx_submit_queue_header_t header{};
  w.poke(d, kQueue, &header, sizeof(header));
  hmx_call_block_t blk{};
  blk.op = HMX_OP_SET_SUBMIT_QUEUE;
  blk.arg[0] = kQueue;
  blk.arg[1] = entries;
  blk.arg[2] = flags;
  const int64_t registered = run_call(w, d, 0, blk);
  for (uint32_t i = 0; i < nent; ++i) {
    hmx_call_block_t e{};
    e.op = op_of(s);
    for (auto& a : e.arg) a = arg_of(s);
    w.poke(d, kQueue + HMX_SUBMIT_HEADER_SIZE + (i % entries) * sizeof(e), &e, sizeof(e));
  }
  const uint8_t mode = s.u8();
  const uint32_t value = s.u32();
  header.producer = (mode & 1) != 0 ? value : std::min<uint32_t>(nent, entries);
  header.consumer = (mode & 2) != 0 ? value : 0;
  w.poke(d, kQueue, &header, sizeof(header));
  blk = hmx_call_block_t{};
  blk.op = HMX_OP_SUBMIT;
  const int64_t rc = run_call(w, d, s.u8() % 2, blk);
  if (registered == 0 && rc > static_cast<int64_t>(entries)) violation("a drain ran more entries than the queue holds", rc);
  if ((mode & 4) != 0) {
    blk = hmx_call_block_t{};
    blk.op = HMX_OP_SET_SUBMIT_QUEUE;
    (void)run_call(w, d, 0, blk);
  }
}

void step(World& w, Script& s) {
  const int kind = s.u8() % 16;
  // The caller of the step: its own memory may change anywhere it points the core to.
  int caller = -1;
  DomainId send_dst = 0;
  const Before before = observe(w);
  switch (kind) {
    case 0: {
      caller = dom_of(s);
      const uint16_t off = s.u16();
      const uint8_t n = s.u8();
      for (int i = 0; i < n; ++i) *w.host(caller, uint64_t{off} + i) = std::byte{s.u8()};
      break;
    }
    case 1:
    case 2:
      caller = dom_of(s);
      step_call(w, s, /*argo=*/kind == 2, caller);
      break;
    case 3:
      caller = dom_of(s);
      step_register(w, s, caller);
      break;
    case 4: {
      caller = dom_of(s);
      send_dst = partner_of(s.u8());
      const uint32_t aport = s.u8();
      const uint8_t niov = s.u8() % 10;
      hmx_iov_t iovs[10];
      for (int i = 0; i < niov; ++i) {
        const uint16_t off = s.u16();
        iovs[i] = {off, s.u16(), 0};
      }
      const uint32_t type = s.u32();
      const Delivery d = watch_send(w, caller, send_dst, aport, iovs, niov);
      const int64_t rc = send(w, caller, send_dst, aport, iovs, niov, type);
      if (rc == -HMX_EAGAIN) counters.eagain.fetch_add(1, std::memory_order_relaxed);
      check_delivery(d, rc, kDom[caller], type);
      break;
    }
    case 5: {
      caller = dom_of(s);
      const uint8_t count = s.u8() % 70;
      const uint8_t flags = s.u8() % 4;
      for (int i = 0; i < count; ++i) {
        hmx_call_block_t e{};
        e.op = op_of(s);
        for (auto& a : e.arg) a = arg_of(s);
        w.poke(caller, kArgs + 2048 + i * sizeof(e), &e, sizeof(e));
      }
      hmx_call_block_t blk{};
      blk.op = HMX_OP_BATCH;
      blk.arg[0] = kArgs + 2048;
      blk.arg[1] = count;
      blk.arg[2] = flags;
      const int64_t rc = run_call(w, caller, 0, blk);
      if (rc > count) violation("batch ran more entries than given", rc);
      break;
    }
    case 6: {
      caller = dom_of(s);
      const uint32_t aport = s.u8();
      const DomainId partner = partner_of(s.u8());
      const uint8_t mode = s.u8();
      const uint32_t value = s.u32();
      if (hmx_ring_t* hdr = w.ring_header(caller, aport, partner)) {
        if (mode % 3 == 0) hdr->rx_ptr = hdr->tx_ptr;  // consume everything
        else if (mode % 3 == 1) hdr->rx_ptr = value;   // hostile rx_ptr
        else hdr->tx_ptr = value;                      // tx_ptr is ignored by the core
      }
      break;
    }
    case 7: {
      caller = dom_of(s);
      const uint8_t nent = s.u8();
      hmx_ring_data_t head{nent, 0};
      w.poke(caller, kArgs, &head, sizeof(head));
      for (int i = 0; i < nent; ++i) {
        hmx_ring_data_ent_t e{};
        e.ring.domain_id = partner_of(s.u8());
        e.ring.aport = s.u8();
        e.space_required = s.u16();
        w.poke(caller, kArgs + 8 + i * sizeof(e), &e, sizeof(e));
      }
      hmx_call_block_t blk{};
      blk.op = HMX_OP_NOTIFY;
      blk.arg[0] = kArgs;
      run_call(w, caller, 0, blk);
      break;
    }
    case 8: {
      caller = dom_of(s);
      const uint32_t vcpu = s.u8() % 3;
      const uint64_t vector = s.u64();
      const uint64_t page = (uint64_t{s.u16()} << 12) | (s.u8() & 1);
      check_result(w.core.set_vector(kDom[caller], vcpu, vector));
      check_result(w.core.set_event_page(kDom[caller], page));
      break;
    }
    case 9:
      caller = 1;  // d2's memory starts over
      w.core.destroy_domain(kDom[1]);
      w.spawn(1);
      break;
    case 10: {
      caller = dom_of(s);
      const uint32_t aport = s.u8();
      const DomainId partner = partner_of(s.u8());
      hmx_ring_t* hdr = w.ring_header(caller, aport, partner);
      const uint16_t pad = (s.u8() & 0x80) ? 1 : 0;
      const int64_t rc = unregister_ring(w, caller, aport, partner, pad);
      if (rc == 0 && hdr == nullptr) violation("unregistered a ring that was not registered", aport);
      if (rc == 0 && w.ring_header(caller, aport, partner) != nullptr) violation("ring still live after unregister", aport);
      break;
    }
    case 11:
      caller = 0;  // wakes d1's waiters: the crowd's memory is not watched
      step_crowd(w, s);
      break;
    case 13:
      step_policy(s);
      break;
    case 14:
      step_arena(s);
      break;
    case 15:
      caller = dom_of(s);
      step_queue(w, s, caller);
      break;
    default:
      step_parallel(w, s);
      // Both domains ran calls and d2 started over: every page may have changed.
      (void)w.notifier.take();
      for (int d = 0; d < 3; ++d) std::memcpy(w.shadow[d].data(), w.mem[d]->data(), kMem);
      return;
  }
  check_interrupts(w, before, kind, send_dst);
  check_writes(w, before, caller);
}

void check_rings(World& w) {
  for (int d = 0; d < 3; ++d) {
    w.core.visit_rings(
        kDom[d],
        [](void*, const RingInfo& info, const std::byte* const*, uint32_t n) {
          if (info.tx_ptr >= info.len || info.tx_ptr % 16 != 0) violation("tx_ptr out of the ring", info.tx_ptr);
          if (info.pending > HMX_MAX_PENDING_PER_RING) violation("too many waiters", info.pending);
          if (info.event_index >= HMX_MAX_RINGS_PER_DOMAIN) violation("event index", info.event_index);
          if (n > HMX_MAX_RING_PAGES || info.len > HMX_MAX_RING_LEN) violation("ring larger than the maximum", n);
        },
        nullptr);
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
