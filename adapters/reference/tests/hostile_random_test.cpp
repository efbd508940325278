// SPDX-License-Identifier: Apache-2.0
// One hostile domain, 100,000 random operations (issue 14, deliver 3b): registers, unregisters,
// sends with wild iovs, notifies, batches, event pages, vectors and call blocks of garbage, in a
// fixed pseudo-random order. Meanwhile the memory of every other domain outside its rings and its
// event page never changes (a checksum of it, taken every 1,000 operations), every message any of
// their rings holds names the hostile domain as its source (HMX-SEND-008), and a denied domain's
// notify on a wildcard ring writes nothing at all into the ring's owner.
#include <random>

#include <hmx/checksum/fnv1a.h>

#include "test_support.h"

namespace hmx::ref::test {
namespace {

constexpr const char* kPolicy = R"(
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "hostile" destination: "victim-*" }
rule { action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "victim-*" destination: "hostile" }
rule { action: ALLOW hook: REGISTER_ANY_SOURCE destination: "victim-1" }
)";

// A victim: rings for the hostile domain (and a wildcard one), an event page, and a checksum of
// everything else.
struct Victim {
  Victim(Core& core, DomainId id, const std::string& name, DomainId hostile)
      : g(core, id, name, 1 << 20) {
    g.enable_event_page();
    EXPECT_EQ(g.register_ring(rings.emplace_back(), 2, hostile, 8192), 0);
    EXPECT_EQ(g.register_ring(rings.emplace_back(), 3, hostile, 48 + 16 * 8), 0);
    if (name == "victim-1") {
      EXPECT_EQ(g.register_ring(rings.emplace_back(), 1, HMX_DOMID_ANY, 4096), 0);
    }
    EXPECT_EQ(g.core.set_vector(id, 0, 0x40), 0);
    baseline = outside_checksum();
  }
  // FNV-1a of every page that is neither a ring frame nor the event page.
  uint32_t outside_checksum() {
    uint32_t h = 0x811C9DC5u;
    for (uint64_t page = 0; page < g.mem.size() / 4096; ++page) {
      const uint64_t gpa = page * 4096;
      bool ring_frame = gpa == g.event_page_gpa;
      for (const auto& r : rings)
        for (uint64_t f : r.frames) ring_frame = ring_frame || f == gpa;
      if (ring_frame) continue;
      h = hmx::checksum::fnv1a32(g.host(gpa), 4096, h);
    }
    return h;
  }
  uint32_t whole_checksum() { return hmx::checksum::fnv1a32(g.host(0), g.mem.size()); }
  // Reads every message waiting; returns how many named a source other than `expected`.
  int drain(DomainId expected, uint64_t& read) {
    int wrong = 0;
    for (const auto& r : rings)
      while (auto m = g.receive(r)) {
        ++read;
        if (m->source != expected) ++wrong;
      }
    return wrong;
  }
  Guest g;
  std::vector<GuestRing> rings;
  uint32_t baseline = 0;
};

class Chaos {
 public:
  Chaos(Guest& h, std::vector<DomainId> targets) : h_(h), targets_(std::move(targets)) {
    buf_ = h.alloc(64 << 10, 4096);
  }
  // One random operation, through a call block (or Argo's conduit now and then).
  void step() {
    hmx_call_block_t b = random_op();
    const uint64_t gpa = h_.alloc(sizeof b, 64);
    std::memcpy(h_.host(gpa), &b, sizeof b);
    const int64_t rc = (rng_() % 16 == 0) ? h_.core.argo_op(h_.id, rng_() % 3, b.op, b.arg[0], b.arg[1], b.arg[2], b.arg[3])
                                          : h_.core.call(h_.id, rng_() % 3, rng_() % 64 == 0 ? gpa + 8 : gpa);
    ASSERT_LE(rc, int64_t{HMX_MAX_MESSAGE_SIZE});
  }

