// SPDX-License-Identifier: Apache-2.0
// --only globs (select.h).
#include <gtest/gtest.h>

#include "select.h"

namespace conformance::runner {
namespace {

TEST(Glob, MatchesRequirementAreas) {
  EXPECT_TRUE(glob_match("HMX-RING-*", "HMX-RING-001"));
  EXPECT_FALSE(glob_match("HMX-RING-*", "HMX-SEND-001"));
  EXPECT_TRUE(glob_match("*-001", "HMX-DISC-001"));
  EXPECT_TRUE(glob_match("HMX-?" "?" "?-00?", "HMX-DOM-004"));
  EXPECT_FALSE(glob_match("HMX-?" "?" "?-00?", "HMX-DISC-004"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("HMX-MAC-005", "HMX-MAC-005"));
  EXPECT_FALSE(glob_match("HMX-MAC-005", "HMX-MAC-0050"));
  EXPECT_FALSE(glob_match("", "HMX-MAC-005"));
}

TEST(Glob, HostilePatternsStayLinear) {
  // Many stars against a long non-matching text: finishes, no recursion blow-up.
  const std::string text(5000, 'a');
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_TRUE(glob_match("*a*a*a*a*a*a*a*a*a*a*", text));
}

TEST(Selection, EmptySelectsAll) {
  const selection all;
  EXPECT_TRUE(all.all());
  EXPECT_TRUE(all.selected("HMX-LIB-014"));
  const selection some({"HMX-RING-*", "HMX-MAC-00[1]"});
  EXPECT_TRUE(some.selected("HMX-RING-015"));
  EXPECT_FALSE(some.selected("HMX-MAC-001"));  // '[' is literal: only * and ? are special
  EXPECT_TRUE(some.any_selected({"HMX-DISC-001", "HMX-RING-002"}));
  EXPECT_FALSE(some.any_selected({"HMX-DISC-001"}));
}

}  // namespace
}  // namespace conformance::runner
