// SPDX-License-Identifier: Apache-2.0
// hosted_services over guest-transport's service_set (hosted_services.h).
#include "hosted_services.h"

#include <hmx/virtio_argo/service/service_set.h>

namespace hmx::kvm {

struct hosted_services::impl {
  impl(std::vector<virtio_argo::service::service_spec> specs, virtio_argo::service::service_set::log_fn log)
      : set(std::move(specs), std::move(log)) {}
  virtio_argo::service::service_set set;
};

hosted_services::hosted_services(const std::vector<std::string>& specs, console& out) {
  std::vector<virtio_argo::service::service_spec> parsed;
  for (const auto& s : specs) parsed.push_back(virtio_argo::service::parse_service_spec(s));
  // Service lines go to the console like the monitor's own, prefixed with the service's name.
  impl_ = std::make_unique<impl>(std::move(parsed), [&out](const std::string& domain, const std::string& line) {
    out.monitor_message(domain, line);
  });
}

hosted_services::~hosted_services() { stop(); }
bool hosted_services::empty() const { return impl_->set.names().empty(); }
std::vector<std::string> hosted_services::names() const { return impl_->set.names(); }
void hosted_services::start(ref::Core& core, ref::DomainId first_id, const std::vector<ref::DomainId>& drivers) {
  impl_->set.start(core, first_id, drivers);
}
void hosted_services::stop() { impl_->set.stop(); }
std::vector<std::string> hosted_services::stats_lines() const { return impl_->set.stats_lines(); }

}  // namespace hmx::kvm
