// SPDX-License-Identifier: Apache-2.0
// load_spec (spec_data.h) through the generated hmx_spec_proto library (tools/specgen).
#include "spec_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include "hmx.pb.h"

namespace conformance::runner {

namespace {

namespace pb = google::protobuf;

class first_error : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (text.empty()) text = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  std::string text;
};

}  // namespace

const requirement* spec_info::find(const std::string& id) const {
  for (const auto& r : requirements)
    if (r.id == id) return &r;
  return nullptr;
}

spec_info parse_spec(const std::vector<std::pair<std::string, std::string>>& files) {
  hmx::spec::Spec spec;
  for (const auto& [name, text] : files) {
    hmx::spec::Spec part;
    first_error errors;
    pb::TextFormat::Parser parser;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text, &part))
      throw std::runtime_error(name + ":" + (errors.text.empty() ? std::string("parse error") : errors.text));
    spec.MergeFrom(part);
  }
  spec_info out;
  out.major = spec.version().major();
  out.minor = spec.version().minor();
  out.status = spec.version().status();
  for (const auto& r : spec.requirements())
    out.requirements.push_back({r.id(), hmx::spec::Level_Name(r.level()), hmx::spec::Target_Name(r.target()),
                                r.section(), r.text()});
  for (const auto& m : spec.mechanisms()) out.mechanisms[m.id()] = m.name();
  for (const auto& f : spec.features()) out.features[f.bit()] = f.name();
  return out;
}

spec_info load_spec(const std::string& dir) {
  // hmx.textproto, requirements.textproto, then every other data file (e.g. the transport's
  // requirements), as hmx-specgen merges them (tools/specgen/CMakeLists.txt).
  std::vector<std::string> names = {"hmx.textproto", "requirements.textproto"};
  std::vector<std::string> more;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (e.path().extension() == ".textproto" && n != names[0] && n != names[1]) more.push_back(n);
  }
  std::sort(more.begin(), more.end());
  names.insert(names.end(), more.begin(), more.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot read");
    std::ostringstream s;
    s << in.rdbuf();
    files.emplace_back(path, s.str());
  }
  return parse_spec(files);
}

}  // namespace conformance::runner
