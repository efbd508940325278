// SPDX-License-Identifier: Apache-2.0
// The tester's side of the peer agent (peer_link.h).
#include "conformance/peer_link.h"

namespace conformance {

namespace {

// "hmxc.peer=N" in the start_info command line; -1 when absent.
int cmdline_value(const char* s, const char* key) {
  for (const char* p = s; p != nullptr && *p != '\0'; ++p) {
    if (p != s && p[-1] != ' ') continue;
    const char* k = key;
    const char* q = p;
    while (*k != '\0' && *q == *k) ++k, ++q;
    if (*k != '\0') continue;
    int v = 0;
    bool digits = false;
    for (; *q >= '0' && *q <= '9'; ++q, digits = true) v = v * 10 + (*q - '0');
    return digits ? v : -1;
  }
  return -1;
}

// "domains=tester:1,peer:2,denied:3" (hmx-kvm's guest command line, adapters/kvm/README.md):
// the id of the domain called `name`, or -1.
int directory_value(const char* s, const char* name) {
  for (const char* p = s; p != nullptr && *p != '\0'; ++p) {
    if ((p != s && p[-1] != ' ') || p[0] != 'd') continue;
    const char* k = "domains=";
    const char* q = p;
    while (*k != '\0' && *q == *k) ++k, ++q;
    if (*k != '\0') continue;
    while (*q != '\0' && *q != ' ') {
      const char* n = name;
      const char* e = q;
      while (*n != '\0' && *e == *n) ++n, ++e;
      const bool match = *n == '\0' && *e == ':';
      while (*q != '\0' && *q != ' ' && *q != ':') ++q;
      if (*q != ':') return -1;
      ++q;
      int v = 0;
      bool digits = false;
      for (; *q >= '0' && *q <= '9'; ++q, digits = true) v = v * 10 + (*q - '0');
      if (match && digits) return v;
      if (*q == ',') ++q;
    }
    return -1;
  }
  return -1;
}

}  // namespace

void peer_link::discover(uint32_t timeout_ms) noexcept {
  // Where the monitor says (hmxc.peer=N hmxc.denied=N, or hmx-kvm's domains= directory), else
  // by asking the hypervisor (below).
  const char* cmdline = ctx_.plat().cmdline();
  int peer = cmdline_value(cmdline, "hmxc.peer=");
  int denied = cmdline_value(cmdline, "hmxc.denied=");
  if (peer < 0) peer = directory_value(cmdline, "peer");
  if (denied < 0) denied = directory_value(cmdline, "denied");
  if (peer < 0 || denied < 0) {
    auto* ent = static_cast<hmx_ring_data_ent_t*>(ctx_.pages(1));
    if (ent == nullptr) return;
    const uint64_t deadline = ctx_.plat().now_us() + uint64_t{timeout_ms} * 1000;
    for (;;) {
      // One entry per call: a denied entry fails the whole notify with EACCES (HMX-MAC-002).
      for (unsigned id = 0; id < 256 && (peer < 0 || denied < 0); ++id) {
        if (id == ctx_.domid()) continue;
        *ent = hmx_ring_data_ent_t{};
        ent->ring = hmx::make_addr(peer::cmd_port, static_cast<uint16_t>(id));
        const hmx::status s = ctx_.client(0).notify(ent, 1);
        if (s == hmx::errc::acces && denied < 0) denied = static_cast<int>(id);
        if (s.ok() && (ent->flags & HMX_RING_EXISTS) != 0 && peer < 0) peer = static_cast<int>(id);
      }
      if ((peer >= 0 && denied >= 0) || ctx_.plat().now_us() > deadline) break;
      const uint64_t pause_until = ctx_.plat().now_us() + 50000;
      while (ctx_.plat().now_us() < pause_until) ctx_.plat().relax();
    }
  }
  ctx_.set_domains(peer < 0 ? no_domain : static_cast<uint16_t>(peer),
                   denied < 0 ? no_domain : static_cast<uint16_t>(denied));
}

bool peer_link::connect(uint32_t timeout_ms) noexcept {
  const uint16_t id = ctx_.peer_id();
  if (id == no_domain) return false;
  out_ = static_cast<peer::command*>(ctx_.pages(1));
  if (out_ == nullptr) return false;
  reply_.len = peer::cmd_ring_len;
  reply_.memory = ctx_.pages(static_cast<size_t>(hmx::ring_npages(reply_.len)));
  if (reply_.memory == nullptr) return false;
  reply_.aport = peer::reply_port;
  reply_.partner = id;
  reply_.reader = hmx::ring_reader(reply_.memory, reply_.len);
  const hmx::status reg = ctx_.client(0).register_ring(reply_.registration());
  if (!reg.ok()) {
    ctx_.info("peer link: register_ring(reply ring, partner %u): %s", id, reg.name());
    return false;
  }
  reply_.registered = true;
  ctx_.add_persistent_ring();
  connected_ = true;
  // The agent may still be booting: retry until its command ring exists and it answers.
  peer::command c{};
  c.op = peer::op_ping;
  const uint64_t deadline = ctx_.plat().now_us() + uint64_t{timeout_ms} * 1000;
  peer::reply r{};
  do {
    r = call(c, 1000);
    if (r.result == 0) break;
    const uint64_t pause_until = ctx_.plat().now_us() + 50000;
    while (ctx_.plat().now_us() < pause_until) ctx_.plat().relax();
  } while (ctx_.plat().now_us() < deadline);
  connected_ = r.result == 0;
  if (!connected_)
    ctx_.info("peer link: ping of domain %u: %s", id,
              r.result == peer_timeout ? "no reply in time" : hmx::error_name(r.result));
  return connected_;
}

peer::reply peer_link::call(peer::command cmd, uint32_t timeout_ms) noexcept {
  peer::reply out{};
  out.result = peer_timeout;
  if (!connected_) return out;
  cmd.seq = ++seq_;
  *out_ = cmd;
  const hmx::result<uint32_t> sent = ctx_.client(0).send(
      hmx::make_addr(peer::cmd_port, ctx_.peer_id()), out_, sizeof cmd, peer::cmd_type);
  if (!sent.ok()) {
    out.result = sent.error().code();
    return out;
  }
  bool got = false;
  (void)ctx_.wait_until(
      [&] {
        (void)reply_.reader.for_each([&](const hmx::message_view& m) {
          if (m.message_type != peer::reply_type || m.size != sizeof(peer::reply)) return;
          peer::reply r;
          m.copy_to(&r);
          if (r.seq == cmd.seq) {
            out = r;
            got = true;
          }
        });
        return got;
      },
      timeout_ms);
  if (got) (void)ctx_.client(0).notify();  // space for the agent's next reply (HMX-NOTIFY-006)
  return out;
}

peer::reply peer_link::simple(uint32_t op, uint32_t aport, uint16_t domain, uint32_t len,
                              uint32_t flags) noexcept {
  peer::command c{};
  c.op = op;
  c.aport = aport;
  c.domain = domain;
  c.len = len;
  c.flags = flags;
  return call(c);
}

}  // namespace conformance
