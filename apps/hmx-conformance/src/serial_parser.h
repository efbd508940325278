/* SPDX-License-Identifier: Apache-2.0 */
// Parser of the tester's console output (conformance/PROTOCOL.md). The console is untrusted: a
// crashing or hostile guest, or another domain sharing the output, may print anything. Only
// whole, well-formed HMXC lines count; everything else is noise; a malformed or out-of-order
// HMXC line is a protocol error that the evaluation turns into an incomplete run. Each line's
// syntax is hostlib's typed parser (hmx/host/conformance_protocol.h); what it means in the run
// (order, repetition, a RESULT matching its TEST) is decided here.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hmx/host/conformance_protocol.h"
#include "hmx/host/line_splitter.h"

namespace conformance::runner {

struct check_failure {
  std::string test;
  unsigned checkpoint = 0;
  std::string req;  // "*" when the check covers every requirement of the test
  std::string message;
};

struct test_record {
  std::string name;
  std::vector<std::string> declared;             // from the TEST line
  bool finished = false;                         // a RESULT line was seen
  std::string verdict;                           // PASS FAIL SKIP (hmxc::to_string of the verdict)
  unsigned checkpoints = 0;
  std::vector<std::pair<std::string, char>> outcomes;  // requirement -> P F S N
  std::string message;
};

struct run_log {
  bool begun = false;
  std::string role;
  std::map<std::string, std::string> ident;  // IDENT fields; "reason" holds the free text
  bool ident_seen = false;
  int peer = -1, denied = -1;
  bool peer_connected = false;
  int plan = -1;
  std::vector<test_record> tests;
  std::vector<check_failure> failures;
  bool done = false;
  int done_status = -1;
  unsigned done_pass = 0, done_fail = 0, done_skip = 0;
  std::vector<std::string> protocol_errors;
  std::size_t noise_lines = 0;
  std::vector<std::string> console;  // every line received, for logs (bounded)

  [[nodiscard]] bool hmx_present() const;
  [[nodiscard]] const test_record* find(const std::string& name) const;
};

class serial_parser {
 public:
  static constexpr std::size_t kMaxLine = hmx::host::hmxc::kMaxLine;
  static constexpr std::size_t kMaxConsole = 20000;
  // prefix: the domain name hmx-kvm puts before each guest line ("[tester] "); only lines with it
  // count. Empty: lines are taken as they are (QEMU's serial, the in-process target).
  explicit serial_parser(std::string domain = "");

  void feed(std::string_view bytes);  // any chunking; lines end with '\n'
  void feed_line(std::string_view line);
  void finish();                      // a last line without '\n'
  [[nodiscard]] const run_log& log() const { return log_; }

 private:
  void protocol_error(const std::string& what, std::string_view line);
  void apply(const hmx::host::hmxc::parsed_line& p, std::string_view line);
  test_record* find_test(const std::string& name);

  std::string domain_;
  hmx::host::line_splitter lines_;  // keeps one byte more than a line may have: "line too long"
  run_log log_;
  long open_ = -1;  // index of the test whose TEST line came last, until its RESULT
};

// The protocol's validators, for the runner's other parts (the transport target's markers).
using hmx::host::hmxc::valid_requirement_id;
using hmx::host::hmxc::valid_test_name;

}  // namespace conformance::runner
