// SPDX-License-Identifier: Apache-2.0
#include "figures.h"

#include <algorithm>
#include <cstdlib>

#include "hmx/host/key_value.h"

namespace hmx::kvm::bench {

std::optional<guest_figure> to_figure(const host::console::result_line& line) {
  guest_figure f;
  bool have_name = false, have_ops = false, have_cycles = false;
  for (const auto& [key, value] : line.fields) {
    if (key == "name") {
      f.name = value;
      have_name = true;
      continue;
    }
    const std::optional<unsigned long long> v = host::parse_decimal(value);
    if (!v) return std::nullopt;
    if (key == "ops") f.ops = *v, have_ops = true;
    else if (key == "cycles") f.cycles = *v, have_cycles = true;
    else if (key == "msgs") f.msgs = *v;
    else if (key == "bytes") f.bytes = *v;
    else if (key == "cpl0") f.cpl0_x100 = *v;
    else if (key == "eagain") f.eagain = *v;
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

spread spread_of(std::vector<double> values) {
  spread s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  const std::size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return s;
}

bool meets(double value, const std::string& target) {
  const std::size_t space = target.find(' ');
  if (space == std::string::npos) return false;
  const std::string op = target.substr(0, space);
  const double bound = std::strtod(target.c_str() + space + 1, nullptr);
  if (op == "<=") return value <= bound;
  if (op == ">=") return value >= bound;
  if (op == "<") return value < bound;
  if (op == ">") return value > bound;
  return false;
}

}  // namespace hmx::kvm::bench
