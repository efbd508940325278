/* SPDX-License-Identifier: Apache-2.0 */
// The tester's side of the peer agent (peer_protocol.h): finding the peer and the denied domain,
// and sending the agent commands with a time limit.
#pragma once

#include <stdint.h>

#include "conformance/context.h"
#include "conformance/peer_protocol.h"

namespace conformance {

// Reply result when no reply came in time (not an HMX error code).
inline constexpr int64_t peer_timeout = -100000;

class peer_link {
 public:
  explicit peer_link(context& ctx) noexcept : ctx_(ctx) {}

  // Find the domains by asking the hypervisor itself: a one-entry notify query of
  // (id, cmd_port) returns RING_EXISTS for the peer (its wildcard command ring) and fails with
  // EACCES for a domain the policy forbids us to send to (HMX-MAC-002). The start_info command
  // line may name them instead: "hmxc.peer=N hmxc.denied=N", or hmx-kvm's directory
  // "domains=tester:1,peer:2,denied:3". Waits up to timeout_ms for both.
  void discover(uint32_t timeout_ms) noexcept;
  // Register the reply ring (partner: the peer) and ping the agent until it answers or
  // timeout_ms pass.
  bool connect(uint32_t timeout_ms) noexcept;
  [[nodiscard]] bool connected() const noexcept { return connected_; }
  [[nodiscard]] bool alive() const noexcept { return connected_ && !exited_; }
  void mark_exited() noexcept { exited_ = true; }

  // Send a command and wait for its reply; reply.result is peer_timeout when none came.
  peer::reply call(peer::command cmd, uint32_t timeout_ms = 5000) noexcept;
  peer::reply simple(uint32_t op, uint32_t aport = 0, uint16_t domain = 0, uint32_t len = 0,
                     uint32_t flags = 0) noexcept;

 private:
  context& ctx_;
  ring reply_{};
  peer::command* out_ = nullptr;  // the command being sent: in guest RAM, not on a host stack
  uint32_t seq_ = 0;
  bool connected_ = false;
  bool exited_ = false;
};

}  // namespace conformance
