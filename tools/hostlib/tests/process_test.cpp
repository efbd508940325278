// SPDX-License-Identifier: Apache-2.0
// run_process (process.h) against real children: output, exit status, signals, the time limit
// killing the whole process group, stray children, the caller's stop, programs that do not exist.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "hmx/host/process.h"

namespace hmx::host {
namespace {

process_result sh(const std::string& script, double timeout_s = 20) {
  process_options o;
  o.argv = {"sh", "-c", script};
  o.timeout_s = timeout_s;
  return run_process(o);
}

// Whether process `pid` is gone (or a zombie about to be reaped by init), waiting up to 5 s.
bool gone(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return true;
    const auto close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

pid_t first_number(const std::string& output) { return static_cast<pid_t>(std::stol(output)); }

TEST(Process, CapturesStdoutAndStderrAndTheExitStatus) {
  const process_result r = sh("echo out; echo err >&2; exit 3");
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.output, "out\nerr\n");
  EXPECT_EQ(r.describe(), "exited with status 3");
}

TEST(Process, ReportsTheSignalThatEndedIt) {
  const process_result r = sh("kill -TERM $$; sleep 5");
  EXPECT_TRUE(r.started);
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.describe().find("killed by signal 15"), std::string::npos) << r.describe();
}

TEST(Process, TheTimeLimitKillsTheWholeGroup) {
  // The shell and its background child both outlive the limit; both must die at it.
  const auto t0 = std::chrono::steady_clock::now();
  const process_result r = sh("sleep 1000 & echo $!; wait", 0.5);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(took, 5.0);
  EXPECT_GE(r.seconds, 0.5);
  ASSERT_FALSE(r.output.empty());
  EXPECT_TRUE(gone(first_number(r.output)));
  EXPECT_NE(r.describe().find("time limit"), std::string::npos);
}

TEST(Process, AHungChildWithoutOutputIsKilledToo) {
  const process_result r = sh("exec sleep 1000", 0.3);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.seconds, 5.0);
}

TEST(Process, StrayChildrenHoldingTheOutputDoNotHoldTheCaller) {
  // The shell exits at once; its background child keeps the output pipe open and is killed.
  const process_result r = sh("sleep 1000 & echo $!", 20);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(r.seconds, 5.0);
  ASSERT_FALSE(r.output.empty());
  EXPECT_TRUE(gone(first_number(r.output)));
}

TEST(Process, AStrayChildWritingForeverDoesNotHoldTheCaller) {
  process_options o;
  o.argv = {"sh", "-c", "yes & echo started"};
  o.timeout_s = 20;
  o.output_limit = 1 << 20;
  const process_result r = run_process(o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.exited);
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_NE(r.output.find("started"), std::string::npos);
}

TEST(Process, StopNowEndsTheRunEarly) {
  process_options o;
  o.argv = {"sh", "-c", "echo ready; exec sleep 1000"};
  std::string seen;
  o.on_output = [&](std::string_view chunk) { seen += chunk; };
  o.stop_now = [&] { return seen.find("ready") != std::string::npos; };
  const process_result r = run_process(o);
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_EQ(seen, "ready\n");
  EXPECT_TRUE(r.output.empty());  // streamed, not collected
}

TEST(Process, AProgramThatDoesNotExistDoesNotStart) {
  process_options o;
  o.argv = {"/nonexistent/hmx-no-such-program", "--flag"};
  const process_result r = run_process(o);
  EXPECT_FALSE(r.started);
  EXPECT_NE(r.error.find("No such file"), std::string::npos) << r.error;
  EXPECT_EQ(r.describe().rfind("did not start: ", 0), 0u);
  o.argv = {"hmx-no-such-program-in-path"};
  EXPECT_FALSE(run_process(o).started);
  o.argv = {};
  EXPECT_EQ(run_process(o).error, "no command");
}

TEST(Process, EndlessOutputIsBounded) {
  process_options o;
  o.argv = {"sh", "-c", "head -c 1000000 /dev/zero"};
  o.output_limit = 1000;
  const process_result r = run_process(o);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.output.size(), 1000u);
  EXPECT_TRUE(r.output_truncated);
}

TEST(Process, WithoutCaptureTheChildWritesToOurStdout) {
  char name[] = "/tmp/hmx-hostlib-stdout-XXXXXX";
  const int file = mkstemp(name);
  ASSERT_GE(file, 0);
  std::fflush(stdout);
  const int saved = dup(1);
  dup2(file, 1);
  process_options o;
  o.argv = {"sh", "-c", "echo inherited; echo also >&2"};
  o.capture = false;
  const process_result r = run_process(o);
  std::fflush(stdout);
  dup2(saved, 1);
  close(saved);
  close(file);
  std::ifstream in(name);
  std::stringstream text;
  text << in.rdbuf();
  unlink(name);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(text.str(), "inherited\n");
  EXPECT_TRUE(r.output.empty());
}

TEST(Process, TheChildReadsNothingFromOurStdin) {
  const process_result r = sh("cat; echo end");
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.output, "end\n");
}

}  // namespace
}  // namespace hmx::host
