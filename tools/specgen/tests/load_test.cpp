// SPDX-License-Identifier: Apache-2.0
// Parsing, merging and mapping merged fields back to file:line.
#include "load.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace hmx::specgen {
namespace {

TEST(Load, ParseErrorsNameFileLineAndColumn) {
  LoadedSpec spec;
  Diags d;
  EXPECT_FALSE(spec.add_source("p.textproto",
                               "version { major: 1 }\n"
                               "constants { name: \"A\" valu: 1 }\n",
                               d));
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].file, "p.textproto");
  EXPECT_EQ(d[0].line, 2);
  EXPECT_GT(d[0].column, 0);
  EXPECT_NE(d[0].message.find("valu"), std::string::npos) << d[0].str();
}

TEST(Load, SyntaxErrorLineColumn) {
  LoadedSpec spec;
  Diags d;
  EXPECT_FALSE(spec.add_source("s.textproto", "errors { name: \"E\"\n value: }\n", d));
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].line, 2);
  EXPECT_GT(d[0].column, 0);
  EXPECT_NE(d[0].str().find("s.textproto:2:"), std::string::npos);
}

TEST(Load, MissingFileIsAnError) {
  LoadedSpec spec;
  Diags d;
  EXPECT_FALSE(spec.add_file("/nonexistent/spec.textproto", d));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d[0].message.find("cannot open"), std::string::npos);
}

TEST(Load, MergesInOrderAndLocatesAcrossFiles) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_source("a.textproto",
                              "errors { name: \"EPERM\" value: 1 }\n"
                              "errors { name: \"EINVAL\" value: 22 }\n"
                              "cpuid { signature: \"HMXHMXHMXHMX\" }\n",
                              d));
  ASSERT_TRUE(spec.add_source("b.textproto",
                              "\n"
                              "errors { name: \"ENOENT\" value: 2 }\n"
                              "cpuid {\n  scan_step: 256\n}\n",
                              d));
  ASSERT_EQ(spec.merged().errors_size(), 3);
  EXPECT_EQ(spec.merged().errors(2).name(), "ENOENT");
  EXPECT_EQ(spec.merged().cpuid().scan_step(), 256u);
  EXPECT_EQ(spec.merged().cpuid().signature(), "HMXHMXHMXHMX");

  auto loc = spec.locate(FieldPath().child("errors", 2).child("value"));
  EXPECT_EQ(loc.file, "b.textproto");
  EXPECT_EQ(loc.line, 2);
  loc = spec.locate(FieldPath().child("errors", 1).child("name"));
  EXPECT_EQ(loc.file, "a.textproto");
  EXPECT_EQ(loc.line, 2);
  loc = spec.locate(FieldPath().child("cpuid").child("scan_step"));
  EXPECT_EQ(loc.file, "b.textproto");
  EXPECT_EQ(loc.line, 4);
  EXPECT_EQ(loc.column, 3);
  loc = spec.locate(FieldPath().child("cpuid").child("signature"));
  EXPECT_EQ(loc.file, "a.textproto");
  EXPECT_EQ(loc.line, 3);
}

TEST(Load, MissingFieldIsReportedAtItsElement) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_source("r.textproto", "\n\nrequirements { id: \"HMX-A-001\" }\n", d));
  auto loc = spec.locate(FieldPath().child("requirements", 0).child("level"));
  EXPECT_EQ(loc.line, 3);
}

TEST(Load, HexLiteralsAreRecognised) {
  LoadedSpec spec;
  Diags d;
  ASSERT_TRUE(spec.add_source("h.textproto",
                              "constants { name: \"A\" value: 0x10 }\n"
                              "constants { name: \"B\" value: 16 }\n",
                              d));
  EXPECT_TRUE(spec.written_in_hex(FieldPath().child("constants", 0).child("value")));
  EXPECT_FALSE(spec.written_in_hex(FieldPath().child("constants", 1).child("value")));
}

}  // namespace
}  // namespace hmx::specgen
