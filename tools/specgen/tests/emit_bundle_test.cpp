// SPDX-License-Identifier: Apache-2.0
// The spec bundle: every field of the merged data, in JSON, for the readers that are not hmx-specgen.
#include "emit_bundle.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace hmx::specgen {
namespace {

nlohmann::json bundle_of(const std::vector<std::pair<std::string, std::string>>& sources) {
  LoadedSpec spec;
  Diags d;
  for (const auto& [name, text] : sources) EXPECT_TRUE(spec.add_source(name, text, d)) << testing::dump(d);
  return nlohmann::json::parse(emit_bundle(spec.merged()));
}

TEST(Bundle, HoldsTheMergedDataWithEveryField) {
  const nlohmann::json b = bundle_of(
      {{"a.textproto",
        "version { major: 0 minor: 1 status: \"draft\" }\n"
        "constants { name: \"BIG\" value: 0xFFFFFFFFFFFFFFFD type: \"u64\" }\n"
        "mechanisms { name: \"x86_msr\" id: 0 kind: \"call\" preference: 10 }\n"},
       {"r.textproto",
        "requirements { id: \"HMX-RING-001\" level: MUST_NOT target: GUEST_LIBRARY text: \"t\" }\n"}});
  EXPECT_EQ(b.at("format"), kBundleFormat);
  const nlohmann::json& s = b.at("spec");
  EXPECT_EQ(s.at("version").at("status"), "draft");
  // 64-bit values stay exact numbers.
  EXPECT_EQ(s.at("constants").at(0).at("value").get<uint64_t>(), 0xFFFFFFFFFFFFFFFDull);
  // Unset fields are present with their default: id 0 is a real mechanism id.
  EXPECT_EQ(s.at("mechanisms").at(0).at("id"), 0);
  EXPECT_EQ(s.at("mechanisms").at(0).at("registers"), nlohmann::json::array());
  EXPECT_EQ(s.at("requirements").at(0).at("level"), "MUST_NOT");
  EXPECT_EQ(s.at("requirements").at(0).at("target"), "GUEST_LIBRARY");
  EXPECT_EQ(s.at("requirements").at(0).at("section"), "");
  EXPECT_TRUE(s.at("errors").is_array());
  EXPECT_TRUE(s.at("cpuid").at("leaves").is_array());
}

TEST(Bundle, RealSpecFixtureRoundTrips) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_file(HMX_SPECGEN_FIXTURES "/valid.textproto", d));
  const nlohmann::json s = nlohmann::json::parse(emit_bundle(spec.merged())).at("spec");
  ASSERT_EQ(s.at("errors").size(), static_cast<size_t>(spec.merged().errors_size()));
  for (int i = 0; i < spec.merged().errors_size(); ++i) {
    EXPECT_EQ(s.at("errors").at(i).at("name"), spec.merged().errors(i).name());
    EXPECT_EQ(s.at("errors").at(i).at("value"), spec.merged().errors(i).value());
  }
  EXPECT_EQ(s.at("structs").size(), static_cast<size_t>(spec.merged().structs_size()));
}

}  // namespace
}  // namespace hmx::specgen
