/* SPDX-License-Identifier: MIT */
// The message channel: what virtio-argo needs from HMX, and all it needs. One channel is one
// side of a connection (spec "Connections"): sends go to the peer's ring, receives come from
// this side's own ring. The lead binds it to libhmx (send = sendv to the peer's (domain, aport)
// with message_type VTA_MESSAGE_TYPE; receive = the ring reader on the own ring, dropping
// messages of another source or message_type; wait = halt until the ring's event bit or
// EVENT_SPACE_AVAILABLE). loopback.h is the in-process binding for tests. Freestanding.
#pragma once

#include <concepts>
#include <cstdint>

#include "hmx/virtio_argo/result.h"

namespace hmx::virtio_argo {

// One piece of a gathered message, in the sender's own address space.
struct chan_iov {
  const void* base;
  uint32_t len;
};

struct recv_result {
  result status;      // ok, again (ring empty), msg_size (message dropped: larger than cap),
                      // conn_refused (the connection is gone)
  uint32_t size = 0;  // bytes of the message when ok
};

// send(iov, n):  one message, the concatenation of n (1..VTA_MAX_IOV) pieces, all or nothing.
//                Returns ok; again when the peer's ring lacks space (the channel then reports
//                space-available through wait(), HMX-VTA-080 HMX-VTA-081 HMX-VTA-082); msg_size when the message can
//                never fit; conn_refused when the peer's ring does not exist (peer gone).
// receive(buf, cap): the oldest message of the own ring, copied to buf, in the order sent.
// max_message_size(): largest message the peer's ring accepts (notify's max_message_size, or
//                the CONNECT exchange).
// wait(timeout_ns): blocks until a message may have arrived, space may have freed, the peer may
//                have gone, or timeout_ns passed (then timed_out). Spurious returns are allowed.
// now_ns():      a monotonic clock for request time-outs (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104).
template <class C>
concept message_channel = requires(C& c, const chan_iov* iov, uint32_t n, void* buf, uint32_t cap,
                                   uint64_t timeout) {
  { c.send(iov, n) } -> std::same_as<result>;
  { c.receive(buf, cap) } -> std::same_as<recv_result>;
  { c.max_message_size() } -> std::same_as<uint32_t>;
  { c.wait(timeout) } -> std::same_as<result>;
  { c.now_ns() } -> std::same_as<uint64_t>;
};

// Optional: several messages in one call (an HMX batch: one hypervisor exit for all of them,
// docs/ARCHITECTURE.md decision 6). Sent in order; the first that fails stops the rest. Returns how many were
// sent; `failure` receives the result of the first one not sent (ok when all were). The driver
// transport uses it when a channel offers it (queue_proxy.h); each message keeps send()'s
// all-or-nothing meaning.
struct chan_msg {
  const chan_iov* iov;
  uint32_t n;
};

template <class C>
concept batch_message_channel =
    message_channel<C> && requires(C& c, const chan_msg* m, uint32_t n, result& failure) {
      { c.send_batch(m, n, failure) } -> std::same_as<uint32_t>;
    };

// Optional: the next message handed over in place, without a copy into the caller's buffer
// (the binding's own ring: no other domain can write there, so reading in place is safe).
// receive_view(scratch, cap, f) calls f(const uint8_t* data, uint32_t size) once with the whole
// message, contiguous: in place, or in `scratch` when the message wraps around the ring's end
// (then it must fit cap, else msg_size). The message is consumed when f returns, so f must not
// keep the pointer. Statuses as receive(); f runs only for ok.
template <class C>
concept view_message_channel = message_channel<C> && requires(C& c, uint8_t* scratch, uint32_t cap) {
  { c.receive_view(scratch, cap, [](const uint8_t*, uint32_t) {}) } -> std::same_as<recv_result>;
};

// Optional: exposures (spec exposures, feature EXPOSE). The channel's peer is the only other
// domain an exposure names. expose(range, len, access, uses) offers [range, range + len) to the
// peer with EXPOSE_READ and/or EXPOSE_WRITE for `uses` successful copies and returns the handle
// to carry in a message; fetch / deposit copy out of / into the peer's exposure `handle` at
// `offset`, all `len` bytes or none; revoke(handle) ends an own exposure, after which no copy
// touches the range (HMX-XPOSE-032). Statuses: the spec's codes as `result` (no_entry: no live
// exposure of the peer names the handle; not_permitted: the access is missing; invalid: the range
// exceeds the exposure; not_supported: the hypervisor does not offer EXPOSE).
// exposures_available() is false when the operations would answer not_supported, so the caller
// keeps its data-in-message path.
struct expose_result {
  result status;
  uint64_t handle = 0;
};

template <class C>
concept exposure_channel = message_channel<C> && requires(C& c, const void* src, void* dst, uint32_t len,
                                                          uint16_t access, uint64_t handle, uint64_t offset) {
  { c.exposures_available() } -> std::same_as<bool>;
  { c.expose(src, len, access, len) } -> std::same_as<expose_result>;
  { c.fetch(handle, offset, dst, len) } -> std::same_as<result>;
  { c.deposit(handle, offset, src, len) } -> std::same_as<result>;
  { c.revoke(handle) } -> std::same_as<result>;
};

// Optional: several fetches or deposits in one call (an HMX batch of op 23 / op 24 entries, spec
// 08-batching; one exit for all of them). copy_batch(ops, n, deposit) runs ops[0..n) in order, each
// as fetch(handle, offset, buf, len) (or deposit when `deposit`), and writes each one's result into
// its `status`: a failed entry does not stop the others (no STOP_ON_ERROR). Returns how many ran, a
// prefix of ops: the rest were not run (the call's CALL_BYTE_BUDGET, or the binding's batch size)
// and copied nothing, and the caller submits them again, in order, in a new call (spec
// "The per-call byte budget"). With n > 0 at least the first entry runs.
struct chan_copy {
  uint64_t handle = 0;
  uint64_t offset = 0;
  void* buf = nullptr;  // dst of a fetch, src of a deposit
  uint32_t len = 0;
  result status = result::ok;
};

template <class C>
concept batch_exposure_channel = exposure_channel<C> && requires(C& c, chan_copy* ops, uint32_t n, bool deposit) {
  { c.copy_batch(ops, n, deposit) } -> std::same_as<uint32_t>;
};

}  // namespace hmx::virtio_argo
