// SPDX-License-Identifier: Apache-2.0
// Every error code of every operation in the spec (the data's `operations[].errors`), provoked
// through libhmx over the loopback conduit into the reference core. The list of (operation, error)
// pairs is read from the spec bundle at run time: a new pair without a trigger here fails. Typed API where the library can express the mistake, the raw path (client::call) where
// only a hostile or buggy guest could.
#include <hmx/reference/test_switches.h>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include <hmx/submit_queue.h>

#include "loopback_support.h"

namespace hmx::loopback {
namespace {

struct op_error {
  std::string op;
  std::string error;
  int value;
  friend void PrintTo(const op_error& e, std::ostream* os) { *os << e.op << "/" << e.error; }
};

std::vector<op_error> spec_op_errors() {
  std::ifstream in(HMX_SPEC_BUNDLE);
  if (!in) return {};  // SpecErrorsData.TheSpecListIsNotEmpty fails
  const nlohmann::json spec = nlohmann::json::parse(in).at("spec");
  std::map<std::string, int> values;
  for (const auto& e : spec.at("errors")) values[e.at("name")] = e.at("value");
  std::vector<op_error> out;
  for (const auto& op : spec.at("operations"))
    for (const auto& e : op.at("errors")) out.push_back({op.at("name"), e, values[e]});
  return out;
}

// A fresh world per trigger: a core under `policy` with alpha (1), beta (2), gamma (3).
struct world {
  explicit world(const std::string& policy) : tp(policy) {
    core.offer_exposures(true);
    core.offer_submit_queue(true);
  }
  test_policy tp;
  ref::Core core{tp.policy};
  domain alpha{core, 1, "alpha"};
  domain beta{core, 2, "beta"};
  domain gamma{core, 3, "gamma"};
  // A GPA past the end of alpha's RAM (aligned, so only the range is wrong).
  uint64_t beyond() const { return alpha.mem.size() + 0x1000; }
};

// alpha and beta may talk; nobody may reach gamma; only beta may have a wildcard ring.
constexpr const char* kMixed = R"(
rule { name: "alpha-beta" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "alpha" destination: "beta" }
rule { name: "beta-alpha" action: ALLOW hook: [SEND, REGISTER_SINGLE_SOURCE] source: "beta" destination: "alpha" }
rule { name: "no-gamma" action: DENY hook: [SEND, REGISTER_SINGLE_SOURCE, REGISTER_ANY_SOURCE] source: "*" destination: "gamma" }
rule { name: "any-beta" action: ALLOW hook: [REGISTER_ANY_SOURCE] source: "*" destination: "beta" }
)";

struct trigger {
  std::string policy = kAllowAll;
  // Returns the code the guest observes through libhmx (0 or a negated HMX_E*).
  std::function<int64_t(world&)> run;
  std::string unreachable;  // non-empty: why the reference core cannot produce it
};

int64_t code(status s) { return s.code(); }
template <class T>
int64_t code(const result<T>& r) {
  return r.error().code();
}

// The operation reaches a domain the core does not know (or no longer knows). Argo's conduit
// returns -ENODEV directly; a call block of such a domain is never written (Core::call), so the
// call-block path sees libhmx's preset -ENOSYS and only the trap's own return says ENODEV.
int64_t enodev_argo(world& w, const std::function<status(argo_client_t&)>& op) {
  argo_conduit_t conduit(core_argo{&w.core, 42, 0});
  argo_client_t c(conduit, w.alpha.env);
  return code(op(c));
}
int64_t enodev_call_block(world& w, const std::function<status(client_t&)>& op) {
  bound_client c(w.alpha);
  w.alpha.destroy();
  const status s = op(c.c);
  EXPECT_EQ(s, errc::nosys) << "the block of a domain without HMX is never written";
  return c.core_return();
}

// A ring of `len` in `owner` for `partner`, registered.
ring& registered(world& w, domain& owner, uint16_t partner, uint32_t len, uint32_t aport,
                 std::vector<std::unique_ptr<ring>>& keep) {
  keep.push_back(std::make_unique<ring>(owner, aport, partner, len));
  bound_client c(owner);
  EXPECT_TRUE(c->register_ring(keep.back()->reg).ok());
  (void)w;
  return *keep.back();
}

// Scoped: the reference core's bookkeeping allocations fail while it lives.
struct allocation_failure {
  allocation_failure() { hmx::ref::testing::set_allocation_failure(true); }
  ~allocation_failure() { hmx::ref::testing::set_allocation_failure(false); }
  allocation_failure(const allocation_failure&) = delete;
  allocation_failure& operator=(const allocation_failure&) = delete;
};

std::map<std::string, trigger> triggers() {
  std::map<std::string, trigger> t;

  // --- register_ring --------------------------------------------------------------------------
  t["register_ring/EINVAL"].run = [](world& w) {
    ring r(w.alpha, 1, w.beta.id, 4096);
    r.reg.len = 40;  // below MIN_RING_LEN
    bound_client c(w.alpha);
    return code(c->register_ring(r.reg));
  };
  t["register_ring/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_REGISTER_RING, w.beyond(), 0x2000, 1, 0).error());
  };
  t["register_ring/EPERM"] = {kMixed, [](world& w) {
    ring r(w.alpha, 1, HMX_DOMID_ANY, 256);  // wildcard ring, no REGISTER_ANY_SOURCE rule
    bound_client c(w.alpha);
    return code(c->register_ring(r.reg));
  }, ""};
  t["register_ring/EACCES"] = {kMixed, [](world& w) {
    ring r(w.gamma, 1, w.alpha.id, 256);  // rule no-gamma denies
    bound_client c(w.gamma);
    return code(c->register_ring(r.reg));
  }, ""};
  t["register_ring/ESRCH"].run = [](world& w) {
    ring r(w.alpha, 1, 99, 256);
    bound_client c(w.alpha);
    return code(c->register_ring(r.reg));
  };
  // ENOMEM: the reference core's allocation-failure test switch makes its bookkeeping
  // allocation fail as an exhausted allocator would.
  t["register_ring/ENOMEM"].run = [](world& w) {
    ring r(w.alpha, 1, w.beta.id, 256);
    bound_client c(w.alpha);
    const allocation_failure oom;
    return code(c->register_ring(r.reg));
  };
  t["register_ring/ENODEV"].run = [](world& w) {
    ring r(w.alpha, 1, w.beta.id, 256);
    return enodev_argo(w, [&](argo_client_t& c) { return c.register_ring(r.reg); });
  };
  // Argo's 'partner without Argo' case: the partner exists but has HMX disabled.
  t["register_ring/ECONNREFUSED"].run = [](world& w) {
    constexpr hmx::ref::DomainId kNoHmx = 50;
    hmx::ref::ArenaGuestMemory memory(4 * HMX_PAGE_SIZE);
    hmx::ref::NullNotifier notifier;
    EXPECT_EQ(w.core.create_domain(kNoHmx, "nohmx", memory, 1, notifier, /*hmx_enabled=*/false), 0);
    ring r(w.alpha, 1, kNoHmx, 256);
    bound_client c(w.alpha);
    const int64_t rc = code(c->register_ring(r.reg));
    EXPECT_EQ(w.core.destroy_domain(kNoHmx), 0);
    return rc;
  };
  t["register_ring/ENOSPC"].run = [](world& w) {
    bound_client c(w.alpha);
    for (uint32_t i = 0; i < HMX_MAX_RINGS_PER_DOMAIN; ++i) {
      ring r(w.alpha, i, w.beta.id, HMX_MIN_RING_LEN);
      EXPECT_TRUE(c->register_ring(r.reg).ok()) << i;
    }
    ring extra(w.alpha, 1000, w.beta.id, HMX_MIN_RING_LEN);
    return code(c->register_ring(extra.reg));
  };
  t["register_ring/EEXIST"].run = [](world& w) {
    ring r(w.alpha, 1, w.beta.id, 256);
    bound_client c(w.alpha);
    EXPECT_TRUE(c->register_ring(r.reg).ok());
    r.reg.flags = HMX_REGISTER_FLAG_FAIL_EXIST;
    return code(c->register_ring(r.reg));
  };

  // --- unregister_ring ------------------------------------------------------------------------
  t["unregister_ring/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    auto* u = static_cast<hmx_unregister_ring_t*>(w.alpha.env.alloc_pages(1));
    u->pad = 1;  // padding must be 0
    return code(c->call(HMX_OP_UNREGISTER_RING, w.alpha.env.to_gpa(u)).error());
  };
  t["unregister_ring/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_UNREGISTER_RING, w.beyond()).error());
  };
  t["unregister_ring/ENODEV"].run = [](world& w) {
    return enodev_argo(w, [](argo_client_t& c) { return c.unregister_ring(1, 2); });
  };
  t["unregister_ring/ENOENT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->unregister_ring(77, w.beta.id));
  };

  // --- sendv ----------------------------------------------------------------------------------
  t["sendv/EINVAL"].run = [](world& w) {
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    auto* sa = static_cast<hmx_send_addr_t*>(w.alpha.env.alloc_pages(1));
    sa->src = any_source;
    sa->dst = make_addr(1, w.beta.id);
    // niov = MAXIOV + 1: an absurd count is refused before the iov array is read.
    return code(c->call(HMX_OP_SENDV, w.alpha.env.to_gpa(sa), 0x2000, HMX_MAXIOV + 1, 0).error());
  };
  t["sendv/EFAULT"].run = [](world& w) {
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    auto* p = static_cast<unsigned char*>(w.alpha.env.alloc_pages(1));
    auto* sa = reinterpret_cast<hmx_send_addr_t*>(p);
    auto* iov = reinterpret_cast<hmx_iov_t*>(p + 64);
    sa->src = any_source;
    sa->dst = make_addr(1, w.beta.id);
    *iov = hmx_iov_t{w.alpha.mem.size() - 8, 16, 0};  // straddles the end of RAM
    return code(c->call(HMX_OP_SENDV, w.alpha.env.to_gpa(sa), w.alpha.env.to_gpa(iov), 1, 0)
                    .error());
  };
  t["sendv/EPERM"].run = [](world& w) {
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    // Sending on behalf of gamma.
    return code(c->send(make_addr(1, w.beta.id), buf, 4, 0, make_addr(0, w.gamma.id)));
  };
  t["sendv/EACCES"] = {kMixed, [](world& w) {
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.gamma, w.gamma.id, 256, 1, keep);
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    return code(c->send(make_addr(1, w.gamma.id), buf, 4, 0));
  }, ""};
  t["sendv/ESRCH"].run = [](world& w) {
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    return code(c->send(make_addr(1, 99), buf, 4, 0));
  };
  t["sendv/ENODEV"].run = [](world& w) {
    unsigned char* buf = w.alpha.pages(1);
    return enodev_argo(w, [&](argo_client_t& c) {
      return c.send(make_addr(1, w.beta.id), buf, 4, 0).error();
    });
  };
  t["sendv/ECONNREFUSED"].run = [](world& w) {
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    return code(c->send(make_addr(1, w.beta.id), buf, 4, 0));  // beta has no such ring
  };
  t["sendv/EMSGSIZE"].run = [](world& w) {
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    return code(c->send(make_addr(1, w.beta.id), buf, ring_max_message_size(256) + 1, 0));
  };
  t["sendv/EAGAIN"].run = [](world& w) {
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(c->send(make_addr(1, w.beta.id), buf, 48, 0).ok());
    return code(c->send(make_addr(1, w.beta.id), buf, 48, 0));  // 64 free, 64 needed: a slot stays free
  };
  t["sendv/EBUSY"].run = [](world& w) {
    // MAX_PENDING_PER_RING distinct domains wait on a full wildcard ring; one more is EBUSY.
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, HMX_DOMID_ANY, HMX_MIN_RING_LEN, 1, keep);
    bound_client filler(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    EXPECT_TRUE(filler->send(make_addr(1, w.beta.id), buf, 16, 0).ok());
    EXPECT_EQ(filler->send(make_addr(1, w.beta.id), buf, 16, 0).error(), errc::again);
    std::vector<std::unique_ptr<domain>> waiters;
    int64_t last = 0;
    for (uint32_t i = 0; i < HMX_MAX_PENDING_PER_RING; ++i) {  // alpha is waiter 1
      waiters.push_back(std::make_unique<domain>(w.core, static_cast<ref::DomainId>(10 + i),
                                                 "w" + std::to_string(i), 1 << 16, 1));
      bound_client c(*waiters.back());
      unsigned char* b = waiters.back()->pages(1);
      last = code(c->send(make_addr(1, w.beta.id), b, 16, 0));
      if (i + 1 < HMX_MAX_PENDING_PER_RING) {
        EXPECT_EQ(last, -HMX_EAGAIN) << i;
      }
    }
    return last;
  };
  t["sendv/ENOMEM"].run = [](world& w) {  // a full ring: queuing the space wait fails
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(c->send(make_addr(1, w.beta.id), buf, 48, 0).ok());
    const allocation_failure oom;
    return code(c->send(make_addr(1, w.beta.id), buf, 48, 0));
  };

