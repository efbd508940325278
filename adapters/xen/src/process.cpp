// SPDX-License-Identifier: Apache-2.0
// run_child (process.h): fork/exec in a new process group, poll the pipes and follow the files
// with a deadline, end the group when it expires.
#include "hmx/xen/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace hmx::xen {

void line_splitter::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (c == '\n') {
      if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
      on_line_(pending_);
      pending_.clear();
    } else {
      pending_ += c;
      if (pending_.size() >= max_line_) {
        on_line_(pending_);
        pending_.clear();
      }
    }
  }
}

void line_splitter::finish() {
  if (!pending_.empty()) {
    if (pending_.back() == '\r') pending_.pop_back();
    on_line_(pending_);
    pending_.clear();
  }
}

namespace {

using clock = std::chrono::steady_clock;

// Reads what was appended to a file since the last call.
class file_follower {
 public:
  explicit file_follower(const child_spec::followed_file& f) : f_(&f) {}
  void poll() {
    std::ifstream in(f_->path, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset_));
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      const auto n = static_cast<size_t>(in.gcount());
      offset_ += n;
      f_->on_bytes(std::string_view(buf, n));
    }
  }

 private:
  const child_spec::followed_file* f_;
  size_t offset_ = 0;
};

bool drain(int fd, const std::function<void(std::string_view)>& sink) {
  char buf[8192];
  for (;;) {
    const ssize_t got = read(fd, buf, sizeof buf);
    if (got > 0) {
      if (sink) sink(std::string_view(buf, static_cast<size_t>(got)));
      continue;
    }
    if (got == 0) return false;  // end of stream
    return errno == EINTR || errno == EAGAIN;
  }
}

}  // namespace

child_result run_child(const child_spec& spec) {
  child_result r;
  if (spec.argv.empty()) {
    r.error = "no command";
    return r;
  }
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return r;
  }
  // Files are followed from their start: remove what a previous run left.
  for (const auto& f : spec.files) unlink(f.path.c_str());

  const auto start = clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {out[0], out[1], err[0], err[1]}) close(fd);
    return r;
  }
  if (pid == 0) {
    setpgid(0, 0);
    // Never outlive the caller: a killed test takes QEMU along.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(127);
    dup2(out[1], 1);
    dup2(err[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const std::string msg = "exec " + spec.argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!write(2, msg.data(), msg.size());
    _exit(127);
  }
  setpgid(pid, pid);  // in the parent too: no race with a kill below
  close(out[1]);
  close(err[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  fcntl(err[0], F_SETFL, O_NONBLOCK);
  r.started = true;

  std::vector<file_follower> followers;
  for (const auto& f : spec.files) followers.emplace_back(f);
  const auto deadline = start + std::chrono::duration<double>(spec.timeout_s);
  bool out_open = true, err_open = true;
  int status = 0;
  bool reaped = false;
  auto end_group = [&](int first_signal) {
    kill(-pid, first_signal);
    if (first_signal == SIGKILL) return;
    const auto grace = clock::now() + std::chrono::seconds(1);
    while (clock::now() < grace) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        return;
      }
      usleep(10000);
    }
    kill(-pid, SIGKILL);
  };

  while (!reaped) {
    const auto now = clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      end_group(SIGKILL);
      break;
    }
    pollfd p[2];
    nfds_t n = 0;
    if (out_open) p[n++] = pollfd{out[0], POLLIN, 0};
    if (err_open) p[n++] = pollfd{err[0], POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    const int wait_ms = static_cast<int>(left < spec.poll_ms ? left : spec.poll_ms);
    if (n > 0) {
      if (poll(p, n, wait_ms) < 0 && errno != EINTR) break;
    } else {
      usleep(static_cast<useconds_t>(wait_ms) * 1000);
    }
    if (out_open) out_open = drain(out[0], spec.on_stdout);
    if (err_open) err_open = drain(err[0], spec.on_stderr);
    for (auto& f : followers) f.poll();
    if (spec.stop_now && spec.stop_now()) {
      r.stopped = true;
      end_group(SIGTERM);
      break;
    }
    if (!out_open && !err_open) {
      // The child closed its output: it is ending. Reap it (the loop keeps the deadline).
      const pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) reaped = true;
    } else {
      const pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) reaped = true;
    }
  }
  if (!reaped) {
    for (;;) {
      const pid_t w = waitpid(pid, &status, 0);
      if (w == pid || (w < 0 && errno != EINTR)) break;
    }
  }
  kill(-pid, SIGKILL);  // stray children, if any
  // What the child wrote before it ended.
  if (out_open) (void)drain(out[0], spec.on_stdout);
  if (err_open) (void)drain(err[0], spec.on_stderr);
  close(out[0]);
  close(err[0]);
  for (auto& f : followers) f.poll();
  r.seconds = std::chrono::duration<double>(clock::now() - start).count();
  if (WIFEXITED(status)) {
    r.exited = !r.timed_out && !r.stopped;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

}  // namespace hmx::xen
