// SPDX-License-Identifier: Apache-2.0
// run_process (process.h): fork/exec into a new process group, poll the output pipe against the
// deadline, SIGKILL the group at the limit. The leader is reaped only after its group has been
// killed, so the group id cannot have been reused when the kill is sent.
#include "hmx/host/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace hmx::host {

namespace {

using clock = std::chrono::steady_clock;

// The child between fork and exec: async-signal-safe calls only (the caller may have threads).
[[noreturn]] void exec_child(char* const* args, int out_fd, int exec_error_fd, pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the caller died before the line above
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, 0);
  if (out_fd >= 0) {
    dup2(out_fd, 1);
    dup2(out_fd, 2);
  }
  execvp(args[0], args);
  const int e = errno;
  (void)!write(exec_error_fd, &e, sizeof e);  // the pipe is O_CLOEXEC: nothing arrives on success
  _exit(127);
}

// Whether the child has ended, leaving it a zombie (WNOWAIT) so its pid stays reserved. A child
// already reaped elsewhere (the caller ignores SIGCHLD: ECHILD) has ended too.
bool has_ended(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) return info.si_pid == pid;
  return errno != EINTR;
}

class output_sink {
 public:
  output_sink(const process_options& o, process_result& r) : o_(o), r_(r) {}
  void operator()(std::string_view chunk) {
    if (o_.on_output) {
      o_.on_output(chunk);
      return;
    }
    const std::size_t room = o_.output_limit - std::min(o_.output_limit, r_.output.size());
    if (chunk.size() > room) r_.output_truncated = true;
    r_.output.append(chunk.substr(0, room));
  }

 private:
  const process_options& o_;
  process_result& r_;
};

enum class pipe_state { data, idle, closed };

// One read from the pipe, waiting at most wait_ms for something to arrive.
pipe_state read_once(int fd, output_sink& sink, int wait_ms) {
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return pipe_state::idle;
    const ssize_t got = read(fd, buf, sizeof buf);
    if (got > 0) {
      sink(std::string_view(buf, static_cast<std::size_t>(got)));
      return pipe_state::data;
    }
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    return pipe_state::closed;
  }
}

}  // namespace

process_result run_process(const process_options& o) {
  process_result r;
  if (o.argv.empty() || o.argv[0].empty()) {
    r.error = "no command";
    return r;
  }
  std::vector<char*> args;
  for (const auto& a : o.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int out[2] = {-1, -1};
  int exec_error[2] = {-1, -1};
  if ((o.capture && pipe2(out, O_CLOEXEC) != 0) || pipe2(exec_error, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    for (int fd : {out[0], out[1]})
      if (fd >= 0) close(fd);
    return r;
  }
  if (!o.capture) std::fflush(nullptr);  // what the caller printed comes before the child's output
  const pid_t parent = getpid();
  const auto start = clock::now();
  const pid_t pid = fork();
  if (pid == 0) exec_child(args.data(), out[1], exec_error[1], parent);
  if (out[1] >= 0) close(out[1]);
  close(exec_error[1]);
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    if (out[0] >= 0) close(out[0]);
    close(exec_error[0]);
    return r;
  }
  setpgid(pid, pid);  // also here: the group exists before any kill below, whoever runs first

  int child_errno = 0;
  ssize_t n;
  do n = read(exec_error[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(exec_error[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (out[0] >= 0) close(out[0]);
    r.error = "cannot run " + o.argv[0] + ": " + std::strerror(child_errno);
    r.seconds = std::chrono::duration<double>(clock::now() - start).count();
    return r;
  }
  r.started = true;

  const bool limited = std::isfinite(o.timeout_s);
  const auto deadline =
      limited ? start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(std::max(0.0, o.timeout_s)))
              : clock::time_point::max();
  // Whether to kill now: the limit or the caller's stop. Once killed, only waiting remains.
  auto must_kill = [&] {
    if (r.timed_out || r.stopped) return false;
    if (clock::now() >= deadline) r.timed_out = true;
    else if (o.stop_now && o.stop_now()) r.stopped = true;
    else return false;
    kill(-pid, SIGKILL);
    return true;
  };

  output_sink sink(o, r);
  bool pipe_open = out[0] >= 0;
  while (pipe_open && !r.timed_out && !r.stopped) {
    if (must_kill()) break;
    if (has_ended(pid)) {
      // The leader is gone; strays of its group may still hold the pipe (or fill it forever):
      // kill them, then take what the leader left in the pipe.
      kill(-pid, SIGKILL);
      while (read_once(out[0], sink, 100) == pipe_state::data) {
      }
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count() + 1;
    pipe_open = read_once(out[0], sink, static_cast<int>(std::clamp<long long>(left, 0, 1000))) != pipe_state::closed;
  }
  // The pipe is closed (or the leader ended): wait for the leader within the same limit.
  while (!has_ended(pid)) {
    must_kill();
    usleep(10000);
  }
  kill(-pid, SIGKILL);  // strays left in the group; the zombie leader still reserves its id
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (out[0] >= 0) close(out[0]);
  r.seconds = std::chrono::duration<double>(clock::now() - start).count();
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

std::string process_result::describe() const {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f s", seconds);
  if (!started) return "did not start: " + error;
  if (timed_out) return std::string("time limit reached after ") + secs + ": killed";
  if (stopped) return std::string("stopped after ") + secs + ": killed";
  if (exited) return "exited with status " + std::to_string(exit_code);
  const char* name = strsignal(signal);
  return "killed by signal " + std::to_string(signal) + (name != nullptr ? std::string(" (") + name + ")" : "");
}

}  // namespace hmx::host
