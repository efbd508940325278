// SPDX-License-Identifier: Apache-2.0
// run_child: exit status, output streams, followed files, the time limit and stop_now.
#include <gtest/gtest.h>

#include "hmx/xen/process.h"

namespace hmx::xen {
namespace {

TEST(Process, ExitCodeAndStreams) {
  std::string out, err;
  child_spec s;
  s.argv = {"sh", "-c", "echo out; echo err >&2; exit 7"};
  s.on_stdout = [&](std::string_view b) { out += b; };
  s.on_stderr = [&](std::string_view b) { err += b; };
  const child_result r = run_child(s);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(err, "err\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(Process, TimeLimitKillsTheGroup) {
  child_spec s;
  // The child's own child must die too (process group).
  s.argv = {"sh", "-c", "sleep 30 & sleep 30"};
  s.timeout_s = 0.3;
  const child_result r = run_child(s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.exited);
  EXPECT_LT(r.seconds, 5.0);
}

TEST(Process, FollowsFilesAndStopsOnRequest) {
  const std::string file = ::testing::TempDir() + "/followed.log";
  std::string seen;
  child_spec s;
  s.argv = {"sh", "-c", "echo one > " + file + "; sleep 0.2; echo two >> " + file + "; sleep 30"};
  s.timeout_s = 20;
  s.files.push_back({file, [&](std::string_view b) { seen += b; }});
  s.stop_now = [&] { return seen.find("two") != std::string::npos; };
  const child_result r = run_child(s);
  EXPECT_TRUE(r.stopped);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.exited);
  EXPECT_EQ(seen, "one\ntwo\n");
  EXPECT_LT(r.seconds, 10.0);
}

TEST(Process, MissingProgram) {
  std::string err;
  child_spec s;
  s.argv = {"/nonexistent/qemu"};
  s.on_stderr = [&](std::string_view b) { err += b; };
  const child_result r = run_child(s);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(err.find("exec /nonexistent/qemu"), std::string::npos);
}

TEST(Process, LineSplitter) {
  std::vector<std::string> lines;
  line_splitter sp([&](std::string_view l) { lines.emplace_back(l); }, 8);
  sp.feed("ab\r\ncd");
  sp.feed("e\n0123456789\nlast");
  sp.finish();
  EXPECT_EQ(lines, (std::vector<std::string>{"ab", "cde", "01234567", "89", "last"}));
}

}  // namespace
}  // namespace hmx::xen