  // --- notify ---------------------------------------------------------------------------------
  t["notify/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_NOTIFY, 0, 1).error());  // arg2 must be 0 (pads are unchecked)
  };
  t["notify/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_NOTIFY, w.beyond()).error());
  };
  t["notify/ENODEV"].run = [](world& w) {
    return enodev_argo(w, [](argo_client_t& c) { return c.notify(); });
  };
  t["notify/ENOMEM"].run = [](world& w) {  // a query that must queue a space wait
    std::vector<std::unique_ptr<ring>> keep;
    registered(w, w.beta, w.alpha.id, 256, 1, keep);
    bound_client c(w.alpha);
    unsigned char* buf = w.alpha.pages(1);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(c->send(make_addr(1, w.beta.id), buf, 48, 0).ok());
    hmx_ring_data_ent_t ent{};
    ent.ring = make_addr(1, w.beta.id);
    ent.space_required = 200;
    const allocation_failure oom;
    return code(c->notify(&ent, 1));
  };
  t["notify/EACCES"].run = [](world& w) {
    bound_client c(w.alpha);
    std::vector<hmx_ring_data_ent_t> ents(HMX_MAX_NOTIFY_COUNT + 1);
    return code(c->notify(ents.data(), static_cast<uint32_t>(ents.size())));
  };

