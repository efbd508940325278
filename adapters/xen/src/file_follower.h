/* SPDX-License-Identifier: Apache-2.0 */
// A file QEMU writes (a serial port on `-serial file:`), read as it grows: each poll() hands the
// bytes appended since the last one to a line splitter.
#pragma once

#include <fstream>
#include <functional>
#include <string>
#include <string_view>

#include "hmx/host/line_splitter.h"

namespace hmx::xen {

class file_follower {
 public:
  // on_line gets each line without its end: Xen's serial console ends lines with "\r\n".
  file_follower(std::string path, std::function<void(std::string_view)> on_line)
      : path_(std::move(path)),
        on_line_([f = std::move(on_line)](std::string_view l) {
          if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
          f(l);
        }) {}

  void poll() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return;
    in.seekg(static_cast<std::streamoff>(offset_));
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      const auto n = static_cast<size_t>(in.gcount());
      offset_ += n;
      lines_.feed(std::string_view(buf, n), on_line_);
    }
  }
  void finish() {
    poll();
    lines_.finish(on_line_);
  }

 private:
  std::string path_;
  std::function<void(std::string_view)> on_line_;
  hmx::host::line_splitter lines_{8192};
  size_t offset_ = 0;
};

}  // namespace hmx::xen
