// SPDX-License-Identifier: Apache-2.0
#include "text_util.h"

#include <sstream>

namespace hmx::specgen {

std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string word, cur;
  while (in >> word) {
    if (!cur.empty() && cur.size() + 1 + word.size() > width) {
      lines.push_back(cur);
      cur.clear();
    }
    cur += (cur.empty() ? "" : " ") + word;
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

std::string c_comment(const std::string& text, const std::string& indent, size_t width) {
  std::string t = text;
  for (size_t p; (p = t.find("*/")) != std::string::npos;) t.replace(p, 2, "* /");
  const size_t avail = width > indent.size() + 4 ? width - indent.size() - 4 : 20;
  auto lines = wrap(t, avail);
  if (lines.empty()) return "";
  if (lines.size() == 1 && lines[0].size() + 7 <= avail + 4)
    return indent + "/* " + lines[0] + " */\n";
  std::string out = indent + "/*\n";
  for (const auto& l : lines) out += indent + " * " + l + "\n";
  out += indent + " */\n";
  return out;
}

}  // namespace hmx::specgen
