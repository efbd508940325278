// SPDX-License-Identifier: Apache-2.0
// run_process (process.h): fork/exec in a new process group, poll the output pipe with a
// deadline, SIGKILL the group when it expires.
#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace conformance::runner {

process_result run_process(const std::vector<std::string>& argv, double timeout_s,
                           const std::function<void(std::string_view)>& on_output,
                           const std::function<bool()>& stop_now) {
  process_result r;
  if (argv.empty()) {
    r.error = "no command";
    return r;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  if (pid == 0) {
    setpgid(0, 0);
    // Never outlive the runner: a killed runner (a ctest time limit) takes the monitor along.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(127);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const std::string msg = "exec " + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!write(2, msg.data(), msg.size());
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent: no race with the kill below
  close(fds[1]);
  r.started = true;
  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  char buf[4096];
  bool open_pipe = true;
  while (open_pipe) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (stop_now && stop_now()) {
      r.stopped = true;
      kill(-pid, SIGKILL);
      break;
    }
    const int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    pollfd p{fds[0], POLLIN, 0};
    const int n = poll(&p, 1, ms > 1000 ? 1000 : ms);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got > 0) on_output(std::string_view(buf, static_cast<size_t>(got)));
    else if (got == 0 || (errno != EINTR && errno != EAGAIN)) open_pipe = false;
  }
  close(fds[0]);
  int status = 0;
  // After the pipe closed the monitor is exiting; give it the rest of the time limit, then kill.
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline && !r.timed_out) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
    }
    usleep(10000);
  }
  kill(-pid, SIGKILL);  // stray children of the monitor, if any
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

}  // namespace conformance::runner
