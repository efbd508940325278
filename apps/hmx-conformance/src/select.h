/* SPDX-License-Identifier: Apache-2.0 */
// --only: glob patterns on requirement IDs ('*' any run, '?' one character), as Arm's
// sysarch-acs selects by rule ID (-r B_PE_04,...). No pattern selects everything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace conformance::runner {

bool glob_match(std::string_view pattern, std::string_view text);

class selection {
 public:
  selection() = default;
  explicit selection(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}
  [[nodiscard]] bool all() const { return patterns_.empty(); }
  [[nodiscard]] bool selected(std::string_view id) const;
  // A test runs when one of its requirements is selected.
  [[nodiscard]] bool any_selected(const std::vector<std::string>& ids) const;
  [[nodiscard]] const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  std::vector<std::string> patterns_;
};

}  // namespace conformance::runner
