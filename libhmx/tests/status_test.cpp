// SPDX-License-Identifier: MIT
// hmx::status / hmx::result and the error-name lookup, held against the spec data.
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace hmx {
namespace {

// Every error of the spec data (the spec bundle, spec/CMakeLists.txt) has a name in error_name()
// and an errc enumerator: a new error in the data that libhmx cannot print fails here.
// covers: HMX-LIB-021 HMX-LIB-022
TEST(Status, EveryErrorOfTheSpecHasItsName) {
  std::ifstream in(HMX_SPEC_BUNDLE);
  ASSERT_TRUE(in) << HMX_SPEC_BUNDLE;
  const nlohmann::json errors = nlohmann::json::parse(in).at("spec").at("errors");
  int n = 0;
  for (const auto& e : errors) {
    const std::string name = e.at("name");
    const int value = e.at("value");
    EXPECT_STREQ(error_name(-value), name.c_str()) << value;
    EXPECT_STREQ(error_name(value), name.c_str()) << value;
    EXPECT_STREQ(status::from_raw(-value).name(), name.c_str());
    ++n;
  }
  EXPECT_EQ(n, 17);
}

TEST(Status, ErrcValuesAreTheNegatedCodes) {
  EXPECT_EQ(static_cast<int>(errc::inval), -HMX_EINVAL);
  EXPECT_EQ(static_cast<int>(errc::too_big), -HMX_E2BIG);
  EXPECT_EQ(static_cast<int>(errc::connrefused), -HMX_ECONNREFUSED);
  EXPECT_EQ(static_cast<int>(errc::opnotsupp), -HMX_EOPNOTSUPP);
  EXPECT_STREQ(error_name(0), "OK");
  EXPECT_STREQ(error_name(-1000), "E?");
}

// covers: HMX-LIB-021 HMX-LIB-022
TEST(Status, FromRaw) {
  EXPECT_TRUE(status::from_raw(0).ok());
  EXPECT_TRUE(status::from_raw(12345).ok());
  EXPECT_EQ(status::from_raw(-HMX_EAGAIN), errc::again);
  EXPECT_EQ(status::from_raw(-HMX_EAGAIN).code(), -11);
  // A 64-bit value no spec code can be stays an error, never a plausible small code.
  const status s = status::from_raw(INT64_MIN);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), INT32_MIN);
  EXPECT_STREQ(s.name(), "E?");
}

// covers: HMX-LIB-021 HMX-LIB-022
TEST(Status, ResultCarriesValueOrError) {
  result<uint32_t> ok = 42u;
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(*ok, 42u);
  EXPECT_TRUE(ok.error().ok());

  result<uint32_t> bad = errc::msgsize;
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), errc::msgsize);
  EXPECT_STREQ(bad.error().name(), "EMSGSIZE");
  EXPECT_EQ(bad.value_or(7u), 7u);
}

TEST(Status, UsableInConstantExpressions) {
  constexpr status s = errc::perm;
  static_assert(!s.ok() && s.code() == -HMX_EPERM);
  constexpr result<int> r = 3;
  static_assert(r.ok() && *r == 3);
  static_assert(error_name(-HMX_ENOSPC)[1] == 'N');
}

}  // namespace
}  // namespace hmx
