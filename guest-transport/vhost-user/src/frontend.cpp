// SPDX-License-Identifier: Apache-2.0
#include "hmx/vhost_user/frontend.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace hmx::vhost_user {

const char* to_string(request r) {
  switch (r) {
    case request::get_features: return "GET_FEATURES";
    case request::set_features: return "SET_FEATURES";
    case request::set_owner: return "SET_OWNER";
    case request::set_mem_table: return "SET_MEM_TABLE";
    case request::set_vring_num: return "SET_VRING_NUM";
    case request::set_vring_addr: return "SET_VRING_ADDR";
    case request::set_vring_base: return "SET_VRING_BASE";
    case request::get_vring_base: return "GET_VRING_BASE";
    case request::set_vring_kick: return "SET_VRING_KICK";
    case request::set_vring_call: return "SET_VRING_CALL";
    case request::get_protocol_features: return "GET_PROTOCOL_FEATURES";
    case request::set_protocol_features: return "SET_PROTOCOL_FEATURES";
    case request::get_queue_num: return "GET_QUEUE_NUM";
    case request::set_vring_enable: return "SET_VRING_ENABLE";
    case request::get_config: return "GET_CONFIG";
  }
  return "request?";
}

namespace {

int connect_once(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return -1;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits until fd is readable or the deadline passes.
bool wait_readable(int fd, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

void close_fds(const cmsghdr* c) {
  const size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
  const int* fds = reinterpret_cast<const int*>(CMSG_DATA(c));
  for (size_t i = 0; i < n; ++i) {
    int fd;
    std::memcpy(&fd, fds + i, sizeof fd);
    ::close(fd);
  }
}

}  // namespace

frontend::frontend(const std::string& socket_path, std::chrono::milliseconds connect_timeout, frontend_options options)
    : opt_(options) {
  const auto end = std::chrono::steady_clock::now() + connect_timeout;
  for (;;) {
    fd_ = connect_once(socket_path);
    if (fd_ >= 0) return;
    if (std::chrono::steady_clock::now() >= end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fail("cannot connect to " + socket_path + ": " + std::strerror(errno));
}

frontend::frontend(int connected_fd, frontend_options options) : fd_(connected_fd), opt_(options) {
  if (fd_ < 0) fail("no socket");
}

frontend::~frontend() {
  if (fd_ >= 0) ::close(fd_);
}

void frontend::fail(const std::string& why) {
  if (!broken_) error_ = why;
  broken_ = true;
}

bool frontend::send(request r, const void* payload, uint32_t size, std::span<const int> fds, bool ack) {
  if (broken_) return false;
  if (size > kMaxPayload || fds.size() > kMaxFds) {
    fail(std::string(to_string(r)) + ": message too large");
    return false;
  }
  header h{static_cast<uint32_t>(r), kVersion | (ack ? kFlagNeedReply : 0u), size};
  iovec iov[2] = {{&h, sizeof h}, {const_cast<void*>(payload), size}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = size != 0 ? 2 : 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (!fds.empty()) {
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  const size_t total = sizeof h + size;
  ssize_t n;
  do n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(total)) {
    // A stream socket to a local peer takes a <= 4 KiB message whole or fails.
    fail(std::string(to_string(r)) + ": back-end gone (send: " + (n < 0 ? std::strerror(errno) : "short") + ")");
    return false;
  }
  if (!ack) return true;
  uint64_t status = 0;
  if (!receive(r, &status, sizeof status)) return false;
  if (status != 0) {
    fail(std::string(to_string(r)) + ": refused by the back-end (status " + std::to_string(status) + ")");
    return false;
  }
  return true;
}

bool frontend::receive(request r, void* payload, uint32_t size) {
  if (broken_) return false;
  const auto deadline = std::chrono::steady_clock::now() + opt_.reply_timeout;
  const std::string what = std::string(to_string(r)) + " reply: ";
  // Header first (with any fds the back-end attached), then the payload it announces.
  header h{};
  size_t got = 0;
  while (got < sizeof h) {
    if (!wait_readable(fd_, deadline)) {
      fail(what + "no answer within " + std::to_string(opt_.reply_timeout.count()) + " ms");
      return false;
    }
    iovec iov{reinterpret_cast<char*>(&h) + got, sizeof h - got};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &m, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    bool had_fds = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        close_fds(c);
        had_fds = true;
      }
    }
    if (n <= 0) {
      fail(what + "back-end gone (" + (n == 0 ? std::string("connection closed") : std::strerror(errno)) + ")");
      return false;
    }
    if (had_fds || (m.msg_flags & MSG_CTRUNC) != 0) {
      fail(what + "carried file descriptors nobody asked for");
      return false;
    }
    got += static_cast<size_t>(n);
  }
  if (h.request != static_cast<uint32_t>(r)) {
    fail(what + "answers request " + std::to_string(h.request));
    return false;
  }
  if ((h.flags & kVersionMask) != kVersion || (h.flags & kFlagReply) == 0 || (h.flags & ~(kVersionMask | kFlagReply)) != 0) {
    fail(what + "bad flags 0x" + std::to_string(h.flags));
    return false;
  }
  if (h.size != size) {
    fail(what + "size " + std::to_string(h.size) + ", expected " + std::to_string(size));
    return false;
  }
  got = 0;
  while (got < size) {
    if (!wait_readable(fd_, deadline)) {
      fail(what + "payload not complete within the time limit");
      return false;
    }
    const ssize_t n = ::recv(fd_, static_cast<char*>(payload) + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail(what + "back-end gone mid-message");
      return false;
    }
    got += static_cast<size_t>(n);
  }
  return true;
}

bool frontend::send_u64(request r, uint64_t v, std::span<const int> fds) {
  return send(r, &v, sizeof v, fds, wants_ack());
}

bool frontend::get_u64(request r, uint64_t& v) {
  return send(r, nullptr, 0, {}, false) && receive(r, &v, sizeof v);
}

bool frontend::handshake() {
  if (!get_u64(request::get_features, features_)) return false;
  if ((features_ >> kFProtocolFeatures) & 1) {
    uint64_t offered = 0;
    if (!get_u64(request::get_protocol_features, offered)) return false;
    protocol_features_ = offered & opt_.wanted_protocol_features;
    // SET_PROTOCOL_FEATURES itself is never acknowledged: REPLY_ACK starts after it.
    uint64_t pf = protocol_features_;
    if (!send(request::set_protocol_features, &pf, sizeof pf, {}, false)) return false;
  }
  if (has_protocol_feature(kPfMq)) {
    uint64_t n = 0;
    if (!get_u64(request::get_queue_num, n)) return false;
    if (n == 0 || n > kMaxQueues) {
      fail("GET_QUEUE_NUM reply: " + std::to_string(n) + " queues is out of range");
      return false;
    }
    queue_num_ = static_cast<uint32_t>(n);
  }
  return send(request::set_owner, nullptr, 0, {}, wants_ack());
}

bool frontend::set_features(uint64_t features) {
  if ((features & ~features_) != 0) {
    fail("SET_FEATURES: bits the back-end did not offer");
    return false;
  }
  return send_u64(request::set_features, features);
}

bool frontend::set_mem_table(std::span<const mem_region> regions, std::span<const int> fds) {
  if (regions.empty() || regions.size() > kMaxMemRegions || regions.size() != fds.size()) {
    fail("SET_MEM_TABLE: bad region list");
    return false;
  }
  mem_table t{};
  t.nregions = static_cast<uint32_t>(regions.size());
  for (size_t i = 0; i < regions.size(); ++i) t.regions[i] = regions[i];
  return send(request::set_mem_table, &t, mem_table_size(t.nregions), fds, wants_ack());
}

bool frontend::set_vring_num(uint32_t index, uint32_t num) {
  vring_state s{index, num};
  return send(request::set_vring_num, &s, sizeof s, {}, wants_ack());
}

bool frontend::set_vring_base(uint32_t index, uint32_t base) {
  vring_state s{index, base};
  return send(request::set_vring_base, &s, sizeof s, {}, wants_ack());
}

bool frontend::set_vring_addr(const vring_addr& a) {
  return send(request::set_vring_addr, &a, sizeof a, {}, wants_ack());
}

bool frontend::set_vring_kick(uint32_t index, int eventfd) {
  const int fds[1] = {eventfd};
  return send_u64(request::set_vring_kick, index & kVringIndexMask, fds);
}

bool frontend::set_vring_call(uint32_t index, int eventfd) {
  const int fds[1] = {eventfd};
  return send_u64(request::set_vring_call, index & kVringIndexMask, fds);
}

bool frontend::set_vring_enable(uint32_t index, bool enable) {
  vring_state s{index, enable ? 1u : 0u};
  return send(request::set_vring_enable, &s, sizeof s, {}, wants_ack());
}

bool frontend::get_vring_base(uint32_t index, uint32_t& base) {
  vring_state s{index, 0};
  if (!send(request::get_vring_base, &s, sizeof s, {}, false) || !receive(request::get_vring_base, &s, sizeof s))
    return false;
  if (s.index != index || s.num > 0xffff) {
    fail("GET_VRING_BASE reply: queue " + std::to_string(s.index) + " index " + std::to_string(s.num));
    return false;
  }
  base = s.num;
  return true;
}

bool frontend::get_config(uint32_t offset, std::span<uint8_t> out) {
  if (!has_protocol_feature(kPfConfig) || out.size() > kMaxConfigSize) {
    fail("GET_CONFIG: not offered or larger than 256 bytes");
    return false;
  }
  struct {
    config_header h;
    uint8_t data[kMaxConfigSize];
  } msg{};
  msg.h = {offset, static_cast<uint32_t>(out.size()), 0};
  const uint32_t size = static_cast<uint32_t>(sizeof(config_header) + out.size());
  if (!send(request::get_config, &msg, size, {}, false) || !receive(request::get_config, &msg, size)) return false;
  if (msg.h.offset != offset || msg.h.size != out.size()) {
    fail("GET_CONFIG reply: describes another range");
    return false;
  }
  std::memcpy(out.data(), msg.data, out.size());
  return true;
}

}  // namespace hmx::vhost_user
