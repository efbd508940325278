// SPDX-License-Identifier: Apache-2.0
// --target transport: the virtio-argo transport's tests over HMX (guest-transport/tests/hmx,
// the GoogleTest binary hmx_vta_over_hmx_tests) reported per requirement (HMX-VTA-*, targets
// TRANSPORT_DRIVER and TRANSPORT_DEVICE). The binary runs as a child with the time limit
// (hmx/host/process.h) and writes a GoogleTest XML report; each test's requirements come from the
// `// covers:` markers before its TEST line in the sources.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <pugixml.hpp>

#include "hmx/host/line_splitter.h"
#include "hmx/host/process.h"
#include "targets.h"

namespace conformance::runner {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_ident(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "TEST(Suite, Name)" (or TEST_F, TEST_P) -> "Suite.Name"; empty when the line is not one.
std::string test_line_name(std::string_view line) {
  for (std::string_view macro : {"TEST(", "TEST_F(", "TEST_P("}) {
    if (line.substr(0, macro.size()) != macro) continue;
    line.remove_prefix(macro.size());
    const auto comma = line.find(',');
    const auto close = line.find(')');
    if (comma == std::string_view::npos || close == std::string_view::npos || close < comma) return "";
    const auto suite = trim(line.substr(0, comma));
    const auto name = trim(line.substr(comma + 1, close - comma - 1));
    if (!is_ident(suite) || !is_ident(name)) return "";
    return std::string(suite) + "." + std::string(name);
  }
  return "";
}

// Does `text` name requirement `id` as a whole word (HMX-VTA-05 is not HMX-VTA-055)?
bool mentions_id(const std::string& text, const std::string& id) {
  for (size_t at = text.find(id); at != std::string::npos; at = text.find(id, at + 1)) {
    const size_t end = at + id.size();
    const bool digit_after = end < text.size() && text[end] >= '0' && text[end] <= '9';
    if (!digit_after) return true;
  }
  return false;
}

std::string make_temp_xml() {
  std::string path = (std::filesystem::temp_directory_path() / "hmx-conformance-vta-XXXXXX").string();
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file in " + std::filesystem::temp_directory_path().string());
  close(fd);
  return path;
}

}  // namespace

void parse_covers(std::string_view source, covers_map* covers) {
  std::vector<std::string> pending;
  while (!source.empty()) {
    const auto nl = source.find('\n');
    const std::string_view line = trim(source.substr(0, nl));
    source.remove_prefix(nl == std::string_view::npos ? source.size() : nl + 1);
    constexpr std::string_view marker = "// covers:";
    if (line.substr(0, marker.size()) == marker) {
      std::istringstream in{std::string(line.substr(marker.size()))};
      for (std::string id; in >> id;)
        if (valid_requirement_id(id)) pending.push_back(id);
      continue;
    }
    const std::string name = test_line_name(line);
    if (name.empty()) continue;
    if (!pending.empty()) {
      auto& ids = (*covers)[name];
      for (auto& id : pending)
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
    }
    pending.clear();
  }
}

bool gtest_xml_to_log(const std::string& xml, const covers_map& covers, run_log* log, std::string* error) {
  pugi::xml_document doc;
  const pugi::xml_parse_result pr = doc.load_buffer(xml.data(), xml.size());
  if (!pr) {
    *error = std::string("GoogleTest XML: ") + pr.description();
    return false;
  }
  const pugi::xml_node root = doc.child("testsuites");
  if (!root) {
    *error = "GoogleTest XML: no <testsuites> element";
    return false;
  }
  for (const pugi::xml_node suite : root.children("testsuite")) {
    for (const pugi::xml_node tc : suite.children("testcase")) {
      std::string cls = tc.attribute("classname").as_string();
      if (cls.empty()) cls = suite.attribute("name").as_string();
      const std::string status = tc.attribute("status").as_string("run");
      const std::string result = tc.attribute("result").as_string();
      if (status == "notrun" || result == "suppressed") continue;  // DISABLED_ tests
      test_record t;
      t.name = cls + "." + tc.attribute("name").as_string();
      char oc = 'P';
      if (const pugi::xml_node f = tc.child("failure")) {
        oc = 'F';
        t.verdict = "FAIL";
        t.message = f.attribute("message").as_string();
        if (t.message.empty()) t.message = f.text().as_string();
        const auto nl = t.message.find('\n');  // the first line: file:line and the check
        if (nl != std::string::npos) t.message = t.message.substr(0, nl) + " ...";
        if (t.message.empty()) t.message = "failed";
      } else if (result == "skipped" || tc.child("skipped")) {
        oc = 'S';
        t.verdict = "SKIP";
        t.message = tc.child("skipped").attribute("message").as_string();
        if (t.message.empty()) t.message = "skipped";
      } else {
        t.verdict = "PASS";
      }
      t.finished = true;
      // Which declared requirements a failure names (a test tags its checks with the id of the
      // requirement row they check: SCOPED_TRACE or the failure's message). Named ones FAIL; the
      // others of that test are not tested, since its failure may have cut their checks short.
      // A failure that names none fails every requirement the test declares.
      std::vector<std::string> named;
      if (oc == 'F' && covers.count(t.name) != 0) {
        std::string text;
        for (const pugi::xml_node f : tc.children("failure"))
          text += std::string(f.attribute("message").as_string()) + "\n" + f.text().as_string() + "\n";
        for (const auto& id : covers.at(t.name))
          if (mentions_id(text, id)) named.push_back(id);
      }
      const auto it = covers.find(t.name);
      if (it != covers.end()) {
        t.declared = it->second;
        for (const auto& id : it->second) {
          const bool blamed = named.empty() || std::find(named.begin(), named.end(), id) != named.end();
          t.outcomes.emplace_back(id, oc == 'F' && !blamed ? 'N' : oc);
        }
      }
      if (oc == 'F') {
        ++log->done_fail;
        if (named.empty()) log->failures.push_back({t.name, 0, "*", t.message});
        for (const auto& id : named) log->failures.push_back({t.name, 0, id, t.message});
      } else if (oc == 'S') {
        ++log->done_skip;
      } else {
        ++log->done_pass;
      }
      log->tests.push_back(std::move(t));
    }
  }
  return true;
}

target_outcome run_transport_target(const target_options& o) {
  target_outcome out;
  out.facts.target = target_kind::transport;
  if (o.vta_tests.empty())
    throw std::runtime_error("--target transport: hmx_vta_over_hmx_tests is not part of this build "
                             "(it needs the guest-transport HMX service, hmx_virtio_service)");

  covers_map covers;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& dir : o.vta_sources) {
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".cpp") files.push_back(e.path());
    if (ec) throw std::runtime_error(dir + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    parse_covers(text.str(), &covers);
  }

