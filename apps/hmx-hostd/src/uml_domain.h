// SPDX-License-Identifier: Apache-2.0
// One UML guest as an HMX domain: the host end of the UML conduit (include/hmx/uml_conduit.h).
//
// It listens on the guest's socket, takes HELLO (the guest's memory file and the host end of its
// event socket), creates the domain in the reference core with that memory, and then runs every
// call block the guest names, as hmx-kvm's MSR conduit does for a KVM vCPU: the core reads the
// block once from guest memory, and the answer is the conduit status. The core's notifications
// for the domain become one byte on the event socket (the guest's interrupt). When the guest
// closes the socket (it exited) the domain leaves the core: its rings vanish for its peers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <hmx/reference/core.h>
#include <hmx/reference/notifier.h>

#include "uml_memory.h"

namespace hmx::hostd {

struct uml_domain_stats {
  uint64_t calls = 0;          // call blocks run
  uint64_t refused_calls = 0;  // blocks refused by the conduit (misaligned, outside memory)
  uint64_t notifications = 0;  // bytes written to the event socket
  bool connected = false;      // HELLO accepted, domain in the core
  bool ended = false;          // the guest closed its socket; the domain left the core
  bool memory_revoked = false; // the guest truncated its memory file; the domain was ended
};

class uml_domain final : public ref::Notifier {
 public:
  using log_fn = std::function<void(const std::string&)>;

  // Creates and listens on `socket_path` (replacing a stale socket file). Throws on failure.
  uml_domain(ref::Core& core, ref::DomainId id, std::string name, std::string socket_path, log_fn log);
  ~uml_domain() override;  // stop()
  uml_domain(const uml_domain&) = delete;
  uml_domain& operator=(const uml_domain&) = delete;

  // Serves the guest on a thread of its own until it disconnects or stop() is called.
  void start();
  // Ends the service: the domain (if created) leaves the core, the socket closes.
  void stop();

  void raise(ref::DomainId dom, uint32_t vcpu, uint8_t vector) override;

  ref::DomainId id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& socket_path() const { return path_; }
  uml_domain_stats stats() const;

 private:
  void run();
  bool accept_guest();
  bool hello();
  void serve();
  void end_domain();

  ref::Core& core_;
  const ref::DomainId id_;
  const std::string name_;
  const std::string path_;
  log_fn log_;
  int listen_fd_ = -1;
  std::atomic<int> conn_fd_{-1};
  std::atomic<int> event_fd_{-1};
  std::unique_ptr<uml_memory> memory_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> in_core_{false};
  std::atomic<uint64_t> calls_{0}, refused_{0}, notifications_{0};
  std::atomic<bool> ended_{false};
  std::atomic<bool> revoked_{false};
};

}  // namespace hmx::hostd
