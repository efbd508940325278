// SPDX-License-Identifier: Apache-2.0
// load_spec (spec_data.h): the spec bundle, JSON written by hmx-specgen --bundle-out.
#include "spec_data.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace conformance::runner {

namespace {

constexpr const char* kBundleFormat = "hmx-spec-bundle/1";

// A field of the bundle, absent ones as the empty value of their type.
template <class T>
T field(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? T{} : it->get<T>();
}

}  // namespace

const requirement* spec_info::find(const std::string& id) const {
  for (const auto& r : requirements)
    if (r.id == id) return &r;
  return nullptr;
}

spec_info parse_spec(const std::string& origin, const std::string& bundle_json) {
  spec_info out;
  try {
    const nlohmann::json root = nlohmann::json::parse(bundle_json);
    if (field<std::string>(root, "format") != kBundleFormat)
      throw std::runtime_error(std::string("not a spec bundle (format ") + kBundleFormat + ")");
    const nlohmann::json spec = field<nlohmann::json>(root, "spec");
    const nlohmann::json version = field<nlohmann::json>(spec, "version");
    out.major = field<uint32_t>(version, "major");
    out.minor = field<uint32_t>(version, "minor");
    out.status = field<std::string>(version, "status");
    for (const auto& r : field<nlohmann::json>(spec, "requirements"))
      out.requirements.push_back({field<std::string>(r, "id"), field<std::string>(r, "level"),
                                  field<std::string>(r, "target"), field<std::string>(r, "section"),
                                  field<std::string>(r, "text")});
    for (const auto& m : field<nlohmann::json>(spec, "mechanisms"))
      out.mechanisms[field<uint32_t>(m, "id")] = field<std::string>(m, "name");
    for (const auto& f : field<nlohmann::json>(spec, "features"))
      out.features[field<uint32_t>(f, "bit")] = field<std::string>(f, "name");
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(origin + ": " + e.what());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(origin + ": " + e.what());
  }
  return out;
}

spec_info load_spec(const std::string& dir) {
  const std::string path = dir + "/" + kSpecBundleName;
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read (hmx-specgen --bundle-out writes it)");
  std::ostringstream s;
  s << in.rdbuf();
  return parse_spec(path, s.str());
}

}  // namespace conformance::runner
