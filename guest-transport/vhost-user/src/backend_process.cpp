// SPDX-License-Identifier: Apache-2.0
#include "hmx/vhost_user/backend_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace hmx::vhost_user {

backend_process::backend_process(const std::string& command) {
  const std::string script = "exec " + command;
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a front-end killed outright takes its back-end along
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  (void)::setpgid(pid_, pid_);  // also here: no race with stop() before the child ran
}

backend_process::~backend_process() { stop(); }

bool backend_process::running() {
  if (pid_ < 0 || reaped_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

void backend_process::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return;
  if (running()) {
    (void)::kill(-pid_, SIGTERM);
    const auto end = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  (void)::kill(-pid_, SIGKILL);  // whatever of the group is left
  if (!reaped_) {
    int status = 0;
    (void)::waitpid(pid_, &status, 0);
    reaped_ = true;
  }
}

}  // namespace hmx::vhost_user