  // --- HMX operations -------------------------------------------------------------------------
  t["null/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_NULL, 1).error());
  };
  t["batch/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    batch_t b(w.alpha.env);
    return code(c->run(b));  // an empty list
  };
  t["batch/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_BATCH, w.beyond(), 2, 0).error());
  };
  t["batch/E2BIG"].run = [](world& w) {
    bound_client c(w.alpha);
    batch_t b(w.alpha.env, HMX_MAX_BATCH_ENTRIES + 1);
    for (uint32_t i = 0; i <= HMX_MAX_BATCH_ENTRIES; ++i) EXPECT_TRUE(b.add_null().ok());
    return code(c->run(b));
  };
  t["batch/ENODEV"].run = [](world& w) {
    batch_t b(w.alpha.env);
    EXPECT_TRUE(b.add_null().ok());
    return enodev_call_block(w, [&](client_t& c) { return c.run(b).error(); });
  };
  t["set_event_page/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    auto* p = w.alpha.pages(1) + 8;  // not page aligned: bits 11:1 of the value are set
    return code(c->set_event_page(reinterpret_cast<hmx_event_page_t*>(p)));
  };
  t["set_event_page/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_SET_EVENT_PAGE, event_page_value(w.beyond(), true)).error());
  };
  t["set_event_page/ENODEV"].run = [](world& w) {
    return enodev_call_block(w, [](client_t& c) { return c.set_event_page(nullptr); });
  };
  t["set_vector/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->set_vector(0, vector_reg::unmasked(HMX_VECTOR_MIN - 1)));
  };
  t["set_vector/ENODEV"].run = [](world& w) {
    return enodev_call_block(w, [](client_t& c) { return c.set_vector(0, vector_reg{}); });
  };
  // --- set_submit_queue, submit (feature SUBMIT_QUEUE; the world offers it) --------------------
  t["set_submit_queue/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    submit_queue<env::host> q(w.alpha.env, 4);
    return code(register_submit_queue(c.c, q, 2));  // flag bit 1 is undefined
  };
  t["set_submit_queue/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_SET_SUBMIT_QUEUE, w.beyond(), 4, 0).error());
  };
  t["set_submit_queue/ENODEV"].run = [](world& w) {
    submit_queue<env::host> q(w.alpha.env, 4);
    return enodev_call_block(w, [&](client_t& c) { return register_submit_queue(c, q); });
  };
  t["submit/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    submit_queue<env::host> q(w.alpha.env, 4);
    EXPECT_TRUE(register_submit_queue(c.c, q).ok());
    __atomic_store_n(&q.header()->producer, 5u, __ATOMIC_RELEASE);  // one past a full queue
    return code(c->call(HMX_OP_SUBMIT).error());
  };
  t["submit/ENODEV"].run = [](world& w) {
    return enodev_call_block(w, [](client_t& c) { return c.call(HMX_OP_SUBMIT).error(); });
  };
  t["submit/ENOENT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_SUBMIT).error());  // no queue registered
  };
  // --- expose, fetch, deposit, revoke (feature EXPOSE; the world offers it) -------------------
  const auto expose_raw = [](world& w, domain& owner, uint16_t peer, uint16_t access) {
    (void)w;
    bound_client c(owner);
    exposures x(c.c, owner.env);
    return code(x.expose(owner.pages(1), 4096, peer, access, 4));
  };
  const auto copy_raw = [](world& w, domain& caller, uint32_t op, uint16_t owner, uint64_t handle, uint32_t len) {
    (void)w;
    bound_client c(caller);
    exposures x(c.c, caller.env);
    unsigned char* buf = caller.pages(1);
    return op == HMX_OP_FETCH ? code(x.fetch(owner, handle, 0, buf, len)) : code(x.deposit(owner, handle, 0, buf, len));
  };
  // A live exposure of alpha's to beta, with `access`.
  const auto exposed = [](domain& owner, domain& peer, uint16_t access) {
    bound_client c(owner);
    exposures x(c.c, owner.env);
    return x.expose(owner.pages(1), 4096, peer.id, access, 4).value_or(0);
  };
  t["expose/EINVAL"].run = [=](world& w) { return expose_raw(w, w.alpha, w.beta.id, 0); };
  t["expose/EFAULT"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_EXPOSE, w.beyond()).error());
  };
  t["expose/ENODEV"].run = [](world& w) {
    return enodev_call_block(w, [](client_t& c) { return c.call(HMX_OP_EXPOSE, 0x2000).error(); });
  };
  t["expose/ESRCH"].run = [=](world& w) { return expose_raw(w, w.alpha, 77, HMX_EXPOSE_READ); };
  t["expose/ECONNREFUSED"].run = [=](world& w) {
    ref::ArenaGuestMemory off_mem(1 << 20);
    recording_notifier off_notifier;
    EXPECT_EQ(w.core.create_domain(9, "off", off_mem, 1, off_notifier, /*hmx_enabled=*/false), 0);
    const int64_t rc = expose_raw(w, w.alpha, 9, HMX_EXPOSE_READ);
    w.core.destroy_domain(9);
    return rc;
  };
  t["expose/EACCES"] = {kMixed, [=](world& w) { return expose_raw(w, w.alpha, w.gamma.id, HMX_EXPOSE_READ); }, ""};
  t["expose/ENOSPC"].run = [=](world& w) {
    bound_client c(w.alpha);
    exposures x(c.c, w.alpha.env);
    unsigned char* range = w.alpha.pages(1);
    for (uint32_t i = 0; i < HMX_EXPOSE_MAX_PER_DOMAIN; ++i)
      EXPECT_TRUE(x.expose(range, 4096, w.beta.id, HMX_EXPOSE_READ).ok());
    return code(x.expose(range, 4096, w.beta.id, HMX_EXPOSE_READ));
  };
  t["expose/EOPNOTSUPP"].run = [=](world& w) {
    w.core.offer_exposures(false);
    return expose_raw(w, w.alpha, w.beta.id, HMX_EXPOSE_READ);
  };
  for (const uint32_t op : {HMX_OP_FETCH, HMX_OP_DEPOSIT}) {
    const std::string name = op == HMX_OP_FETCH ? "fetch" : "deposit";
    const uint16_t needed = op == HMX_OP_FETCH ? HMX_EXPOSE_READ : HMX_EXPOSE_WRITE;
    const uint16_t other = op == HMX_OP_FETCH ? HMX_EXPOSE_WRITE : HMX_EXPOSE_READ;
    t[name + "/EINVAL"].run = [=](world& w) {
      return copy_raw(w, w.beta, op, w.alpha.id, exposed(w.alpha, w.beta, needed), 0);
    };
    t[name + "/EFAULT"].run = [=](world& w) {
      bound_client c(w.beta);
      return code(c->call(op, w.beyond()).error());
    };
    t[name + "/ENODEV"].run = [=](world& w) {
      return enodev_call_block(w, [=](client_t& c) { return c.call(op, 0x2000).error(); });
    };
    t[name + "/ESRCH"].run = [=](world& w) { return copy_raw(w, w.beta, op, 77, 1 << 16, 16); };
    // kMixed: alpha -> gamma is denied, and so is gamma -> alpha (no rule).
    t[name + "/EACCES"] = {kMixed, [=](world& w) { return copy_raw(w, w.gamma, op, w.alpha.id, 1 << 16, 16); }, ""};
    t[name + "/ENOENT"].run = [=](world& w) {
      (void)exposed(w.alpha, w.beta, needed);
      return copy_raw(w, w.gamma, op, w.alpha.id, 1 << 16, 16);  // a guess by a third domain
    };
    t[name + "/EPERM"].run = [=](world& w) {
      return copy_raw(w, w.beta, op, w.alpha.id, exposed(w.alpha, w.beta, other), 16);
    };
    t[name + "/EOPNOTSUPP"].run = [=](world& w) {
      w.core.offer_exposures(false);
      return copy_raw(w, w.beta, op, w.alpha.id, 1 << 16, 16);
    };
  }
  t["revoke/EINVAL"].run = [](world& w) {
    bound_client c(w.alpha);
    return code(c->call(HMX_OP_REVOKE, 1 << 16, 1).error());
  };
  t["revoke/ENODEV"].run = [](world& w) {
    return enodev_call_block(w, [](client_t& c) { return c.call(HMX_OP_REVOKE, 1 << 16).error(); });
  };
  t["revoke/ENOENT"].run = [=](world& w) {
    const uint64_t h = exposed(w.alpha, w.beta, HMX_EXPOSE_READ);
    bound_client c(w.beta);
    exposures x(c.c, w.beta.env);
    return code(x.revoke(h));  // only the owner revokes
  };
  t["revoke/EOPNOTSUPP"].run = [](world& w) {
    w.core.offer_exposures(false);
    bound_client c(w.alpha);
    exposures x(c.c, w.alpha.env);
    return code(x.revoke(1 << 16));
  };
  return t;
}