 private:
  uint64_t gpa_or_garbage(uint64_t size) {
    switch (rng_() % 8) {
      case 0: return rng_();
      case 1: return h_.mem.size() - rng_() % 64;
      default: return h_.alloc(size, 16);
    }
  }
  DomainId target() {
    const uint64_t r = rng_() % (targets_.size() + 3);
    if (r < targets_.size()) return targets_[r];
    return r == targets_.size() ? HMX_DOMID_ANY : static_cast<DomainId>(rng_());
  }
  hmx_call_block_t sendv() {
    const uint32_t niov = static_cast<uint32_t>(rng_() % 10);
    const uint64_t iovs = gpa_or_garbage(niov * sizeof(hmx_iov_t));
    for (uint32_t i = 0; i < niov && h_.mem.host(iovs) != nullptr && iovs + (i + 1) * sizeof(hmx_iov_t) <= h_.mem.size(); ++i) {
      const hmx_iov_t iov{rng_() % 8 == 0 ? rng_() : buf_ + rng_() % (64 << 10),
                          static_cast<uint32_t>(rng_() % 8 == 0 ? rng_() : rng_() % 6000), rng_() % 32 == 0 ? 1u : 0u};
      std::memcpy(h_.host(iovs + i * sizeof iov), &iov, sizeof iov);
    }
    const uint64_t addr = gpa_or_garbage(sizeof(hmx_send_addr_t));
    if (h_.mem.host(addr) != nullptr && addr + sizeof(hmx_send_addr_t) <= h_.mem.size()) {
      const hmx_send_addr_t a{{static_cast<uint32_t>(rng_() % 4), static_cast<DomainId>(rng_() % 4 == 0 ? rng_() : h_.id), 0},
                              {static_cast<uint32_t>(rng_() % 5), target(), 0}};
      std::memcpy(h_.host(addr), &a, sizeof a);
    }
    return block(HMX_OP_SENDV, addr, iovs, niov, rng_() % 4 == 0 ? rng_() : 0);
  }
  hmx_call_block_t notify() {
    const uint32_t n = static_cast<uint32_t>(rng_() % 9);
    const uint64_t gpa = gpa_or_garbage(8 + n * sizeof(hmx_ring_data_ent_t));
    if (h_.mem.host(gpa) != nullptr && gpa + 8 + n * sizeof(hmx_ring_data_ent_t) <= h_.mem.size()) {
      const hmx_ring_data_t head{rng_() % 16 == 0 ? static_cast<uint32_t>(rng_()) : n, 0};
      std::memcpy(h_.host(gpa), &head, sizeof head);
      for (uint32_t i = 0; i < n; ++i) {
        const hmx_ring_data_ent_t e = ent(target(), static_cast<uint32_t>(rng_() % 5), static_cast<uint32_t>(rng_() % 9000));
        std::memcpy(h_.host(gpa + 8 + i * sizeof e), &e, sizeof e);
      }
    }
    return block(HMX_OP_NOTIFY, gpa, 0, 0, 0);
  }
  hmx_call_block_t reg() {
    const uint32_t len = static_cast<uint32_t>(rng_() % 4 == 0 ? rng_() : 48 + 16 * (rng_() % 600));
    const uint64_t npages = ring_npages(len);
    const uint64_t gfns = gpa_or_garbage(8 * (npages < 8 ? npages : 8));
    for (uint64_t i = 0; i < npages && i < 8 && h_.mem.host(gfns) != nullptr && gfns + 8 * (i + 1) <= h_.mem.size(); ++i) {
      const uint64_t gfn = rng_() % 8 == 0 ? rng_() : (h_.alloc(4096, 4096) >> 12);
      std::memcpy(h_.host(gfns + 8 * i), &gfn, 8);
    }
    const uint64_t r = h_.put(hmx_register_ring_t{static_cast<uint32_t>(rng_() % 5), target(), 0, len});
    return block(HMX_OP_REGISTER_RING, r, gfns, rng_() % 8 == 0 ? rng_() % 4096 : npages, rng_() % 4 == 0 ? rng_() % 16 : 0);
  }
  static uint64_t ring_npages(uint64_t len) { return (((len + 15) & ~uint64_t{15}) + 64 + 4095) / 4096; }
  hmx_call_block_t random_op() {
    switch (rng_() % 12) {
      case 0: case 1: case 2: case 3: return sendv();
      case 4: return notify();
      case 5: return reg();
      case 6: return block(HMX_OP_UNREGISTER_RING,
                           h_.put(hmx_unregister_ring_t{static_cast<uint32_t>(rng_() % 5), target(), 0}), 0, 0, 0);
      case 7: {
        const uint32_t n = static_cast<uint32_t>(rng_() % 10);
        const uint64_t list = h_.alloc(n * sizeof(hmx_call_block_t), 64);
        for (uint32_t i = 0; i < n; ++i) {
          hmx_call_block_t e = rng_() % 2 ? sendv() : rng_() % 2 ? notify() : block(HMX_OP_NULL, 0, 0, 0, 0);
          std::memcpy(h_.host(list + i * sizeof e), &e, sizeof e);
        }
        return block(HMX_OP_BATCH, list, n, rng_() % 3, 0);
      }
      case 8: return block(HMX_OP_SET_EVENT_PAGE, rng_() % 2 ? (h_.alloc(4096, 4096) | 1) : rng_(), 0, 0, 0);
      case 9: return block(HMX_OP_SET_VECTOR, rng_() % 3, rng_() % 2 ? 0x30 + rng_() % 200 : rng_(), 0, 0);
      case 10: return block(HMX_OP_NULL, 0, 0, 0, 0);
      default: return block(static_cast<uint32_t>(rng_()), rng_(), rng_(), rng_(), rng_());
    }
  }
  static hmx_call_block_t block(uint32_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    hmx_call_block_t x{};
    x.op = op;
    x.arg[0] = a;
    x.arg[1] = b;
    x.arg[2] = c;
    x.arg[3] = d;
    return x;
  }

