// SPDX-License-Identifier: Apache-2.0
// Requirement statements generated from the data, and the chapters' includes of them.
#include "prose.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace hmx::specgen {
namespace {

const char* const kData =
    "requirements { id: \"HMX-RING-001\" level: MUST target: HYPERVISOR section: \"rings-hyp\" text: \"A ring MUST exist.\" }\n"
    "requirements { id: \"HMX-RING-002\" level: MAY target: HYPERVISOR section: \"rings-hyp\" text: \"It MAY grow.\" }\n"
    "requirements { id: \"HMX-LIB-001\" level: SHOULD target: GUEST_LIBRARY section: \"lib-guest\" text: \"It SHOULD probe.\" }\n";

LoadedSpec load(const char* text = kData) {
  LoadedSpec spec;
  Diags d;
  EXPECT_TRUE(spec.add_source("r.textproto", text, d)) << testing::dump(d);
  return spec;
}

TEST(Prose, OneFragmentPerSectionInDataOrder) {
  const FileSet f = emit_requirement_prose(load().merged());
  ASSERT_EQ(f.size(), 2u);
  const std::string& rings = f.at("requirements/rings-hyp.adoc");
  EXPECT_EQ(rings.rfind("// SPDX-License-Identifier: CC-BY-4.0\n", 0), 0u) << rings;
  const auto a = rings.find("\n*<<HMX-RING-001,HMX-RING-001>>* A ring MUST exist.\n");
  const auto b = rings.find("\n*<<HMX-RING-002,HMX-RING-002>>* It MAY grow.\n");
  ASSERT_NE(a, std::string::npos) << rings;
  ASSERT_NE(b, std::string::npos) << rings;
  EXPECT_LT(a, b);
  EXPECT_NE(f.at("requirements/lib-guest.adoc").find("*<<HMX-LIB-001,HMX-LIB-001>>* It SHOULD probe."),
            std::string::npos);
}

const char* const kGoodChapter =
    "== Rings\n\n[[rings-hyp]]\n=== Hypervisor requirements: rings\n\n"
    "include::{gendir}/requirements/rings-hyp.adoc[]\n\n"
    "[[lib-guest]]\n[discrete]\n==== Guest requirements: probing\n\n"
    "include::{gendir}/requirements/lib-guest.adoc[]\n";

TEST(Prose, ChaptersThatIncludeEverySectionOncePass) {
  Diags d;
  check_prose(load(), {{"c.adoc", kGoodChapter}}, d);
  EXPECT_TRUE(d.empty()) << testing::dump(d);
}

TEST(Prose, EveryMistakeIsNamedAtItsLine) {
  Diags d;
  check_prose(load(),
              {{"c.adoc",
                "[[rings-hyp]]\n=== Guest requirements: rings\n\n"                    // 1-3
                "include::{gendir}/requirements/rings-hyp.adoc[]\n"                    // 4: wrong title
                "include::{gendir}/requirements/rings-hyp.adoc[]\n"                    // 5: twice
                "include::{gendir}/requirements/nowhere.adoc[]\n"                      // 6: no such section
                "*<<HMX-RING-001,HMX-RING-001>>* A ring MUST exist.\n"                 // 7: by hand
                "[[other]]\n=== Guest requirements: other\n"                           // 8-9
                "include::{gendir}/requirements/lib-guest.adoc[]\n"}},                 // 10: wrong anchor
              d);
  EXPECT_DIAG(d, "c.adoc", 4, "prose", "HMX-RING-001 is a HYPERVISOR requirement, but stands in the section 'Guest requirements: rings'");
  EXPECT_DIAG(d, "c.adoc", 5, "prose", "included a second time (first at c.adoc:4)");
  EXPECT_DIAG(d, "c.adoc", 6, "prose", "no requirement of the data has section 'nowhere'");
  EXPECT_DIAG(d, "c.adoc", 7, "prose", "a requirement statement written by hand");
  EXPECT_DIAG(d, "c.adoc", 10, "prose", "stand in the section anchored 'other'");
}

TEST(Prose, ASectionNoChapterIncludesIsAnErrorAtTheData) {
  Diags d;
  check_prose(load(), {{"c.adoc", "[[rings-hyp]]\n=== Hypervisor requirements: rings\n\n"
                                  "include::{gendir}/requirements/rings-hyp.adoc[]\n"}},
              d);
  EXPECT_DIAG(d, "r.textproto", 3, "requirements[HMX-LIB-001].section", "no chapter states the requirements of section 'lib-guest'");
  EXPECT_EQ(d.size(), 1u) << testing::dump(d);
}

}  // namespace
}  // namespace hmx::specgen
