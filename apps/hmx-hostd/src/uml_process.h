// SPDX-License-Identifier: Apache-2.0
// A User-Mode Linux guest as a child process: started with its kernel command line in a process
// group of its own (UML forks helper processes, and all of them must go when it is stopped), its
// console (stdout and stderr) read line by line, each line passed on with the guest's name. The
// guest's /init reports its test's status as a console line "hmx-exit: N" (linux/initramfs/init.sh).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hmx::hostd {

class uml_process {
 public:
  using line_fn = std::function<void(const std::string&)>;

  uml_process(std::string name, std::vector<std::string> argv, line_fn on_line);
  ~uml_process();  // kill() and reap
  uml_process(const uml_process&) = delete;
  uml_process& operator=(const uml_process&) = delete;

  // Starts the process. Throws std::runtime_error when fork or exec fails.
  void start();
  // True once the process has exited (and its console is drained).
  bool finished();
  // Sends SIGKILL to the whole process group.
  void kill();

  const std::string& name() const { return name_; }
  // The N of the guest's "hmx-exit: N" line, if it printed one.
  std::optional<int> reported_status() const;
  // The raw wait status of the process once finished.
  int wait_status() const { return wait_status_; }

 private:
  void read_console();

  std::string name_;
  std::vector<std::string> argv_;
  line_fn on_line_;
  pid_t pid_ = -1;
  int console_fd_ = -1;
  std::thread reader_;
  std::atomic<int> reported_{-1};
  std::atomic<bool> console_done_{false};
  bool reaped_ = false;
  int wait_status_ = 0;
};

}  // namespace hmx::hostd
