// SPDX-License-Identifier: Apache-2.0
// The front-end ("master") side of one vhost-user connection (QEMU docs/interop/vhost-user.rst):
// a UNIX stream socket to a back-end process, requests with SCM_RIGHTS file descriptors, and
// every reply checked like guest input: the request it answers, the version and reply flags,
// its exact size, no file descriptors we did not ask for, values in range. A back-end that
// breaks a rule, closes the socket or does not answer within the time limit leaves the
// connection broken (sticky): every later call fails at once, nothing waits forever.
//
// Not thread-safe: one thread talks to the back-end. Hosted.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hmx/vhost_user/protocol.h"

namespace hmx::vhost_user {

struct frontend_options {
  std::chrono::milliseconds reply_timeout{5000};  // per reply
  // Protocol features wanted when the back-end offers them.
  uint64_t wanted_protocol_features = (uint64_t{1} << kPfMq) | (uint64_t{1} << kPfReplyAck) | (uint64_t{1} << kPfConfig);
};

class frontend {
 public:
  // Connects to the back-end's socket, retrying until `connect_timeout` (a back-end just
  // started may not listen yet). Check ok() / error().
  frontend(const std::string& socket_path, std::chrono::milliseconds connect_timeout, frontend_options options = {});
  // Takes a connected socket (tests: one end of a socketpair).
  explicit frontend(int connected_fd, frontend_options options = {});
  ~frontend();
  frontend(const frontend&) = delete;
  frontend& operator=(const frontend&) = delete;

  bool ok() const { return !broken_; }
  const std::string& error() const { return error_; }
  int fd() const { return fd_; }

  // GET_FEATURES; GET/SET_PROTOCOL_FEATURES (when feature bit 30 is offered); GET_QUEUE_NUM
  // (with PROTOCOL_F_MQ); SET_OWNER. vhost-user.rst "Starting and stopping rings".
  bool handshake();
  uint64_t features() const { return features_; }
  uint64_t protocol_features() const { return protocol_features_; }
  bool has_protocol_feature(unsigned bit) const { return (protocol_features_ >> bit) & 1; }
  uint32_t queue_num() const { return queue_num_; }  // 1 unless PROTOCOL_F_MQ says more

  bool set_features(uint64_t features);
  // One region per entry, its fd in `fds` (same index).
  bool set_mem_table(std::span<const mem_region> regions, std::span<const int> fds);
  bool set_vring_num(uint32_t index, uint32_t num);
  bool set_vring_base(uint32_t index, uint32_t base);
  bool set_vring_addr(const vring_addr& a);
  bool set_vring_kick(uint32_t index, int eventfd);
  bool set_vring_call(uint32_t index, int eventfd);
  bool set_vring_enable(uint32_t index, bool enable);
  // Stops the ring; returns its next available index through `base`.
  bool get_vring_base(uint32_t index, uint32_t& base);
  // PROTOCOL_F_CONFIG: `out.size()` bytes of the device config space at `offset`.
  bool get_config(uint32_t offset, std::span<uint8_t> out);

  // Marks the connection broken with a reason (the caller found the back-end misbehaving).
  void fail(const std::string& why);

 private:
  // Sends one message; with `ack` (REPLY_ACK negotiated and no reply of its own) asks for and
  // checks the u64 acknowledgement.
  bool send(request r, const void* payload, uint32_t size, std::span<const int> fds, bool ack);
  // Receives the reply to `r`: exactly `size` payload bytes, no fds.
  bool receive(request r, void* payload, uint32_t size);
  bool send_u64(request r, uint64_t v, std::span<const int> fds = {});
  bool get_u64(request r, uint64_t& v);
  bool wants_ack() const { return has_protocol_feature(kPfReplyAck); }

  int fd_ = -1;
  frontend_options opt_;
  bool broken_ = false;
  std::string error_;
  uint64_t features_ = 0;
  uint64_t protocol_features_ = 0;
  uint32_t queue_num_ = 1;
};

}  // namespace hmx::vhost_user
