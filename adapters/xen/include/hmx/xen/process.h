/* SPDX-License-Identifier: Apache-2.0 */
// Running QEMU (with Xen inside) under a hard time limit: the child's stdout and stderr as streams
// of lines, files it writes (a serial port on `-serial file:`) followed as they grow, and its
// process group killed when the limit expires or the caller says it is done, so a hung Xen or
// guest never hangs a test (kvm-unit-tests wraps QEMU in `timeout -k` for the same reason).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hmx::xen {

struct child_result {
  bool started = false;
  bool timed_out = false;  // killed at the time limit
  bool stopped = false;    // killed because stop_now() said so
  bool exited = false;     // ended by itself: exit_code is valid; otherwise `signal` ended it
  int exit_code = -1;
  int signal = 0;
  std::string error;  // why it could not start
  double seconds = 0;
};

// Splits a byte stream into lines ('\n', a trailing '\r' dropped); a line longer than max_line
// is cut there. finish() delivers an unterminated last line.
class line_splitter {
 public:
  explicit line_splitter(std::function<void(std::string_view)> on_line, size_t max_line = 8192)
      : on_line_(std::move(on_line)), max_line_(max_line) {}
  void feed(std::string_view bytes);
  void finish();

 private:
  std::function<void(std::string_view)> on_line_;
  size_t max_line_;
  std::string pending_;
};

struct child_spec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  double timeout_s = 60;
  std::function<void(std::string_view)> on_stdout;  // raw bytes as they come
  std::function<void(std::string_view)> on_stderr;
  // Files the child writes; each callback gets the bytes appended since the last look. They are
  // read every poll_ms while the child runs and once more after it ended.
  struct followed_file {
    std::string path;
    std::function<void(std::string_view)> on_bytes;
  };
  std::vector<followed_file> files;
  // Asked after new output and every poll_ms; true ends the child (SIGTERM, SIGKILL a second
  // later) and sets `stopped`.
  std::function<bool()> stop_now;
  int poll_ms = 50;
};

child_result run_child(const child_spec& spec);

}  // namespace hmx::xen
