/* SPDX-License-Identifier: MIT */
// Result codes of virtio-argo: negated Xen/HMX errno values, so a libhmx sendv return value
// (the spec's operation errors, <hmx/abi/errors.h>) converts to a `result` with a cast and no
// table. The transport's own codes (EIO, EPROTO, ETIMEDOUT) are the spec data's too
// (<hmx/abi/vta.h>). Freestanding: no headers beyond <cstdint> and the generated ABI.
#pragma once

#include <cstdint>

#include <hmx/abi/errors.h>
#include <hmx/abi/vta.h>

namespace hmx::virtio_argo {

enum class result : int32_t {
  ok = 0,
  io = -HMX_VTA_EIO,                 // the device reported an I/O failure, or a request was abandoned
  again = -HMX_EAGAIN,               // the destination ring is full; a space wait was queued (sendv)
  denied = -HMX_EACCES,              // the MAC policy forbids the exchange (sendv, register_ring)
  busy = -HMX_EBUSY,                 // one control request is already outstanding (HMX-VTA-059 HMX-VTA-060 HMX-VTA-061)
  no_device = -HMX_ENODEV,           // the device was removed or the transport is broken (HMX-VTA-034)
  invalid = -HMX_EINVAL,             // a malformed argument or message
  no_space = -HMX_ENOSPC,            // no free descriptors / no free in-flight slot
  protocol = -HMX_VTA_EPROTO,        // the peer broke the virtio-argo protocol
  msg_size = -HMX_EMSGSIZE,          // a message larger than the receiver's ring accepts
  not_supported = -HMX_EOPNOTSUPP,
  timed_out = -HMX_VTA_ETIMEDOUT,    // no response within the request timeout (HMX-VTA-102 HMX-VTA-103 HMX-VTA-104)
  conn_refused = -HMX_ECONNREFUSED,  // the peer's ring is gone (sendv)
  no_entry = -HMX_ENOENT,            // an exposure handle names no live exposure (fetch, deposit, revoke)
  not_permitted = -HMX_EPERM,        // the exposure lacks the access asked for (fetch, deposit)
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
    case result::no_entry: return "no_entry";
    case result::not_permitted: return "not_permitted";
  }
  return "unknown";
}

}  // namespace hmx::virtio_argo
