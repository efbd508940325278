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

void scan_source(const std::string& file, const std::string& text,
                 const std::set<std::string>& known, Coverage& out, Diags& diags) {
  static const std::regex marker(R"(^\s*//\s*covers:(.*)$)");
  static const std::regex decl(R"(^\s*(TEST|TEST_F|TEST_P|HMX_GUEST_TEST)\s*\()");
  static const std::regex args(R"(^\s*([A-Za-z_]\w*)\s*(?:,\s*([A-Za-z_]\w*))?)");

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
        else if (!known.count(id))
          diags.push_back({file, lineno, 0, "covers", "unknown requirement id " + id});
        else
          pending.push_back(id);
      }
      if (pending_line == 0) pending_line = lineno;
      continue;
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
    for (const auto& id : pending) out[id].insert(name);
    pending.clear();
    pending_line = 0;
  }
  if (pending_line != 0)
    diags.push_back({file, pending_line, 0, "covers", "marker is not followed by a test declaration", true});
}

void scan_dirs(const std::vector<std::string>& dirs, const std::set<std::string>& known,
               Coverage& out, Diags& diags) {
  static const std::set<std::string> exts = {".cpp", ".cc", ".h", ".c"};
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      diags.push_back({dir, 0, 0, "", "--scan-tests: not a directory"});
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
      scan_source(f.string(), text, known, out, diags);
    }
  }
}

}  // namespace hmx::specgen