  Guest& h_;
  std::vector<DomainId> targets_;
  uint64_t buf_ = 0;
  std::mt19937_64 rng_{0x4D58'1411};
};

// covers: HMX-SEND-008
TEST(HostileRandom, OneDomainsRandomOperationsLeaveEveryOtherDomainAlone) {
  TestPolicy policy(kPolicy);
  Core core{policy};
  Guest h(core, 1, "hostile", 4 << 20, 3);
  Victim v1(core, 2, "victim-1", h.id);
  Victim v2(core, 3, "victim-2", h.id);
  Guest denied(core, 4, "denied", 1 << 16);
  Chaos chaos(h, {v1.g.id, v2.g.id, denied.id, h.id});
  const uint64_t scratch = h.mark();
  uint64_t read = 0;
  int wrong_source = 0, changed = 0, denied_writes = 0;
  for (int op = 1; op <= 100'000; ++op) {
    chaos.step();
    if (::testing::Test::HasFatalFailure()) return;
    if (op % 100 == 0) h.reset(scratch);  // the hostile domain's scratch starts over
    if (op % 1000 != 0) continue;
    for (Victim* v : {&v1, &v2}) {
      wrong_source += v->drain(h.id, read);
      changed += v->outside_checksum() != v->baseline;
    }
    // The denied domain asks about victim-1's wildcard ring: victim-1 sees no write at all.
    const uint32_t before = v1.whole_checksum();
    std::vector<hmx_ring_data_ent_t> out;
    denied.notify({ent(v1.g.id, 1, 16), ent(v1.g.id, 2, 16)}, &out);
    denied_writes += v1.whole_checksum() != before;
  }
  const CoreStats st = core.stats();
  std::printf("hostile random: 100000 operations (%llu messages delivered, %llu errors, %llu denials); "
              "%llu messages read back, %d with a wrong source; %d checksum changes; %d denied notify writes\n",
              static_cast<unsigned long long>(st.messages), static_cast<unsigned long long>(st.errors),
              static_cast<unsigned long long>(st.denials), static_cast<unsigned long long>(read), wrong_source,
              changed, denied_writes);
  EXPECT_EQ(wrong_source, 0);
  EXPECT_EQ(changed, 0);
  EXPECT_EQ(denied_writes, 0);
  // The chaos reached the victims: messages were delivered and read back.
  EXPECT_GT(read, 100u);
}

}  // namespace
}  // namespace hmx::ref::test
