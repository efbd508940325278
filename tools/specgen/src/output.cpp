// SPDX-License-Identifier: Apache-2.0
#include "output.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hmx::specgen {

namespace fs = std::filesystem;

bool read_file(const std::string& path, std::string& content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  content = ss.str();
  return true;
}

bool write_file_if_changed(const std::string& path, const std::string& content, std::ostream& err) {
  std::string old;
  if (read_file(path, old) && old == content) return true;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  // Write to a temporary name and rename, so a reader never sees a half-written header.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !(out << content) || !out.flush()) {
      err << path << ": error: cannot write\n";
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    err << path << ": error: cannot rename: " << ec.message() << "\n";
    return false;
  }
  return true;
}

bool write_if_changed(const std::string& dir, const FileSet& files, std::ostream& err) {
  bool ok = true;
  for (const auto& [name, content] : files)
    ok = write_file_if_changed((fs::path(dir) / name).string(), content, err) && ok;
  return ok;
}

}  // namespace hmx::specgen