class SpecErrors : public ::testing::TestWithParam<op_error> {};

// covers: HMX-LIB-021 HMX-LIB-022 HMX-MECH-009 HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-RING-027 HMX-RING-028 HMX-RING-029 HMX-RING-004 HMX-RING-030 HMX-RING-031 HMX-RING-032 HMX-RING-039 HMX-RING-040 HMX-SEND-017 HMX-SEND-018 HMX-SEND-019 HMX-SEND-002 HMX-SEND-020 HMX-SEND-021 HMX-SEND-022 HMX-SEND-023 HMX-SEND-024 HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 HMX-NOTIFY-002 HMX-BATCH-010 HMX-BATCH-011 HMX-BATCH-012 HMX-BATCH-013 HMX-MAC-001 HMX-MAC-002 HMX-SEC-007 HMX-SEC-008 HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013 HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019 HMX-XPOSE-003 HMX-XPOSE-004 HMX-XPOSE-008 HMX-XPOSE-012 HMX-XPOSE-013 HMX-XPOSE-016 HMX-XPOSE-036 HMX-XPOSE-037
TEST_P(SpecErrors, ThroughLibhmx) {
  const op_error& e = GetParam();
  static const std::map<std::string, trigger> all = triggers();
  const auto it = all.find(e.op + "/" + e.error);
  ASSERT_NE(it, all.end()) << "the spec lists " << e.error << " for " << e.op
                           << " but this test has no trigger for it";
  if (!it->second.unreachable.empty()) GTEST_SKIP() << it->second.unreachable;
  world w(it->second.policy);
  EXPECT_EQ(it->second.run(w), -e.value) << e.op << " should give -" << e.error;
}

