// SPDX-License-Identifier: Apache-2.0
// The peer agent (peer_protocol.h): a domain that follows the tester's commands, so that the
// cross-domain requirements (MAC policy, delivery between domains, space waits, teardown of a
// partner) are tested between two real domains. It runs in the peer and the denied domain.
#include "conformance/format.h"
#include "conformance/peer_protocol.h"
#include "conformance/suite.h"

namespace conformance {

namespace {

constexpr unsigned kMaxRings = 16;
constexpr uint32_t kSendBufferBytes = 65536;
constexpr uint32_t kExposeBufferBytes = 16384;

struct agent_ring {
  bool used = false;
  uint32_t aport = 0;
  uint16_t partner = 0;
  uint32_t len = 0;
  void* memory = nullptr;
  hmx::ring_reader reader;
};

class agent {
 public:
  explicit agent(context& ctx) : ctx_(ctx), c_(ctx.client(0)), x_(c_, ctx.environment(0)) {}

  int run() {
    if (ctx_.has_feature(HMX_FEATURE_EVENT_PAGE)) {
      events_ = static_cast<hmx_event_page_t*>(ctx_.pages(1));
      if (events_ != nullptr && !c_.set_event_page(events_).ok()) events_ = nullptr;
    }
    // With its vector registered the agent sleeps until a message arrives (HMX-EVENT-022 HMX-EVENT-023).
    if (ctx_.has_feature(HMX_FEATURE_VECTOR))
      ctx_.plat().idle_by_interrupt(c_.set_vector(0, hmx::vector_reg::unmasked(ctx_.vector(peer::agent_vector))).ok());
    send_buffer_ = static_cast<unsigned char*>(ctx_.pages(kSendBufferBytes / 4096));
    scratch_ = static_cast<unsigned char*>(ctx_.pages(1));
    expose_buffer_ = static_cast<unsigned char*>(ctx_.pages(kExposeBufferBytes / 4096));
    void* mem = ctx_.pages(static_cast<size_t>(hmx::ring_npages(peer::cmd_ring_len)));
    if (mem == nullptr || send_buffer_ == nullptr || scratch_ == nullptr) return 1;
    hmx::ring_registration reg;
    reg.memory = mem;
    reg.len = peer::cmd_ring_len;
    reg.aport = peer::cmd_port;
    reg.partner_id = HMX_DOMID_ANY;
    const hmx::status s = c_.register_ring(reg);
    ctx_.line("HMXP READY domid=%u cmd_ring=%s", ctx_.domid(), s.name());
    if (!s.ok()) return 1;
    cmd_ = hmx::ring_reader(mem, peer::cmd_ring_len);

    platform& p = ctx_.plat();
    while (!p.stop_requested()) {
      p.poll();
      // Clear the pending bits before consuming (HMX-EVENT-030 HMX-EVENT-031): a hypervisor may skip the
      // interrupt for a bit that is still set (HMX-EVENT-008), and the agent sleeps until one.
      if (events_ != nullptr) (void)hmx::take_ring_pending(events_, [](uint32_t) {});
      unsigned handled = 0;
      (void)cmd_.for_each([&](const hmx::message_view& m) {
        ++handled;
        if (m.message_type != peer::cmd_type || m.size != sizeof(peer::command)) return;
        peer::command c;
        m.copy_to(&c);
        handle(c, m.source.domain_id);
      });
      if (handled != 0) (void)c_.notify();  // HMX-NOTIFY-006: wake senders waiting for space
      if (exit_) return exit_status_;
      if (handled == 0) p.idle(20000);
    }
    return 0;
  }

 private:
  agent_ring* find(uint32_t aport, uint16_t partner) {
    for (auto& r : rings_)
      if (r.used && r.aport == aport && r.partner == partner) return &r;
    return nullptr;
  }

  void fill_pattern(uint32_t seed, uint32_t size) {
    for (uint32_t i = 0; i < size; ++i) send_buffer_[i] = pattern_byte(seed, i);
  }

  int64_t send_one(const peer::command& c, uint32_t k) {
    const uint32_t size = c.size < kSendBufferBytes ? c.size : kSendBufferBytes;
    fill_pattern(c.seed + k, size);
    const hmx::result<uint32_t> r =
        c_.send(hmx::make_addr(c.aport, c.domain), send_buffer_, size, c.message_type);
    return r.ok() ? static_cast<int64_t>(*r) : r.error().code();
  }

