// SPDX-License-Identifier: Apache-2.0
// A vhost-user back-end process the front-end starts itself (`exec=COMMAND`): the command runs
// under /bin/sh in its own process group, with its output passed through; the front-end then
// connects to the socket the command was told to listen on. stop() ends the whole group (SIGTERM,
// then SIGKILL after a grace period), and the back-end gets SIGKILL if the thread that started it
// dies (PR_SET_PDEATHSIG), so no back-end outlives its front-end. Not hostlib's run_process: that
// one runs a program to its end on the calling thread and looks at a stop request about once a
// second, where a back-end runs beside its front-end and a test kills it at a chosen moment
// (pid()). Hosted.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace hmx::vhost_user {

class backend_process {
 public:
  // Throws std::runtime_error when the process cannot be started.
  explicit backend_process(const std::string& command);
  ~backend_process();  // stop()
  backend_process(const backend_process&) = delete;
  backend_process& operator=(const backend_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

}  // namespace hmx::vhost_user
