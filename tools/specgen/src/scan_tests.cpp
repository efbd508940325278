// SPDX-License-Identifier: Apache-2.0
#include "scan_tests.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "output.h"
#include "validate.h"

namespace hmx::specgen {

namespace fs = std::filesystem;

namespace {

// "HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023" -> "RING"
std::string area_of(const std::string& id) {
  const auto first = id.find('-'), last = id.rfind('-');
  return id.substr(first + 1, last - first - 1);
}

}  // namespace

void scan_source(const std::string& file, const std::string& text,
                 const std::set<std::string>& known, Coverage& out, Diags& diags) {
  Sites sites;
  scan_source(file, text, known, out, sites, diags, file, true);
}

void scan_source(const std::string& file, const std::string& text,
                 const std::set<std::string>& known, Coverage& out, Sites& sites, Diags& diags,
                 const std::string& site_name, bool is_test, const Retired* retired) {
  static const std::regex marker(R"(^\s*//\s*covers:(.*)$)");
  static const std::regex decl(R"(^\s*(TEST|TEST_F|TEST_P|HMX_GUEST_TEST)\s*\()");
  static const std::regex args(R"(^\s*([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*))?)");
  static const std::regex citation(R"(HMX-[A-Z]+-[0-9]{3}(?![0-9]))");

  std::set<std::string> areas;
  if (!is_test)
    for (const auto& id : known) areas.insert(area_of(id));

  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  std::vector<std::string> pending;
  int pending_line = 0;
  std::smatch m;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int lineno = static_cast<int>(i) + 1;
    if (std::regex_match(lines[i], m, marker)) {
      std::string ids = m[1].str();
      std::replace(ids.begin(), ids.end(), ',', ' ');
      std::istringstream in(ids);
      for (std::string id; in >> id;) {
        if (!is_requirement_id(id))
          diags.push_back({file, lineno, 0, "covers", "'" + id + "' is not a requirement id (HMX-<AREA>-<NNN>)"});
        else if (retired != nullptr && retired->count(id))
          diags.push_back({file, lineno, 0, "covers",
                           id + " is retired; cite what replaces it: " + retired->at(id), true});
        else if (!known.count(id))
          diags.push_back({file, lineno, 0, "covers", "unknown requirement id " + id});
        else
          pending.push_back(id);
      }
      if (pending_line == 0) pending_line = lineno;
      continue;
    }
    // A line that describes the marker convention (outside tests) cites nothing.
    if (!is_test && lines[i].find("HMX-") != std::string::npos &&
        lines[i].find("covers:") == std::string::npos) {
      std::set<std::string> on_line;
      for (auto it = std::sregex_iterator(lines[i].begin(), lines[i].end(), citation);
           it != std::sregex_iterator(); ++it) {
        const std::string id = it->str();
        if (known.count(id)) {
          if (on_line.insert(id).second) sites.code[id].push_back({site_name, lineno});
        } else if (areas.count(area_of(id))) {
          diags.push_back({file, lineno, 0, "cites",
                           "cites " + id + ", which the spec data does not define", true});
        }
      }
    }
    if (!std::regex_search(lines[i], m, decl)) continue;
    const std::string macro = m[1].str();
    // The arguments may continue on the next lines.
    std::string rest = m.suffix().str();
    for (size_t j = i + 1; j < lines.size() && j < i + 4 && rest.find(')') == std::string::npos; ++j)
      rest += " " + lines[j];
    std::smatch a;
    if (!std::regex_search(rest, a, args)) {
      if (!pending.empty())
        diags.push_back({file, lineno, 0, "covers", "cannot read the test name of " + macro + "("});
      pending.clear();
      pending_line = 0;
      continue;
    }
    std::string name = a[1].str();
    if (macro != "HMX_GUEST_TEST" && a[2].matched) name += "." + a[2].str();
    for (const auto& id : pending) {
      out[id].insert(name);
      sites.tests[id].emplace(name, Site{site_name, lineno});
    }
    pending.clear();
    pending_line = 0;
  }
  if (pending_line != 0)
    diags.push_back({file, pending_line, 0, "covers", "marker is not followed by a test declaration", true});
}

bool is_test_path(const std::string& relative_path) {
  for (const auto& part : fs::path(relative_path))
    if (part == "tests") return true;
  return false;
}

void scan_dirs(const std::vector<std::string>& dirs, const std::set<std::string>& known,
               Coverage& out, Diags& diags, Sites* sites, const std::string& root,
               const Retired* retired) {
  static const std::set<std::string> exts = {".cpp", ".cc", ".h", ".c"};
  Sites unused;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      diags.push_back({dir, 0, 0, "", "--scan: not a directory"});
      continue;
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && exts.count(it->path().extension().string())) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string text;
      if (!read_file(f.string(), text)) {
        diags.push_back({f.string(), 0, 0, "", "cannot read"});
        continue;
      }
      // Whether a file is a test is judged below the scanned directory (or the root), so a
      // scan of a tree that itself lies under some "tests" folder still finds its code.
      const fs::path base = root.empty() ? fs::path(dir) : fs::path(root);
      const std::string shown = f.lexically_relative(base).generic_string();
      const bool in_root = !shown.empty() && shown.rfind("..", 0) != 0;
      const std::string name = root.empty() || !in_root ? f.string() : shown;
      const std::string judged = in_root ? shown : f.lexically_relative(dir).generic_string();
      scan_source(f.string(), text, known, out, sites ? *sites : unused, diags, name,
                  is_test_path(judged), retired);
    }
  }
}

}  // namespace hmx::specgen