  out.log.begun = true;
  out.log.role = "transport";
  out.log.ident_seen = true;
  out.log.ident["hmx"] = "1";
  out.log.ident["transport"] = "virtio-argo over HMX";

  struct run_spec {
    std::string binary;
    std::vector<std::string> extra;
    const char* what;
  };
  std::vector<run_spec> runs = {{o.vta_tests, {"--gtest_filter=OverCore.*:Channel.*"}, "in-process (reference core)"}};
  const bool vm_runs = o.vta_kvm && !o.vta_kvm_tests.empty();
  if (vm_runs) runs.push_back({o.vta_kvm_tests, {"--require-kvm", "--gtest_filter=OverKvm.*"}, "VMs under hmx-kvm"});

  const auto start = std::chrono::steady_clock::now();
  bool ok = true;
  for (const auto& r : runs) {
    const double left = o.timeout_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (left <= 0) {
      out.facts.finished = false;
      out.facts.failure = "time limit of " + std::to_string(static_cast<int>(o.timeout_s)) + " s reached";
      ok = false;
      break;
    }
    const std::string xml_path = make_temp_xml();
    std::vector<std::string> argv = {r.binary};
    argv.insert(argv.end(), r.extra.begin(), r.extra.end());
    argv.push_back("--gtest_output=xml:" + xml_path);
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    out.command += (out.command.empty() ? "" : "; ") + cmd;
    out.console.push_back("# " + cmd);

    auto on_line = [&](std::string_view l) {
      if (o.echo) o.echo(l);
      if (out.console.size() < serial_parser::kMaxConsole) out.console.emplace_back(l);
    };
    hmx::host::line_splitter lines(serial_parser::kMaxLine);
    hmx::host::process_options run;
    run.argv = argv;
    run.timeout_s = left;
    run.on_output = [&](std::string_view chunk) { lines.feed(chunk, on_line); };
    const hmx::host::process_result pr = hmx::host::run_process(run);
    lines.finish(on_line);

    std::ifstream in(xml_path, std::ios::binary);
    std::ostringstream xml;
    xml << in.rdbuf();
    in.close();
    std::filesystem::remove(xml_path, ec);

    std::string failure;
    if (!pr.started) {
      failure = "cannot run " + r.binary + ": " + pr.error;
    } else if (pr.timed_out) {
      failure = std::string(r.what) + ": time limit of " + std::to_string(static_cast<int>(o.timeout_s)) + " s reached";
    } else if (!pr.exited) {
      failure = std::string(r.what) + ": the test binary was killed by signal " + std::to_string(pr.signal);
    } else if (pr.exit_code == 77) {
      failure = std::string(r.what) + ": the test binary skipped the run (exit 77)";
    } else {
      const size_t failed_before = out.log.done_fail;
      std::string error;
      if (!gtest_xml_to_log(xml.str(), covers, &out.log, &error)) {
        failure = std::string(r.what) + ": " + error;
      } else if (pr.exit_code != 0 && out.log.done_fail == failed_before) {
        failure = std::string(r.what) + ": the test binary exited with " + std::to_string(pr.exit_code) +
                  " but no test failed";
      }
    }
    if (!failure.empty()) {
      out.facts.finished = false;
      out.facts.failure = failure;
      ok = false;
      break;
    }
  }
  out.facts.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.log.done = true;  // the failure, if any, is facts.failure
  if (ok) {
    out.log.plan = static_cast<int>(out.log.tests.size());
    out.log.done_status = out.log.done_fail == 0 ? 0 : 1;
    if (!vm_runs)
      out.console.push_back(o.vta_kvm_tests.empty() ? "# OverKvm.* not run: hmx-kvm is not part of this build"
                                                      : "# OverKvm.* not run: /dev/kvm not available");
  }
  return out;
}

}  // namespace conformance::runner
