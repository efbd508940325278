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
//                picks; flags bit 5: len counts down from MAX_RING_LEN (up to MAX_RING_PAGES frames);
//                bit 6: REGISTER_FLAG_EVENT_IDX, bit 4: an undefined flag (register_ring)
//   4 SEND       dom dst u8:aport u8:niov (u16:off u16:len)*niov u32:type
//   5 BATCH      dom u8:count u8:flags (op arg*4)*count
//   6 RX         dom u8:aport partner u8:mode u32:value  consume (mode 0) or scribble rx_ptr/tx_ptr;
//                mode 0xC0..: rx_event (spec event-idx) some messages ahead or any value
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
// Command bytes 0xF0..0xFF select (byte & 15) % 5 of the commands below (spec exposures):
//  16 EXPOSE     dom u8:peer u8:access u8:mode u8:uses u16:off u32:len u8:vcpu   the range and its
//                length as mode picks them (in RAM, to its end, near 2^64, MAX_BYTES), pad, a
//                nonzero arg, the structure outside RAM, a pattern filled in the range
//  17 FETCH / 18 DEPOSIT  dom u8:handle u8:owner u8:mode u16:off u16:len u16:buf u8:via u8:count
//                a model handle, mutated or guessed; the offset near 2^64 or past the range; run
//                alone, in a batch or a submission queue of count, or on Argo's conduit
//  19 REVOKE     dom u8:handle u8:mode   mode bit 1: the peer fetches on a thread meanwhile
//  20 OFFER      u8:bits   EXPOSE / EVENT_IDX / SUBMIT_QUEUE withdrawn or offered again, and a
//                domain's adapter memory mapped whole, by page, or by page with a hole
// An op byte picks Argo's ops and the HMX ones below 20 (mod 8), 0xE0..0xEF the queue and
// exposure ops and unknown numbers, 0xF0.. itself.
// An arg is a kind byte then: 0 u8 small | 1 u16 offset into the domain's memory | 2 u64 raw |
// 3 u8 index into a table of special values.
//
// After every step the harness checks, besides the sanitizers: results are in the defined set;
// ring state is within the spec's limits; every interrupt went to an existing domain with HMX,
// to a vCPU it has, with the vector its register holds (and, for a SEND, only to the
// destination); and no byte of another domain's memory changed outside its rings' frames and its
// event page (the caller's own memory is exempt: the core writes results where it names); a send
// rx_event moderated raised no interrupt. Exposures (exposure_model.h): every answer of a
// structured expose, fetch, deposit and revoke is the one the spec's tables give for the model's
// state; a fetch returns exactly the bytes of the range at its offset; a deposit changes the
// owner's memory only inside the range; an ended, revoked or used-up handle answers ENOENT and is
// never issued again; the live exposures and byte accounts equal the model's after every step.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
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
#include "exposure_model.h"

using namespace hmx::ref;
using hmx_fuzz::ExposureModel;
using hmx_fuzz::ModelExposure;

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
  std::atomic<uint64_t> messages_checked{0}, ebusy{0}, eagain{0}, budget_stops{0}, queue_entries{0},
      copies_checked{0}, revoke_races{0}, moderated{0};
  ~Counters() {
    __builtin_printf("core_fuzz counters: messages_checked=%llu ebusy=%llu eagain=%llu budget_stops=%llu queue_entries=%llu "
                     "exposure_copies_checked=%llu revoke_races=%llu interrupts_moderated=%llu\n",
                     static_cast<unsigned long long>(messages_checked.load()),
                     static_cast<unsigned long long>(ebusy.load()),
                     static_cast<unsigned long long>(eagain.load()),
                     static_cast<unsigned long long>(budget_stops.load()),
                     static_cast<unsigned long long>(queue_entries.load()),
                     static_cast<unsigned long long>(copies_checked.load()),
                     static_cast<unsigned long long>(revoke_races.load()),
                     static_cast<unsigned long long>(moderated.load()));
  }
} counters;

[[noreturn]] void violation(const char* what, int64_t value) {
  std::fprintf(stderr, "core_fuzz: invariant violated: %s (%lld)\n", what, static_cast<long long>(value));
  std::abort();
}

