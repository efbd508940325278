/* SPDX-License-Identifier: Apache-2.0 */
// Small helpers shared by the test files: raw argument structures in test memory, byte checks.
// Freestanding (the tests compile into guest images too).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "conformance/context.h"
#include "conformance/peer_link.h"
#include "conformance/registry.h"

namespace conformance::util {

inline void fill(void* p, unsigned char v, size_t n) { __builtin_memset(p, v, n); }
inline bool same(const void* a, const void* b, size_t n) { return __builtin_memcmp(a, b, n) == 0; }
// True when every byte of [p, p + n) is v.
inline bool all(const void* p, unsigned char v, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i)
    if (b[i] != v) return false;
  return true;
}

// A raw sendv: the send_addr and the iov array are copied to a fresh test page.
inline int64_t sendv(context& ctx, const hmx_send_addr_t& addr, const hmx_iov_t* iovs, uint32_t niov,
                     uint32_t message_type = 0) {
  auto* page = static_cast<unsigned char*>(ctx.pages(1));
  if (page == nullptr) return -HMX_ENOMEM;
  auto* a = reinterpret_cast<hmx_send_addr_t*>(page);
  auto* v = reinterpret_cast<hmx_iov_t*>(page + 64);
  *a = addr;
  for (uint32_t i = 0; i < niov && i < 200; ++i) v[i] = iovs[i];
  return ctx.call(HMX_OP_SENDV, ctx.gpa(a), ctx.gpa(v), niov, message_type);
}

inline hmx_send_addr_t to(uint16_t dst, uint32_t aport, uint32_t src_aport = 0,
                          uint16_t src_dom = HMX_DOMID_ANY) {
  hmx_send_addr_t a{};
  a.src = hmx::make_addr(src_aport, src_dom);
  a.dst = hmx::make_addr(aport, dst);
  return a;
}

// A one-iov sendv of `size` bytes at p.
inline int64_t send_bytes(context& ctx, uint16_t dst, uint32_t aport, const void* p, uint32_t size,
                          uint32_t message_type = 0) {
  const hmx_iov_t iov{ctx.gpa(p), size, 0};
  return sendv(ctx, to(dst, aport), &iov, 1, message_type);
}

// The frame list of a ring's memory, in a fresh test page (rings of up to 512 frames).
inline uint64_t* gfns_of(context& ctx, const ring& r) {
  const uint64_t n = hmx::ring_npages(r.len);
  auto* g = static_cast<uint64_t*>(ctx.pages(static_cast<size_t>((n * 8 + 4095) / 4096)));
  if (g == nullptr) return nullptr;
  for (uint64_t i = 0; i < n; ++i)
    g[i] = ctx.gpa(static_cast<unsigned char*>(r.memory) + i * 4096) >> 12;
  return g;
}

inline hmx_register_ring_t reg_of(const ring& r) {
  hmx_register_ring_t reg{};
  reg.aport = r.aport;
  reg.partner_id = r.partner;
  reg.len = r.len;
  return reg;
}

// Consume every message of a ring; returns how many (or -1 on a corrupt ring).
inline int drain(ring& r) {
  const hmx::result<uint32_t> n = r.reader.for_each([](const hmx::message_view&) {});
  return n.ok() ? static_cast<int>(*n) : -1;
}

// The peer agent and the denied domain, or an untestable mark for `id` when absent.
inline bool need_peer(context& ctx, const char* id) {
  if (ctx.peer() != nullptr && ctx.peer()->alive()) return true;
  ctx.untestable(id, "no peer agent domain answered (see PEERS line and the vendor guide)");
  return false;
}
inline bool need_denied(context& ctx, const char* id) {
  if (ctx.denied_id() != no_domain) return true;
  ctx.untestable(id, "no denied domain found (policy.textproto domain 'denied')");
  return false;
}

// A copy of `n` bytes for later comparison (test memory).
inline unsigned char* snapshot(context& ctx, const void* p, size_t n) {
  auto* s = static_cast<unsigned char*>(ctx.pages((n + 4095) / 4096));
  if (s != nullptr) __builtin_memcpy(s, p, n);
  return s;
}

}  // namespace conformance::util
