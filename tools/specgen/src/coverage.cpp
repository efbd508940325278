// SPDX-License-Identifier: Apache-2.0
#include "coverage.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace hmx::specgen {

void merge_data_tests(const hmx::spec::Spec& spec, Coverage& cov) {
  for (const auto& r : spec.requirements()) {
    auto& set = cov[r.id()];
    for (const auto& t : r.tests()) set.insert(t);
  }
}

std::string coverage_json(const hmx::spec::Spec& spec, const Coverage& cov, const Sites* sites) {
  nlohmann::ordered_json reqs = nlohmann::ordered_json::array();
  for (const auto& r : spec.requirements()) {
    nlohmann::ordered_json j;
    j["id"] = r.id();
    j["level"] = hmx::spec::Level_Name(r.level());
    j["target"] = hmx::spec::Target_Name(r.target());
    std::set<std::string> tests(r.tests().begin(), r.tests().end());
    if (auto it = cov.find(r.id()); it != cov.end()) tests.insert(it->second.begin(), it->second.end());
    j["tests"] = std::vector<std::string>(tests.begin(), tests.end());
    if (sites != nullptr) {
      nlohmann::ordered_json at = nlohmann::ordered_json::array(), code = nlohmann::ordered_json::array();
      if (auto it = sites->tests.find(r.id()); it != sites->tests.end())
        for (const auto& [test, site] : it->second)
          at.push_back({{"test", test}, {"file", site.file}, {"line", site.line}});
      if (auto it = sites->code.find(r.id()); it != sites->code.end())
        for (const auto& site : it->second) code.push_back({{"file", site.file}, {"line", site.line}});
      j["test_sites"] = std::move(at);
      j["code"] = std::move(code);
    }
    reqs.push_back(std::move(j));
  }
  nlohmann::ordered_json root;
  root["requirements"] = std::move(reqs);
  return root.dump(2) + "\n";
}

std::vector<std::string> uncited(const hmx::spec::Spec& spec, const Sites& sites,
                                 const std::string& area, const std::string& dir) {
  const std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  std::vector<std::string> out;
  for (const auto& r : spec.requirements()) {
    const std::string& id = r.id();
    const auto first = id.find('-'), last = id.rfind('-');
    if (first == std::string::npos || id.substr(first + 1, last - first - 1) != area) continue;
    bool cited = false;
    if (auto it = sites.code.find(id); it != sites.code.end())
      for (const auto& site : it->second) cited = cited || site.file.rfind(prefix, 0) == 0;
    if (!cited) out.push_back(id);
  }
  return out;
}

std::vector<std::string> uncovered_musts(const hmx::spec::Spec& spec, const Coverage& cov,
                                         const std::set<std::string>& areas) {
  std::vector<std::string> out;
  for (const auto& r : spec.requirements()) {
    if (r.level() != hmx::spec::MUST && r.level() != hmx::spec::MUST_NOT) continue;
    const std::string& id = r.id();  // validated: HMX-AREA-NNN
    const auto first = id.find('-'), last = id.rfind('-');
    if (!areas.contains(id.substr(first + 1, last - first - 1))) continue;
    const auto it = cov.find(id);
    if (r.tests_size() == 0 && (it == cov.end() || it->second.empty())) out.push_back(id);
  }
  return out;
}

std::string level_text(hmx::spec::Level level) {
  std::string s = hmx::spec::Level_Name(level);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::string target_text(hmx::spec::Target target) {
  std::string s = hmx::spec::Target_Name(target);
  std::replace(s.begin(), s.end(), '_', ' ');
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace hmx::specgen
