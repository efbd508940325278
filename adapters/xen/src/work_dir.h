/* SPDX-License-Identifier: Apache-2.0 */
// Where a run's files go (consoles, device tree): the caller's directory, or a fresh one in /tmp
// that is removed again after the run (its consoles are in the boot_result by then), so that runs
// side by side (ctest -j) never share a console file and none leaves files behind.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace hmx::xen {

class run_directory {
 public:
  explicit run_directory(const std::string& requested) : path_(requested) {
    if (!path_.empty()) return;
    char templ[] = "/tmp/hmx-xen-XXXXXX";
    const char* d = mkdtemp(templ);
    if (d == nullptr) throw std::runtime_error("cannot create a directory in /tmp for the run's files");
    path_ = d;
    owned_ = true;
  }
  ~run_directory() {
    std::error_code ec;
    if (owned_) std::filesystem::remove_all(path_, ec);
  }
  run_directory(const run_directory&) = delete;
  run_directory& operator=(const run_directory&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

}  // namespace hmx::xen
