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

std::string coverage_json(const hmx::spec::Spec& spec, const Coverage& cov) {
  nlohmann::ordered_json reqs = nlohmann::ordered_json::array();
  for (const auto& r : spec.requirements()) {
    nlohmann::ordered_json j;
    j["id"] = r.id();
    j["level"] = hmx::spec::Level_Name(r.level());
    j["target"] = hmx::spec::Target_Name(r.target());
    std::set<std::string> tests(r.tests().begin(), r.tests().end());
    if (auto it = cov.find(r.id()); it != cov.end()) tests.insert(it->second.begin(), it->second.end());
    j["tests"] = std::vector<std::string>(tests.begin(), tests.end());
    reqs.push_back(std::move(j));
  }
  nlohmann::ordered_json root;
  root["requirements"] = std::move(reqs);
  return root.dump(2) + "\n";
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
