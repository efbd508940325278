// SPDX-License-Identifier: Apache-2.0
#include "uml_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace hmx::hostd {

uml_process::uml_process(std::string name, std::vector<std::string> argv, line_fn on_line)
    : name_(std::move(name)), argv_(std::move(argv)), on_line_(std::move(on_line)) {}

uml_process::~uml_process() {
  if (pid_ > 0 && !reaped_) {
    kill();
    int st = 0;
    (void)waitpid(pid_, &st, 0);
  }
  if (reader_.joinable()) reader_.join();
}

void uml_process::start() {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  // A roomy pipe: UML's console buffers what the host does not take at once, and loses that
  // buffer when the guest powers off.
  (void)fcntl(pipefd[0], F_SETPIPE_SZ, 1 << 20);
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    execv(args[0], args.data());
    const char msg[] = "hmx-hostd: exec of the UML kernel failed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent: no window where kill() misses the group
  pid_ = pid;
  ::close(pipefd[1]);
  console_fd_ = pipefd[0];
  reader_ = std::thread([this] { read_console(); });
}

void uml_process::read_console() {
  std::string line;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(console_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buf[i];
      if (c == '\r') continue;
      if (c != '\n') {
        line.push_back(c);
        continue;
      }
      int status = -1;
      if (std::sscanf(line.c_str(), "hmx-exit: %d", &status) == 1 && status >= 0) reported_ = status;
      on_line_(line);
      line.clear();
    }
  }
  if (!line.empty()) on_line_(line);
  ::close(console_fd_);
  console_done_ = true;
}

bool uml_process::finished() {
  if (pid_ <= 0) return true;
  if (!reaped_) {
    int st = 0;
    const pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      wait_status_ = st;
      // UML's helper processes may outlive the kernel process; they hold the console pipe.
      ::kill(-pid_, SIGKILL);
    }
  }
  return reaped_ && console_done_.load();
}

void uml_process::kill() {
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
}

std::optional<int> uml_process::reported_status() const {
  const int r = reported_.load();
  if (r < 0) return std::nullopt;
  return r;
}

}  // namespace hmx::hostd
