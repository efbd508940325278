/* SPDX-License-Identifier: MIT */
// Result codes of virtio-argo: negated Xen/HMX errno values, so a libhmx sendv return value
// (spec/hmx.textproto "errors") converts to a `result` with a cast and no table.
// Freestanding: no headers beyond <cstdint>.
#pragma once

#include <cstdint>

namespace hmx::virtio_argo {

enum class result : int32_t {
  ok = 0,
  io = -5,             // EIO: the device reported an I/O failure, or a request was abandoned
  again = -11,         // EAGAIN: the destination ring is full; a space wait was queued (HMX sendv)
  denied = -13,        // EACCES: the MAC policy forbids the exchange (HMX sendv, register_ring)
  busy = -16,          // EBUSY: one control request is already outstanding (HMX-VTA-011)
  no_device = -19,     // ENODEV: the device was removed or the transport is broken (HMX-VTA-034)
  invalid = -22,       // EINVAL: a malformed argument or message
  no_space = -28,      // ENOSPC: no free descriptors / no free in-flight slot
  protocol = -71,      // EPROTO: the peer broke the virtio-argo protocol
  msg_size = -90,      // EMSGSIZE: a message larger than the receiver's ring accepts
  not_supported = -95, // EOPNOTSUPP
  timed_out = -110,    // ETIMEDOUT: no response within the request timeout (HMX-VTA-033)
  conn_refused = -111, // ECONNREFUSED: the peer's ring is gone (HMX sendv)
};

constexpr bool ok(result r) { return r == result::ok; }

// Short name for logs and test failure messages.
constexpr const char* to_string(result r) {
  switch (r) {
    case result::ok: return "ok";
    case result::io: return "io";
    case result::again: return "again";
    case result::denied: return "denied";
    case result::busy: return "busy";
    case result::no_device: return "no_device";
    case result::invalid: return "invalid";
    case result::no_space: return "no_space";
    case result::protocol: return "protocol";
    case result::msg_size: return "msg_size";
    case result::not_supported: return "not_supported";
    case result::timed_out: return "timed_out";
    case result::conn_refused: return "conn_refused";
  }
  return "unknown";
}

}  // namespace hmx::virtio_argo
