// SPDX-License-Identifier: Apache-2.0
// Output arriving in chunks of any size, cut into lines at '\n'. A line longer than the limit is
// cut at it (the rest of that line is dropped), so endless output without a newline cannot grow
// memory; the consumer sees `limit` bytes and can tell the line was too long when it needs to.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace hmx::host {

class line_splitter {
 public:
  explicit line_splitter(std::size_t limit = 4096) : limit_(limit) {}

  // Calls on_line(std::string_view) for every line the chunk completes (without its '\n').
  template <class OnLine>
  void feed(std::string_view chunk, OnLine&& on_line) {
    while (!chunk.empty()) {
      const std::size_t nl = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, nl);
      partial_.append(piece.substr(0, limit_ - std::min(limit_, partial_.size())));
      if (nl == std::string_view::npos) return;
      on_line(std::string_view(partial_));
      partial_.clear();
      chunk.remove_prefix(nl + 1);
    }
  }

  // A last line that ended without '\n'.
  template <class OnLine>
  void finish(OnLine&& on_line) {
    if (!partial_.empty()) on_line(std::string_view(partial_));
    partial_.clear();
  }

 private:
  std::size_t limit_;
  std::string partial_;
};

}  // namespace hmx::host