  void handle(const peer::command& c, uint16_t source) {
    peer::reply r{};
    r.op = c.op;
    r.seq = c.seq;
    r.source = source;
    r.self = ctx_.domid();
    switch (c.op) {
      case peer::op_ping:
        break;
      case peer::op_register_ring: {
        agent_ring* slot = find(c.aport, c.domain);
        if (slot == nullptr)
          for (auto& x : rings_)
            if (!x.used) {
              slot = &x;
              break;
            }
        if (slot == nullptr) {
          r.result = -HMX_ENOMEM;
          break;
        }
        void* mem = ctx_.pages(static_cast<size_t>(hmx::ring_npages(c.len)));
        if (mem == nullptr) {
          r.result = -HMX_ENOMEM;
          break;
        }
        hmx::ring_registration reg;
        reg.memory = mem;
        reg.len = c.len;
        reg.aport = c.aport;
        reg.partner_id = c.domain;
        reg.flags = c.flags;
        r.result = c_.register_ring(reg).code();
        if (r.result == 0) *slot = agent_ring{true, c.aport, c.domain, c.len, mem, hmx::ring_reader(mem, c.len)};
        break;
      }
      case peer::op_unregister_ring: {
        r.result = c_.unregister_ring(c.aport, c.domain).code();
        if (agent_ring* x = find(c.aport, c.domain); x != nullptr && r.result == 0) x->used = false;
        break;
      }
      case peer::op_send: {
        for (uint32_t k = 0; k < c.count; ++k) {
          r.result = send_one(c, k);
          if (r.result < 0) break;
          ++r.count;
        }
        break;
      }
      case peer::op_fill: {
        for (uint32_t k = 0; k < 100000; ++k) {
          r.result = send_one(c, k);
          if (r.result < 0) break;
          ++r.count;
        }
        break;
      }
      case peer::op_drain: {
        agent_ring* x = find(c.aport, c.domain);
        if (x == nullptr) {
          r.result = -HMX_ENOENT;
          break;
        }
        const hmx::result<uint32_t> n = x->reader.for_each([&](const hmx::message_view& m) {
          for (uint32_t i = 0; i < m.first_size; ++i) r.checksum += m.first[i];
          for (uint32_t i = 0; i < m.second_size; ++i) r.checksum += m.second[i];
        });
        r.result = n.ok() ? 0 : n.error().code();
        r.count = n.value_or(0);
        (void)c_.notify();
        break;
      }
      case peer::op_notify:
        r.result = c_.notify().code();
        break;
      case peer::op_status:
        if (events_ != nullptr) r.status = hmx::test_and_clear_status(events_, ~uint64_t{0});
        r.vectors = ctx_.plat().vector_count(0, ctx_.vector(peer::agent_vector));
        break;
      case peer::op_relay_exit: {
        // Buffers must be guest RAM (a host stack is not, in-process).
        auto* e = reinterpret_cast<peer::command*>(scratch_);
        *e = peer::command{};
        e->op = peer::op_exit;
        const hmx::result<uint32_t> s =
            c_.send(hmx::make_addr(peer::cmd_port, c.domain), e, sizeof *e, peer::cmd_type);
        r.result = s.ok() ? 0 : s.error().code();
        break;
      }
      case peer::op_expose: {
        const uint32_t len = c.len < kExposeBufferBytes ? c.len : kExposeBufferBytes;
        if (expose_buffer_ == nullptr) {
          r.result = -HMX_ENOMEM;
          break;
        }
        for (uint32_t i = 0; i < len; ++i) expose_buffer_[i] = pattern_byte(c.seed, i);
        const hmx::result<uint64_t> h =
            x_.expose(expose_buffer_, len, c.domain, static_cast<uint16_t>(c.flags), c.count);
        r.result = h.ok() ? static_cast<int64_t>(*h) : h.error().code();
        break;
      }
      case peer::op_copy: {
        const uint64_t handle = (uint64_t{c.reserved} << 32) | c.seed;
        const uint32_t len = c.len < kSendBufferBytes ? c.len : kSendBufferBytes;
        if (c.flags == 1) fill_pattern(c.count, len);
        const hmx::result<uint32_t> n = c.flags == 1 ? x_.deposit(c.domain, handle, c.aport, send_buffer_, len)
                                                     : x_.fetch(c.domain, handle, c.aport, send_buffer_, len);
        r.result = n.ok() ? static_cast<int64_t>(*n) : n.error().code();
        if (n.ok() && c.flags == 0)
          for (uint32_t i = 0; i < *n; ++i) r.checksum += send_buffer_[i];
        break;
      }
      case peer::op_revoke:
        r.result = x_.revoke((uint64_t{c.reserved} << 32) | c.seed).code();
        break;
      case peer::op_expose_sum:
        for (uint32_t i = 0; i < c.len && i < kExposeBufferBytes && expose_buffer_ != nullptr; ++i)
          r.checksum += expose_buffer_[i];
        break;
      case peer::op_exit:
        exit_ = true;
        exit_status_ = static_cast<int>(c.arg);
        break;
      default:
        r.result = -HMX_EINVAL;
        break;
    }
    auto* out = reinterpret_cast<peer::reply*>(scratch_ + 512);
    *out = r;
    (void)c_.send(hmx::make_addr(peer::reply_port, source), out, sizeof r, peer::reply_type);
  }

  context& ctx_;
  client_t& c_;
  hmx::ring_reader cmd_;
  hmx_event_page_t* events_ = nullptr;
  unsigned char* send_buffer_ = nullptr;
  unsigned char* scratch_ = nullptr;
  unsigned char* expose_buffer_ = nullptr;  // what op_expose offers
  hmx::exposures<conduit, env> x_;
  agent_ring rings_[kMaxRings];
  bool exit_ = false;
  int exit_status_ = 0;
};

}  // namespace

int run_peer_agent(context& ctx) noexcept {
  ctx.line("HMXP BEGIN protocol=1 role=peer");
  if (!ctx.start()) {
    ctx.line("HMXP ABSENT reason=%s", ctx.absent_reason());
    return 77;
  }
  ctx.use_persistent_memory(true);
  agent a(ctx);
  const int status = a.run();
  ctx.line("HMXP EXIT status=%d", status);
  return status;
}

}  // namespace conformance
