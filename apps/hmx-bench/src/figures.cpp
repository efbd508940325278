// SPDX-License-Identifier: Apache-2.0
#include "figures.h"

#include <algorithm>
#include <charconv>

namespace hmx::kvm::bench {

std::optional<guest_figure> parse_result_line(std::string_view line) {
  constexpr std::string_view tag = "bench: result ";
  std::size_t at = line.find(tag);
  if (at == std::string_view::npos) return std::nullopt;
  line.remove_prefix(at + tag.size());
  guest_figure f;
  bool have_name = false, have_ops = false, have_cycles = false;
  while (!line.empty()) {
    std::size_t end = line.find(' ');
    std::string_view word = line.substr(0, end);
    line = end == std::string_view::npos ? std::string_view{} : line.substr(end + 1);
    std::size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "name") {
      f.name = std::string(value);
      have_name = true;
      continue;
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || p != value.data() + value.size()) return std::nullopt;
    if (key == "ops") f.ops = v, have_ops = true;
    else if (key == "cycles") f.cycles = v, have_cycles = true;
    else if (key == "msgs") f.msgs = v;
    else if (key == "bytes") f.bytes = v;
    else if (key == "cpl0") f.cpl0_x100 = v;
    else if (key == "eagain") f.eagain = v;
  }
  if (!have_name || !have_ops || !have_cycles || f.ops == 0) return std::nullopt;
  return f;
}

std::vector<guest_figure> median_figures(const std::vector<std::vector<guest_figure>>& runs) {
  std::vector<guest_figure> out;
  if (runs.empty()) return out;
  for (const guest_figure& first : runs.front()) {
    std::vector<guest_figure> same;
    for (const auto& run : runs)
      for (const auto& f : run)
        if (f.name == first.name) same.push_back(f);
    std::sort(same.begin(), same.end(), [](const guest_figure& a, const guest_figure& b) {
      return double(a.cycles) / double(a.ops) < double(b.cycles) / double(b.ops);
    });
    out.push_back(same[same.size() / 2]);
  }
  return out;
}

}  // namespace hmx::kvm::bench
