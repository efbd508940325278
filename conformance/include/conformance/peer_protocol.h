/* SPDX-License-Identifier: Apache-2.0 */
// Messages between the tester and the peer agent (guest/peer_main.cpp, common/peer_agent.cpp).
//
// The agent registers a wildcard command ring at cmd_port (policy: REGISTER_ANY_SOURCE for
// "peer" and "denied") and follows each command it receives there: one `command` payload per
// message of type cmd_type. It answers every command with one `reply` (type reply_type) to the
// sender's ring at reply_port, which the tester registers with the agent as partner. Everything
// the agent does goes through HMX itself, so the cross-domain tests need nothing from the
// hypervisor but HMX and the policy (docs/guide-hypervisor-vendors.md).
#pragma once

#include <stdint.h>

namespace conformance::peer {

inline constexpr uint32_t cmd_port = 0x48434d44;    // "DMCH"
inline constexpr uint32_t reply_port = 0x48525059;  // "YPRH"
inline constexpr uint32_t cmd_type = 0x434d4401;
inline constexpr uint32_t reply_type = 0x52504c01;
inline constexpr uint32_t cmd_ring_len = 16384 - 64;
// The agent's notification vector (x86_vector) on its vCPU 0.
inline constexpr uint8_t agent_vector = 0x41;

enum op : uint32_t {
  op_ping = 1,             // result 0; reply.source = the command's header source.domain_id
  op_register_ring = 2,    // aport, domain = partner, len, flags -> register_ring's result
  op_unregister_ring = 3,  // aport, domain = partner
  op_send = 4,             // domain = dst, aport, count messages of size bytes of pattern seed+k
  op_drain = 5,            // aport, domain = partner: consume all; count, checksum
  op_notify = 6,           // notify(0) -> result
  op_status = 7,           // reply.status = event page status (then cleared), vectors = count
  op_relay_exit = 8,       // send op_exit to domain's command ring (reaches the denied domain)
  op_exit = 9,             // reply, then exit with status `arg`
  op_fill = 10,            // domain = dst, aport: send size-byte messages until the first error
  // Exposures (feature EXPOSE). A handle travels as seed (bits 31:0) and reserved (bits 63:32).
  op_expose = 11,          // expose len bytes of pattern seed to domain, access flags, uses count -> handle
  op_copy = 12,            // flags 0: fetch, 1: deposit pattern count; owner domain, offset aport, len; checksum
  op_revoke = 13,          // revoke the handle -> result
  op_expose_sum = 14,      // checksum of the first len bytes of the agent's exposure buffer
};

struct command {
  uint32_t op;
  uint32_t seq;
  uint32_t aport;
  uint16_t domain;
  uint16_t pad;
  uint32_t len;
  uint32_t flags;
  uint32_t count;
  uint32_t size;
  uint32_t message_type;
  uint32_t seed;
  uint32_t arg;
  uint32_t reserved;
};
static_assert(sizeof(command) == 48);

struct reply {
  uint32_t op;
  uint32_t seq;
  int64_t result;
  uint32_t count;     // messages sent / drained
  uint32_t checksum;  // drained payload bytes, summed
  uint64_t status;    // op_status: event page status bits
  uint32_t vectors;   // op_status: agent_vector interrupts taken
  uint16_t source;    // the command's source.domain_id as the hypervisor wrote it
  uint16_t self;      // the agent's own domain id (CPUID VERSION EBX)
};
static_assert(sizeof(reply) == 40);

}  // namespace conformance::peer