// The results an op may give: an error of the defined set, or up to a message's size; an expose
// a handle (any positive value), a fetch or deposit up to CALL_BYTE_BUDGET.
void check_result(int64_t rc, uint32_t op = 0) {
  if (rc > 0 && op == HMX_OP_EXPOSE) return;
  if (rc > 0 && (op == HMX_OP_FETCH || op == HMX_OP_DEPOSIT)) {
    if (rc > HMX_CALL_BYTE_BUDGET) violation("a copy larger than CALL_BYTE_BUDGET", rc);
    return;
  }
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
  void submit_called(DomainId dom) override {
    if (dom != kDom[0] && dom != kDom[1]) violation("the submit doorbell rang for a domain without a queue", dom);
    submit_doorbells.fetch_add(1, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> submit_doorbells{0};
  std::vector<Raise> take() {
    std::lock_guard lock(mu_);
    return std::exchange(raised_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Raise> raised_;
};

// A domain's guest memory as its adapter maps it: the arena in one piece, or (OFFER) an adapter
// that maps no range across a 4 KiB boundary (the core's piecewise copies), optionally with one
// page that is not RAM (kHolePage: ranges across it fault). The host bytes are the arena's.
constexpr uint64_t kHolePage = kRingPages - 1;
class AdapterMemory final : public GuestMemory {
 public:
  explicit AdapterMemory(ArenaGuestMemory& arena) : arena_(arena) {}
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override {
    const int mode = mode_.load(std::memory_order_relaxed);
    if (mode != 0 && len != 0 && (gpa % 4096) + len > 4096) return {};
    if (mode == 2 && gpa / 4096 == kHolePage) return {};
    return arena_.map(gpa, len);
  }
  void set_mode(int mode) { mode_.store(mode % 3, std::memory_order_relaxed); }

 private:
  ArenaGuestMemory& arena_;
  std::atomic<int> mode_{0};
};

struct World {
  Policy& policy = shared_policy();
  RecordingNotifier notifier;
  Core core{policy};
  ArenaGuestMemory* mem[3];
  AdapterMemory* view[3];
  std::vector<std::byte> shadow[3];  // each domain's memory as the harness last saw it
  bool crowd = false;
  ExposureModel exposures;
  // An exposure op ran outside the structured EXPOSE/FETCH/DEPOSIT/REVOKE steps (a raw CALL,
  // BATCH or QUEUE entry): the model no longer knows every live exposure, its predictions stop.
  bool model_lost = false;
  bool exposures_offered = true;

  World() {
    core.offer_submit_queue(true);  // QUEUE and the queue operations in CALL steps
    core.offer_event_idx(true);     // REGISTER_FLAG_EVENT_IDX and rx_event (spec event-idx)
    core.offer_exposures(true);     // EXPOSE/FETCH/DEPOSIT/REVOKE (spec exposures)
    for (int d = 0; d < 3; ++d) spawn(d);
  }
  ~World();
  void spawn(int d) {
    // Guest RAM is allocated once and zeroed per domain life: fresh mappings every run would
    // spend the fuzzer's time in mmap and page faults.
    static ArenaGuestMemory* arenas[3] = {new ArenaGuestMemory(kMem), new ArenaGuestMemory(kMem),
                                          new ArenaGuestMemory(kMem)};
    static AdapterMemory* views[3] = {new AdapterMemory(*arenas[0]), new AdapterMemory(*arenas[1]),
                                      new AdapterMemory(*arenas[2])};
    static const char* const names[3] = {"d1", "d2", "d3"};
    mem[d] = arenas[d];
    view[d] = views[d];
    view[d]->set_mode(0);
    std::memset(mem[d]->data(), 0, kMem);
    shadow[d].assign(kMem, std::byte{0});
    core.create_domain(kDom[d], names[d], *view[d], kVcpus, notifier, /*hmx_enabled=*/d != 2);
  }
  // d2 destroyed (and, by the caller, created again): the model follows (HMX-XPOSE-034).
  void destroyed_d2() { exposures.destroyed(kDom[1]); }
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
  counters.moderated.fetch_add(core.stats().interrupts_moderated, std::memory_order_relaxed);
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
  // 0xE0..0xEF: the HMX ops beyond Argo's and the vector's (the queue, exposures) and unknown
  // numbers; 0xF0..0xFF: the byte itself (unknown).
  static const uint32_t more[] = {HMX_OP_SET_SUBMIT_QUEUE, HMX_OP_SUBMIT, HMX_OP_EXPOSE, HMX_OP_FETCH,
                                  HMX_OP_DEPOSIT, HMX_OP_REVOKE, 0, 5, 15, 26, 27, 0x7FFFFFFF,
                                  HMX_OP_FETCH, HMX_OP_DEPOSIT, HMX_OP_EXPOSE, HMX_OP_REVOKE};
  const uint8_t v = s.u8();
  if (v >= 0xE0 && v < 0xF0) return more[v - 0xE0];
  return v < 0xF0 ? ops[v % 8] : v;
}

int64_t run_call_at(World& w, int d, uint32_t vcpu, const hmx_call_block_t& blk, uint64_t at) {
  w.poke(d, at, &blk, sizeof(blk));
  const int64_t rc = w.core.call(kDom[d], vcpu, at);
  check_result(rc, blk.op);
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
    check_result(w.core.call(kDom[d], vcpu, kBlock), blk.op);
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
  // flags byte: bit 0 FAIL_EXIST, bit 1 NOTIFY_VCPU, bits 3:2 the vCPU, bit 4 an undefined
  // flag, bit 6 EVENT_IDX (offered unless OFFER took it away: EINVAL, HMX-EVENT-041), bit 7 a
  // wrong frame count.
  blk.arg[2] = (flags & 0x80) ? npages + 1 : npages;
  blk.arg[3] = (flags & 0x3) | (uint64_t{(flags >> 2) & 0x3u} << HMX_REGISTER_FLAG_VCPU_SHIFT) |
               ((flags & 0x40) ? HMX_REGISTER_FLAG_EVENT_IDX : 0) | ((flags & 0x10) ? 0x8 : 0);
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
    w.core.create_domain(kDom[1], "d2", *w.view[1], kVcpus, w.notifier, true);
  }
  stop = true;
  t1.join();
  t2.join();
  w.destroyed_d2();
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
  // Per hook and per pair, the same denials.
  uint64_t by_hook = 0, by_pair = 0;
  for (const auto hook : {PolicyHook::kSend, PolicyHook::kRegisterSingleSource, PolicyHook::kRegisterAnySource}) {
    by_hook += p.denials(hook);
    for (const auto& a : subjects)
      for (const auto& b : subjects) by_pair += p.denials(hook, a.id, b.id);
  }
  if (by_hook != p.denials()) violation("denials per hook do not add up", static_cast<int64_t>(by_hook));
  if (by_pair > p.denials()) violation("denials per pair exceed the total", static_cast<int64_t>(by_pair));
  if ((kind & 0x80) != 0) {
    // A policy file that is not there: refused, the rules kept.
    const size_t rules = p.rule_count();
    if (p.load_file("/nonexistent/hmx-core-fuzz.policy", &error) || p.rule_count() != rules)
      violation("a missing policy file was loaded", static_cast<int64_t>(p.rule_count()));
  }
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
  uint64_t deposited_into[3];  // bytes peers deposited into the domain's exposures
  uint64_t moderated;          // CoreStats::interrupts_moderated
};

Before observe(World& w) {
  Before b{};
  for (int d = 0; d < 3; ++d) {
    for (uint32_t v = 0; v < kVcpus; ++v) {
      b.vectors[d][v] = HMX_MSR_VECTOR_RESET;
      (void)w.core.get_vector(kDom[d], v, &b.vectors[d][v]);
    }
    b.writable[d] = w.writable_pages(d);
    const auto st = w.core.exposure_stats(kDom[d]);
    b.deposited_into[d] = st ? st->bytes_deposited_into : 0;
  }
  b.moderated = w.core.stats().interrupts_moderated;
  return b;
}

bool unmasked_vector_is(uint64_t reg, uint8_t vector) {
  return ((reg >> HMX_MSR_VECTOR_MASKED_SHIFT) & 1) == 0 && (reg & 0xFF) == vector;
}

// Every interrupt of the step: an existing domain with HMX, a vCPU it has, the vector its
// register held before or holds after the step; for a SEND, only the destination.
void check_interrupts(World& w, const Before& before, int kind, DomainId send_dst, bool moderated) {
  for (const auto& r : w.notifier.take()) {
    if (moderated) violation("a send rx_event moderated raised an interrupt", r.dom);
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
    if (kind == 0 || kind == 6 || kind == 13 || kind == 14 || kind == 20) violation("an interrupt without a call", r.dom);
    if (kind >= 16 && kind <= 19) violation("an exposure op raised an interrupt", r.dom);
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
  const uint8_t vcpu = s.u8();
  int64_t rc;
  if ((mode & 8) != 0) {
    // A host worker polls the queue (spec submit-queue-polling): begin, one drain, end (which
    // drains what raced in); bit 4 leaves it polling, so later registrations and submit calls
    // see a polled queue.
    const int begin = w.core.submit_poll_begin(kDom[d]);
    if (begin != 0 && begin != -HMX_ENODEV) violation("submit_poll_begin of a live domain", begin);
    rc = w.core.submit_poll(kDom[d]);
    check_result(rc);
    if ((mode & 0x10) == 0) {
      const int64_t end = w.core.submit_poll_end(kDom[d]);
      check_result(end);
      if (registered == 0 && end > static_cast<int64_t>(entries)) violation("a polled drain ran more entries than the queue holds", end);
    }
    if (vcpu & 0x80) (void)run_call(w, d, vcpu % 2, blk);  // a guest's submit meanwhile
  } else {
    rc = run_call(w, d, vcpu % 2, blk);
  }
  if (registered == 0 && rc > static_cast<int64_t>(entries)) violation("a drain ran more entries than the queue holds", rc);
  if ((mode & 4) != 0) {
    blk = hmx_call_block_t{};
    blk.op = HMX_OP_SET_SUBMIT_QUEUE;
    (void)run_call(w, d, 0, blk);
  }
}

// ---- Exposures (spec exposures, HMX-XPOSE-*): EXPOSE, FETCH, DEPOSIT, REVOKE ----------------
// Structured steps between d1..d3 (and the crowd as peers) with hostile handles, offsets near
// 2^64, lengths, peers, access bits and uses; each well-formed call's answer is predicted from the
// model (exposure_model.h) and checked, and so are the bytes: a fetch returns exactly the bytes of
// the exposed range at its offset, a deposit changes the owner's memory only inside it.
constexpr uint64_t kXArg = kArgs + 1536;  // the caller's expose / expose_copy structure
constexpr uint64_t kScratchEnd = kArgs;   // normal buffers lie below the harness's scratch

// The shared policy's send hook (shared_policy()): d1 <-> d2, the crowd -> d1, and any domain
// to itself (Policy::send).
bool send_allowed(World& w, DomainId src, DomainId dst) {
  if (src == dst) return true;
  if ((src == kDom[0] && dst == kDom[1]) || (src == kDom[1] && dst == kDom[0])) return true;
  return w.crowd && src >= kCrowdBase && src < kCrowdBase + kCrowd && dst == kDom[0];
}
bool domain_exists(World& w, DomainId id) {
  return id == kDom[0] || id == kDom[1] || id == kDom[2] || (w.crowd && id >= kCrowdBase && id < kCrowdBase + kCrowd);
}
int index_of(DomainId id) {
  for (int i = 0; i < 3; ++i)
    if (kDom[i] == id) return i;
  return -1;
}
uint8_t pattern_at(uint64_t gpa) { return static_cast<uint8_t>(gpa * 7 + (gpa >> 8) * 13 + 0x5A); }

DomainId expose_peer_of(uint8_t v) {
  switch (v % 8) {
    case 0: case 6: return kDom[0];
    case 1: case 7: return kDom[1];
    case 2: return kDom[2];                                // HMX not enabled: ECONNREFUSED
    case 3: return static_cast<DomainId>(kCrowdBase + (v >> 3) % kCrowd);  // WRITE only (policy)
    case 4: return (v & 8) ? HMX_DOMID_ANY : HMX_DOMID_SELF_ASSIGNED_LIMIT;
    default: return static_cast<DomainId>(v >> 3);     // 0..31: mostly nonexistent
  }
}

// The sum of both directions' accounting the model keeps, against the core's (HMX-XPOSE-035),
// and each domain's live exposures.
void check_exposure_accounts(World& w, int kind) {
  for (int d = 0; d < 2; ++d) {
    const auto st = w.core.exposure_stats(kDom[d]);
    if (!st) violation("no exposure accounting for a live domain", d);
    if (w.model_lost) continue;
    const auto& a = w.exposures.accounts(kDom[d]);
    const bool same = st->live == w.exposures.live_count(kDom[d]) && st->exposes == a.exposes &&
                      st->bytes_fetched_from == a.fetched_from && st->bytes_deposited_into == a.deposited_into &&
                      st->bytes_fetched == a.fetched && st->bytes_deposited == a.deposited;
    if (same) continue;
    // A raw CALL, BATCH or QUEUE may have run an exposure op the model did not see.
    if (kind == 1 || kind == 5 || kind == 15) {
      w.model_lost = true;
      continue;
    }
    violation("exposure accounting differs from the model (live, exposes or bytes)", d * 100 + kind);
  }
}

void expose_once(World& w, int d, uint32_t vcpu, const hmx_call_block_t& blk, const hmx_expose_t& x, uint64_t at,
                 bool extra);

// EXPOSE dom u8:peer u8:access u8:mode u8:uses u16:off u32:len u8:vcpu
void step_expose(World& w, Script& s, int d) {
  const DomainId peer = expose_peer_of(s.u8());
  const uint8_t abyte = s.u8();
  const uint16_t access = abyte < 0xF0 ? abyte % 4 : static_cast<uint16_t>(abyte << 4);
  const uint8_t mode = s.u8();
  const uint8_t ubyte = s.u8();
  const uint32_t uses = ubyte < 0xF0 ? ubyte % 6 : (ubyte == 0xFF ? 0xFFFFFFFFu : ubyte);
  const uint16_t off = s.u16();
  const uint32_t len32 = s.u32();
  uint64_t gpa;
  switch (mode & 3) {
    case 0: gpa = off % kScratchEnd; break;
    case 1: gpa = kMem - (off % 4096); break;  // up to the end of RAM, or past it
    case 2: gpa = ~0ull - off; break;          // near 2^64: gpa + len wraps
    default: gpa = uint64_t{off} << 40; break;
  }
  uint32_t len;
  switch ((mode >> 2) & 3) {
    case 0: len = len32 % 0x10000; break;
    case 1: len = len32; break;
    case 2: len = HMX_EXPOSE_MAX_BYTES + (len32 & 1); break;
    default: len = gpa < kMem ? static_cast<uint32_t>(kMem - gpa) : len32 % 0x10000; break;  // to the end of RAM
  }
  hmx_expose_t x{gpa, len, peer, access, uses, (mode & 0x10) ? 1u : 0u};
  const bool extra = (mode & 0x20) != 0;
  const bool fill = (mode & 0x40) != 0;
  const uint64_t at = (mode & 0x80) ? kMem - 8 : kXArg;  // the structure past the end of RAM
  if (fill && gpa < kScratchEnd) {
    // The owner's range and a little around it get bytes that differ at every offset, so a copy
    // from a wrong place shows.
    const uint64_t from = gpa > 64 ? gpa - 64 : 0;
    const uint64_t to = std::min<uint64_t>({kScratchEnd, gpa + uint64_t{len} + 64, from + 16384});
    for (uint64_t a = from; a < to; ++a) *w.host(d, a) = std::byte{pattern_at(a)};
  }
  w.poke(d, kXArg, &x, sizeof x);
  hmx_call_block_t blk{};
  blk.op = HMX_OP_EXPOSE;
  blk.arg[0] = at;
  blk.arg[3] = extra ? 1 : 0;
  // The vCPU byte's bit 7: the same expose up to 382 times (a full table: ENOSPC, HMX-XPOSE-012).
  const uint8_t vb = s.u8();
  const int repeat = (vb & 0x80) ? 1 + (vb & 0x7F) * 3 : 1;
  for (int i = 0; i < repeat; ++i) expose_once(w, d, vb % 2, blk, x, at, extra);
}

void expose_once(World& w, int d, uint32_t vcpu, const hmx_call_block_t& blk, const hmx_expose_t& x, uint64_t at,
                 bool extra) {
  const uint64_t gpa = x.gpa;
  const uint32_t len = x.len;
  const uint16_t access = x.access;
  const uint32_t uses = x.uses;
  const DomainId peer = x.peer_id;
  const uint32_t live_before = w.core.exposure_stats(kDom[d]) ? w.core.exposure_stats(kDom[d])->live : 0;
  const int64_t rc = run_call(w, d, vcpu, blk);
  // Expected: every row of the spec's expose table passes, in order (HMX-XPOSE-001..012).
  const bool ok = w.exposures_offered && !extra && at == kXArg && d != 2 && access != 0 &&
                  (access & ~HMX_EXPOSE_ACCESS_MASK) == 0 && len != 0 && len <= HMX_EXPOSE_MAX_BYTES &&
                  uses != 0 && x.pad == 0 && peer != kDom[d] && peer < HMX_DOMID_SELF_ASSIGNED_LIMIT &&
                  domain_exists(w, peer) && peer != kDom[2] &&
                  (!(access & HMX_EXPOSE_READ) || send_allowed(w, kDom[d], peer)) &&
                  (!(access & HMX_EXPOSE_WRITE) || send_allowed(w, peer, kDom[d])) &&
                  w.view[d]->contains(gpa, len) && live_before < HMX_EXPOSE_MAX_PER_DOMAIN;
  if (!w.exposures_offered && rc != -HMX_EOPNOTSUPP) violation("expose answered while EXPOSE is not offered", rc);
  if (rc > 0) {
    if (!ok && !w.model_lost) violation("expose accepted what its table refuses", rc);
    if (w.exposures.ended(kDom[d], static_cast<uint64_t>(rc)))
      violation("expose reissued the handle of an ended exposure (HMX-XPOSE-017)", rc);
    if (!w.exposures.add({kDom[d], peer, static_cast<uint64_t>(rc), gpa, len, uses, access, true}))
      violation("expose returned the handle of a live exposure", rc);
    ++w.exposures.accounts(kDom[d]).exposes;
  } else if (ok && !w.model_lost) {
    violation("expose refused a well-formed exposure", rc);
  }
  if (rc == 0) violation("expose returned handle 0", 0);
}

// A handle for FETCH/DEPOSIT/REVOKE: a model record's, mutated, or a guess.
struct Picked {
  uint64_t handle = 0;
  DomainId owner = 0;
  const ModelExposure* record = nullptr;
};
Picked pick_handle(World& w, Script& s, uint8_t sel) {
  const auto& recs = w.exposures.records();
  Picked p;
  if (sel < 0xE0 && !recs.empty()) {
    const ModelExposure& r = recs[(sel & 0x1F) % recs.size()];
    p = {r.handle, r.owner, &r};
    if (sel >= 0xC0) {
      static const uint64_t kGen = uint64_t{1} << 16;
      switch (sel & 7) {
        case 0: p.handle ^= 1; break;                                  // the neighbour slot
        case 1: p.handle += kGen; break;                               // the next generation
        case 2: p.handle |= uint64_t{1} << 63; break;                  // not a positive result
        case 3: p.handle &= 0xFFFF; break;                             // generation 0
        case 4: p.handle -= kGen; break;                               // the previous generation
        case 5: p.handle = (p.handle & ~0xFFFFull) | HMX_EXPOSE_MAX_PER_DOMAIN; break;  // past the table
        case 6: p.handle ^= uint64_t{1} << 40; break;
        default: break;
      }
      p.record = nullptr;
    }
    return p;
  }
  // Guesses: a first-generation handle of slot 0..7 (handles are not secrets), or raw values.
  switch (sel & 3) {
    case 0: p.handle = (uint64_t{1} << 16) | ((sel >> 2) & 7); break;
    case 1: p.handle = ~0ull; break;
    case 2: p.handle = s.u64(); break;
    default: p.handle = 0; break;
  }
  p.owner = kDom[(sel >> 5) & 1];
  return p;
}

// A fetch or deposit's answer as the spec's table gives it (op-fetch), when the model knows.
struct Predicted {
  bool known = false;
  bool stop = false;  // stopped by CALL_BYTE_BUDGET: the entry does not run
  int64_t rc = 0;
  ModelExposure* e = nullptr;
};
Predicted predict_copy(World& w, int d, const hmx_expose_copy_t& c, bool extra, bool struct_ok, bool fetch,
                       bool budget_applies, uint64_t copied) {
  Predicted p;
  p.known = true;
  const auto fail = [&](int e) {
    p.rc = -e;
    return p;
  };
  if (!w.exposures_offered) return fail(HMX_EOPNOTSUPP);
  if (w.model_lost) return Predicted{};
  if (extra) return fail(HMX_EINVAL);
  if (!struct_ok) return fail(HMX_EFAULT);
  if (c.pad != 0) return fail(HMX_EINVAL);
  if (d == 2) return fail(HMX_ENODEV);
  if (c.len == 0 || c.len > HMX_CALL_BYTE_BUDGET) return fail(HMX_EINVAL);
  if (budget_applies && copied + c.len > HMX_CALL_BYTE_BUDGET) {
    p.stop = true;
    return p;
  }
  if (!domain_exists(w, c.owner_id)) return fail(HMX_ESRCH);
  if (!(fetch ? send_allowed(w, c.owner_id, kDom[d]) : send_allowed(w, kDom[d], c.owner_id))) return fail(HMX_EACCES);
  ModelExposure* e = w.exposures.live(c.owner_id, c.handle);
  if (e == nullptr || e->peer != kDom[d]) return fail(HMX_ENOENT);
  if ((e->access & (fetch ? HMX_EXPOSE_READ : HMX_EXPOSE_WRITE)) == 0) return fail(HMX_EPERM);
  if (c.offset > e->len || c.len > e->len - c.offset) return fail(HMX_EINVAL);
  if (!w.view[d]->contains(c.gpa, c.len)) return fail(HMX_EFAULT);
  p.rc = c.len;
  p.e = e;
  return p;
}

// FETCH / DEPOSIT  dom u8:handle u8:owner u8:mode u16:off u16:len u16:buf u8:via u8:count
void step_copy(World& w, Script& s, int d, bool fetch) {
  const uint8_t hsel = s.u8();
  const uint8_t osel = s.u8();
  const uint8_t mode = s.u8();
  const uint16_t off = s.u16();
  const uint16_t len16 = s.u16();
  const uint16_t buf = s.u16();
  const uint8_t via = s.u8();
  const uint8_t count = s.u8();
  const Picked p = pick_handle(w, s, hsel);
  DomainId owner = p.owner;
  switch (osel % 8) {
    case 4: owner = kDom[0]; break;
    case 5: owner = kDom[1]; break;
    case 6: owner = kDom[2]; break;
    case 7: owner = static_cast<DomainId>(osel >> 3 == 3 ? kCrowdBase : osel); break;
    default: break;
  }
  const uint64_t L = p.record ? p.record->len : 4096;
  uint64_t offset;
  switch (mode & 3) {
    case 0: offset = off % (L + 1); break;
    case 1: offset = off; break;
    case 2: offset = ~0ull - off; break;  // offset + len wraps (HMX-XPOSE-020)
    default: offset = L - off; break;     // near 2^64 when off > L
  }
  uint32_t len;
  switch ((mode >> 2) & 3) {
    case 0: len = len16 % 4097; break;
    case 1: len = offset <= L ? static_cast<uint32_t>(L - offset) : len16; break;  // the rest of the range
    case 2: len = HMX_CALL_BYTE_BUDGET + (len16 & 1); break;
    default: len = uint32_t{len16} << 2; break;
  }
  uint64_t gpa;
  if (mode & 0x10) gpa = (buf & 1) ? kMem - (buf % 64) : ~0ull - buf;  // past RAM or wrapping
  else gpa = len <= kScratchEnd ? buf % (kScratchEnd - len + 1) : 0;
  const bool inside = gpa + len <= kScratchEnd || gpa >= kMem - 64;  // the harness's scratch untouched
  hmx_expose_copy_t c{p.handle, offset, gpa, len, owner, static_cast<uint16_t>((mode & 0x20) ? 1 : 0)};
  const bool extra = (mode & 0x40) != 0;
  const uint64_t at = (mode & 0x80) ? kMem - 16 : kXArg;
  w.poke(d, kXArg, &c, sizeof c);
  const uint32_t op = fetch ? HMX_OP_FETCH : HMX_OP_DEPOSIT;
  const uint32_t vcpu = (via >> 3) % 3;
  hmx_call_block_t e{};
  e.op = op;
  e.arg[0] = at;
  e.arg[2] = extra ? 1 : 0;

  // Run it: alone, in a batch of `n`, in a submission queue of `n`, or on Argo's conduit.
  const int how = via % 4;
  uint32_t n = 1;
  std::vector<int64_t> results;
  int64_t ran = 0;
  if (how == 0) {
    results.push_back(run_call(w, d, vcpu, e));
    ran = 1;
    if (vcpu >= kVcpus) {  // the block is refused, nothing runs (HMX-MECH-021)
      if (results[0] != -HMX_EINVAL) violation("a call block of a vCPU the domain lacks ran", results[0]);
      return;
    }
  } else if (how == 3) {
    const int64_t rc = w.core.argo_op(kDom[d], vcpu, op, at, 0, extra ? 1 : 0, 0);
    check_result(rc);
    if (rc != -HMX_EOPNOTSUPP && !(vcpu >= kVcpus && rc == -HMX_EINVAL)) violation("an exposure op ran on Argo's conduit (HMX-XPOSE-013)", rc);
    return;
  } else if (how == 1) {
    n = count % (HMX_MAX_BATCH_ENTRIES + 1);
    for (uint32_t i = 0; i < n; ++i) w.poke(d, kArgs + 2048 + i * sizeof e, &e, sizeof e);
    hmx_call_block_t blk{};
    blk.op = HMX_OP_BATCH;
    blk.arg[0] = kArgs + 2048;
    blk.arg[1] = n;
    blk.arg[2] = (via >> 2) & 1;  // STOP_ON_ERROR
    ran = run_call(w, d, vcpu, blk);
    if (n == 0 || ran < 0) return;
    for (uint32_t i = 0; i < n; ++i) {
      int64_t r;
      std::memcpy(&r, w.host(d, kArgs + 2048 + i * sizeof e + offsetof(hmx_call_block_t, result)), sizeof r);
      results.push_back(r);
    }
  } else {
    n = count % 33;
    if (n == 0) n = 1;
    uint32_t entries = 1;
    while (entries < n) entries <<= 1;
    hmx_submit_queue_header_t header{};
    w.poke(d, kQueue, &header, sizeof header);
    hmx_call_block_t blk{};
    blk.op = HMX_OP_SET_SUBMIT_QUEUE;
    blk.arg[0] = kQueue;
    blk.arg[1] = entries;
    if (run_call(w, d, 0, blk) != 0) return;
    for (uint32_t i = 0; i < n; ++i) w.poke(d, kQueue + HMX_SUBMIT_HEADER_SIZE + i * sizeof e, &e, sizeof e);
    header.producer = n;
    w.poke(d, kQueue, &header, sizeof header);
    blk = hmx_call_block_t{};
    blk.op = HMX_OP_SUBMIT;
    ran = run_call(w, d, vcpu, blk);
    for (uint32_t i = 0; i < n; ++i) {
      int64_t r;
      std::memcpy(&r, w.host(d, kQueue + HMX_SUBMIT_HEADER_SIZE + i * sizeof e + offsetof(hmx_call_block_t, result)), sizeof r);
      results.push_back(r);
    }
    blk = hmx_call_block_t{};
    blk.op = HMX_OP_SET_SUBMIT_QUEUE;
    (void)run_call(w, d, 0, blk);
    if (ran < 0) return;
  }
  if (ran > static_cast<int64_t>(n)) violation("more copies ran than entries given", ran);

  // Each entry as the model predicts it, in order; successes consume uses and move bytes.
  const int o = index_of(owner);
  std::vector<std::pair<uint64_t, uint64_t>> written;  // owner ranges deposits wrote
  uint64_t copied = 0;
  bool predictable = true;
  for (uint32_t i = 0; i < n && predictable; ++i) {
    const Predicted pr = predict_copy(w, d, c, extra, at == kXArg, fetch, i > 0, copied);
    if (!pr.known) break;
    if (pr.stop) {
      if (ran != i) violation("CALL_BYTE_BUDGET did not stop the copy that exceeds it (HMX-XPOSE-030)", ran);
      if (how == 1)
        for (uint32_t j = i; j < n; ++j)
          if (results[j] != -HMX_EAGAIN) violation("an entry the budget stopped has no EAGAIN", results[j]);
      break;
    }
    if (i >= ran) {
      const bool stopped_on_error = how == 1 && ((via >> 2) & 1) && i > 0 && results[i - 1] < 0;
      if (!stopped_on_error) violation("a copy entry did not run", i);
      break;
    }
    if (results[i] != pr.rc) {
      std::fprintf(stderr, "core_fuzz: entry %u of %u (d%d, owner %u, handle %llx, offset %llx, len %u): got %lld, the spec's table says %lld\n",
                   i, n, d + 1, c.owner_id, static_cast<unsigned long long>(c.handle), static_cast<unsigned long long>(c.offset),
                   c.len, static_cast<long long>(results[i]), static_cast<long long>(pr.rc));
      violation(fetch ? "fetch answered other than the model predicts" : "deposit answered other than the model predicts", results[i]);
    }
    if (pr.rc <= 0) continue;
    ModelExposure& x = *pr.e;
    const uint64_t src = x.gpa + c.offset;
    if (fetch) {
      // The caller's buffer holds exactly the range's bytes at the offset, nothing from outside.
      if (inside && o >= 0)
        for (uint64_t b = 0; b < len; ++b)
          if (*w.host(d, gpa + b) != *w.host(o, src + b)) violation("a fetch returned bytes other than the exposed range's", static_cast<int64_t>(b));
    } else {
      written.emplace_back(src, len);
      if (inside && o >= 0)
        for (uint64_t b = 0; b < len; ++b)
          if (*w.host(o, src + b) != *w.host(d, gpa + b)) violation("a deposit wrote bytes other than the caller's", static_cast<int64_t>(b));
    }
    w.exposures.copied(x, len, fetch);
    counters.copies_checked.fetch_add(1, std::memory_order_relaxed);
    copied += len;
    if (fetch && !inside) predictable = false;  // the fetch overwrote the harness's structures
  }
  // The owner's memory outside the WRITE exposures' ranges never changes; inside, only by the
  // deposits above. Then the owner's shadow follows (check_writes compares the rest).
  if (!fetch && o >= 0 && o != d) {
    for (uint64_t a = 0; a < kMem; ++a) {
      if (a % 4096 == 0 && std::memcmp(w.mem[o]->data() + a, w.shadow[o].data() + a, 4096) == 0) {
        a += 4095;  // an unchanged page
        continue;
      }
      if (w.mem[o]->data()[a] == w.shadow[o][a]) continue;
      bool allowed = w.model_lost || !predictable;
      for (const auto& [from, n2] : written) allowed |= a >= from && a < from + n2;
      if (!allowed) violation("a deposit changed the owner's memory outside the exposed range", static_cast<int64_t>(a));
      w.shadow[o][a] = w.mem[o]->data()[a];
    }
  }
}

// REVOKE dom u8:handle u8:mode: the owner ends an exposure; with mode bit 1 its peer fetches on
// another thread meanwhile: after revoke returns 0 no fetch succeeds (HMX-XPOSE-032), and the
// fetches that did succeed are at most the uses the exposure had.
void step_revoke(World& w, Script& s, int d) {
  const uint8_t hsel = s.u8();
  const uint8_t mode = s.u8();
  const Picked p = pick_handle(w, s, hsel);
  const bool extra = (mode & 1) != 0;
  ModelExposure* e = w.model_lost ? nullptr : w.exposures.live(kDom[d], p.handle);
  const int peer = e ? index_of(e->peer) : -1;
  const bool race = (mode & 2) && e && peer >= 0 && peer < 2 && (e->access & HMX_EXPOSE_READ) && !extra &&
                    w.exposures_offered;
  hmx_call_block_t blk{};
  blk.op = HMX_OP_REVOKE;
  blk.arg[0] = p.handle;
  blk.arg[1 + (mode >> 2) % 3] = extra ? 1 : 0;
  if (!race) {
    const int64_t rc = run_call(w, d, 0, blk);
    if (w.model_lost && w.exposures_offered) return;
    const int64_t want = !w.exposures_offered ? -HMX_EOPNOTSUPP : extra ? -HMX_EINVAL : d == 2 ? -HMX_ENODEV
                         : e ? 0 : -HMX_ENOENT;
    if (rc != want) violation("revoke answered other than the model predicts (HMX-XPOSE-031..033)", rc);
    if (rc == 0) e->live = false;
    return;
  }
  // The race: the peer's thread fetches the start of the range into its own thread page.
  const uint32_t uses = e->uses;
  const uint32_t len = std::min<uint32_t>(e->len, 2048);
  const uint64_t at = kThreadBlock[peer];
  const hmx_expose_copy_t c{p.handle, 0, at + 2048, len, kDom[d], 0};
  w.poke(peer, at + 1024, &c, sizeof c);
  std::atomic<int> attempts{0};
  std::atomic<bool> revoked{false};
  int successes = 0, after = 0;
  std::thread t([&] {
    hmx_call_block_t f{};
    f.op = HMX_OP_FETCH;
    f.arg[0] = at + 1024;
    for (int i = 0; i < 20000; ++i) {
      const bool was_revoked = revoked.load(std::memory_order_acquire);
      const int64_t rc = run_call_at(w, peer, 1, f, at);
      attempts.fetch_add(1, std::memory_order_relaxed);
      if (rc > 0) {
        ++successes;
        if (was_revoked) violation("a fetch succeeded after revoke returned (HMX-XPOSE-032)", rc);
      } else if (rc != -HMX_ENOENT) {
        violation("a racing fetch failed other than ENOENT", rc);
      }
      if (was_revoked && ++after >= 2) break;
    }
  });
  const int wait_for = (mode >> 4) % 4;
  while (attempts.load(std::memory_order_relaxed) < wait_for) std::this_thread::yield();
  const int64_t rc = run_call(w, d, 0, blk);
  revoked.store(true, std::memory_order_release);
  t.join();
  counters.revoke_races.fetch_add(1, std::memory_order_relaxed);
  if (successes > 0 && static_cast<uint32_t>(successes) > uses) violation("more fetches than the exposure's uses", successes);
  if (rc == 0 && static_cast<uint32_t>(successes) >= uses) violation("revoke found live an exposure whose uses were spent", successes);
  if (rc == -HMX_ENOENT && static_cast<uint32_t>(successes) != uses) violation("revoke found no exposure, uses left", successes);
  if (rc != 0 && rc != -HMX_ENOENT) violation("racing revoke answered other than 0 or ENOENT", rc);
  for (int i = 0; i < successes; ++i) w.exposures.copied(*e, len, true);
  e->live = false;
  // The thread's bytes are the peer's own memory (its thread page).
  std::memcpy(w.shadow[peer].data(), w.mem[peer]->data(), kMem);
}

// OFFER u8:bits  the adapter's offers (bit 0 withdraws EXPOSE, 1 EVENT_IDX, 2 SUBMIT_QUEUE) and
// how dom's adapter maps memory (bits 4:3: whole, by page, by page with a hole); features() and
// the constant queries follow.
void step_offer(World& w, Script& s) {
  const uint8_t bits = s.u8();
  w.exposures_offered = (bits & 1) == 0;
  w.core.offer_exposures(w.exposures_offered);
  w.core.offer_event_idx((bits & 2) == 0);
  w.core.offer_submit_queue((bits & 4) == 0);
  w.view[(bits >> 5) % 3]->set_mode((bits >> 3) & 3);
  const uint32_t f = w.core.features();
  if (((f & HMX_FEATURE_EXPOSE_BIT) != 0) != w.exposures_offered) violation("features() and the EXPOSE offer disagree", f);
  if (((f & HMX_FEATURE_EVENT_IDX_BIT) != 0) != ((bits & 2) == 0)) violation("features() and the EVENT_IDX offer disagree", f);
  if (((f & HMX_FEATURE_SUBMIT_QUEUE_BIT) != 0) != ((bits & 4) == 0)) violation("features() and the SUBMIT_QUEUE offer disagree", f);
  if (w.core.max_batch() != HMX_MAX_BATCH_ENTRIES) violation("max_batch", w.core.max_batch());
  if (!w.core.has_domain(kDom[0]) || w.core.has_domain(0x7FFF)) violation("has_domain", 0);
  if (w.core.exposure_stats(0x7FFF)) violation("exposure accounting for an unknown domain", 0);
  if (w.core.submit_poll_begin(0x7FFF) != -HMX_ESRCH || w.core.submit_poll(0x7FFF) != -HMX_ESRCH ||
      w.core.submit_poll_end(0x7FFF) != -HMX_ESRCH)
    violation("polling an unknown domain's queue", 0);
  (void)w.core.policy();
}

void step(World& w, Script& s) {
  // Command bytes 0xF0..0xFF select the commands beyond the first 16 (EXPOSE.. OFFER).
  const uint8_t k = s.u8();
  const int kind = k < 0xF0 ? k % 16 : 16 + (k & 0xF) % 5;
  // The caller of the step: its own memory may change anywhere it points the core to.
  int caller = -1;
  DomainId send_dst = 0;
  bool moderated = false;
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
      // A message rx_event did not ask for raises no interrupt (HMX-EVENT-046).
      moderated = w.core.stats().interrupts_moderated != before.moderated;
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
        if (mode >= 0xC0) {
          // rx_event (spec event-idx): the next message, one some messages ahead, or any value
          // (at or above len asks for every message, HMX-EVENT-048).
          hdr->rx_event = (mode & 1) ? value : hdr->tx_ptr + 16 * (value % 8);
          if (mode & 2) hdr->rx_ptr = hdr->tx_ptr;
        }
        else if (mode % 3 == 0) hdr->rx_ptr = hdr->tx_ptr;  // consume everything
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
      w.destroyed_d2();
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
    case 16:
      caller = dom_of(s);
      step_expose(w, s, caller);
      break;
    case 17:
    case 18:
      caller = dom_of(s);
      step_copy(w, s, caller, /*fetch=*/kind == 17);
      break;
    case 19:
      caller = dom_of(s);
      step_revoke(w, s, caller);
      break;
    case 20:
      step_offer(w, s);
      break;
    default:
      step_parallel(w, s);
      // Both domains ran calls and d2 started over: every page may have changed.
      (void)w.notifier.take();
      for (int d = 0; d < 3; ++d) std::memcpy(w.shadow[d].data(), w.mem[d]->data(), kMem);
      check_exposure_accounts(w, kind);
      return;
  }
  check_interrupts(w, before, kind, send_dst, moderated);
  // A deposit a raw CALL, BATCH or QUEUE entry made (the model did not see it) wrote the owner's
  // exposed range: that domain's memory is taken as it is.
  for (int d = 0; d < 3; ++d) {
    const auto st = w.core.exposure_stats(kDom[d]);
    if (kind != 17 && kind != 18 && st && st->bytes_deposited_into != before.deposited_into[d])
      std::memcpy(w.shadow[d].data(), w.mem[d]->data(), kMem);
  }
  check_writes(w, before, caller);
  check_exposure_accounts(w, kind);
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