INSTANTIATE_TEST_SUITE_P(Spec, SpecErrors, ::testing::ValuesIn(spec_op_errors()),
                         [](const ::testing::TestParamInfo<op_error>& i) {
                           return i.param.op + "_" + i.param.error;
                         });

TEST(SpecErrorsData, TheSpecListIsNotEmpty) {
  const auto list = spec_op_errors();
  EXPECT_GE(list.size(), 30u);
  std::set<std::string> ops;
  for (const auto& e : list) ops.insert(e.op);
  EXPECT_EQ(ops.size(), 14u);  // every operation lists its errors
  for (const auto& e : list) EXPECT_GT(e.value, 0) << e.op << "/" << e.error;
}

// The two codes no operation lists but every conduit can give.
// covers: HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020 HMX-MECH-031 HMX-MECH-032
TEST(ConduitErrors, UnknownOperationIsEopnotsupp) {
  world w(kAllowAll);
  bound_client c(w.alpha);
  EXPECT_EQ(c->call(0x7777).error(), errc::opnotsupp);
  EXPECT_EQ(c->call(5).error(), errc::opnotsupp);  // Argo's unused 5..8 (OpenXT's viptables)
  bound_argo_client a(w.alpha);
  EXPECT_EQ(a->call(HMX_OP_BATCH, 0, 1, 0).error(), errc::opnotsupp);  // HMX-only op on Argo
}

// covers: HMX-MECH-031 HMX-MECH-032
TEST(ConduitErrors, CallBlockFlagsMustBeZero) {
  world w(kAllowAll);
  bound_client c(w.alpha);
  hmx_call_block_t cb{};
  cb.op = HMX_OP_NULL;
  cb.flags = 1;
  EXPECT_EQ(c->call(cb).error(), errc::inval);
}

}  // namespace
}  // namespace hmx::loopback
