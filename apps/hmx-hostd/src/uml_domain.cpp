// SPDX-License-Identifier: Apache-2.0
#include "uml_domain.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <hmx/abi/hmx.h>
#include <hmx/uml_conduit.h>

namespace hmx::hostd {

namespace {

constexpr int kPollMs = 100;  // how often a blocked thread looks at stopping_

// Reads exactly n bytes; false on EOF, error or stop. A blocking read, one system call per
// call block: stop() shuts the socket down to end it.
bool read_exact(int fd, void* buf, size_t n, const std::atomic<bool>& stopping) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    if (stopping.load()) return false;
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool write_exact(int fd, const void* buf, size_t n) {
  const auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

}  // namespace

uml_domain::uml_domain(ref::Core& core, ref::DomainId id, std::string name, std::string socket_path, log_fn log)
    : core_(core), id_(id), name_(std::move(name)), path_(std::move(socket_path)), log_(std::move(log)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(addr.sun_path)) throw std::runtime_error("socket path too long: " + path_);
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  ::unlink(path_.c_str());
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 1) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("cannot listen on " + path_ + ": " + why);
  }
}

uml_domain::~uml_domain() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::unlink(path_.c_str());
}

void uml_domain::start() {
  thread_ = std::thread([this] { run(); });
}

void uml_domain::stop() {
  stopping_ = true;
  // Ends a blocking read of the serving thread; only this function closes the socket, after
  // the thread has ended, so the descriptor cannot be another's meanwhile.
  const int c = conn_fd_.load();
  if (c >= 0) ::shutdown(c, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  end_domain();
  const int closing = conn_fd_.exchange(-1);
  if (closing >= 0) ::close(closing);
}

uml_domain_stats uml_domain::stats() const {
  uml_domain_stats s;
  s.calls = calls_.load();
  s.refused_calls = refused_.load();
  s.notifications = notifications_.load();
  s.connected = in_core_.load();
  s.ended = ended_.load();
  s.memory_revoked = revoked_.load();
  return s;
}

void uml_domain::raise(ref::DomainId, uint32_t, uint8_t) {
  // Called by the core from any thread; the byte only says "look at your event page", so a
  // full socket (the guest has not drained the earlier bytes yet) loses nothing.
  const int fd = event_fd_.load();
  if (fd < 0) return;
  const char b = 1;
  if (::send(fd, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) notifications_.fetch_add(1, std::memory_order_relaxed);
}

void uml_domain::run() {
  if (!accept_guest()) return;
  if (hello()) serve();
  end_domain();
}

bool uml_domain::accept_guest() {
  while (!stopping_.load()) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    const int pr = poll(&pfd, 1, kPollMs);
    if (pr <= 0) continue;
    conn_fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn_fd_ >= 0) return true;
  }
  return false;
}

bool uml_domain::hello() {
  hmx_uml_hello h{};
  iovec iov{&h, sizeof h};
  alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  pollfd pfd{conn_fd_, POLLIN, 0};
  while (!stopping_.load() && poll(&pfd, 1, kPollMs) <= 0) {
  }
  if (stopping_.load()) return false;
  const ssize_t r = ::recvmsg(conn_fd_, &msg, MSG_CMSG_CLOEXEC);
  int fds[2] = {-1, -1};
  size_t nfds = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      std::memcpy(fds, CMSG_DATA(c), std::min<size_t>(nfds, 2) * sizeof(int));
    }
  }
  hmx_uml_welcome w{};
  w.magic = HMX_UML_MAGIC;
  w.hmx_version = HMX_VERSION;
  auto refuse = [&](int32_t status, const std::string& why) {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
    w.status = status;
    (void)write_exact(conn_fd_, &w, sizeof w);
    log_("HELLO refused: " + why);
    return false;
  };
  if (r != static_cast<ssize_t>(sizeof h) || nfds != 2 || (msg.msg_flags & MSG_CTRUNC) != 0)
    return refuse(-HMX_EINVAL, "malformed HELLO (" + std::to_string(r) + " bytes, " + std::to_string(nfds) + " fds)");
  if (h.magic != HMX_UML_MAGIC || h.version != HMX_UML_PROTOCOL_VERSION || h.vcpus != 1 || h.reserved != 0)
    return refuse(-HMX_EINVAL, "unknown HELLO magic, version or vCPU count");
  try {
    memory_ = std::make_unique<uml_memory>(fds[0], h.mem_start, h.mem_size);
    fds[0] = -1;  // owned by memory_
  } catch (const std::exception& e) {
    fds[0] = -1;
    return refuse(-HMX_EINVAL, e.what());
  }
  const int rc = core_.create_domain(id_, name_, *memory_, 1, *this);
  if (rc != 0) return refuse(rc, "the core refused domain " + std::to_string(id_) + ": " + std::to_string(rc));
  in_core_ = true;
  event_fd_ = fds[1];
  w.status = 0;
  w.domain_id = id_;
  w.features = core_.features();
  w.max_batch = core_.max_batch();
  if (!write_exact(conn_fd_, &w, sizeof w)) return false;
  log_("domain " + std::to_string(id_) + " connected: " + std::to_string(h.mem_size >> 20) + " MiB of memory");
  return true;
}

void uml_domain::serve() {
  for (;;) {
    hmx_uml_call c{};
    if (!read_exact(conn_fd_, &c, sizeof c, stopping_)) return;
    hmx_uml_reply reply{};
    // The conduit's own checks (the MSR conduit's #GP(0) cases): nothing runs, nothing is written.
    if (c.call_block_gpa % HMX_CALL_BLOCK_ALIGN != 0) {
      reply.status = -HMX_EINVAL;
    } else if (!memory_->contains(c.call_block_gpa, sizeof(hmx_call_block_t))) {
      reply.status = -HMX_EFAULT;
    } else {
      (void)core_.call(id_, 0, c.call_block_gpa);
      calls_.fetch_add(1, std::memory_order_relaxed);
    }
    // The guest shrank its memory file under the mapping (sigbus_guard.h): its memory is gone
    // for good, so is its domain. The call's result went nowhere: the conduit says -EFAULT, then
    // closes.
    const bool revoked = memory_->revoked();
    if (revoked) reply.status = -HMX_EFAULT;
    if (reply.status != 0) refused_.fetch_add(1, std::memory_order_relaxed);
    if (!write_exact(conn_fd_, &reply, sizeof reply)) return;
    if (revoked) {
      log_("domain " + std::to_string(id_) + ": the guest's memory file shrank under its mapping; memory revoked, "
           "domain ended");
      revoked_ = true;
      ::shutdown(conn_fd_, SHUT_RDWR);  // stop() closes the descriptor
      return;
    }
  }
}

void uml_domain::end_domain() {
  if (in_core_.exchange(false)) {
    (void)core_.destroy_domain(id_);  // waits for calls in flight; the core is done with memory_
    ended_ = true;
    log_("domain " + std::to_string(id_) + " left the core");
  }
  const int ev = event_fd_.exchange(-1);
  if (ev >= 0) ::close(ev);
  memory_.reset();
}

}  // namespace hmx::hostd
