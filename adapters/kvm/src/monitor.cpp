// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/monitor.h"

#include <fmt/format.h>

#include <stdexcept>

namespace hmx::kvm {

int exit_code_for(const std::vector<domain_result>& results) {
  bool failed = false, crashed = false, timed_out = false, non_zero = false;
  for (const auto& r : results) {
    switch (r.state) {
      case domain_state::failed:
      case domain_state::created:
      case domain_state::running: failed = true; break;
      case domain_state::crashed: crashed = true; break;
      case domain_state::timed_out: timed_out = true; break;
      case domain_state::exited: non_zero |= r.exit_status != 0; break;
    }
  }
  if (failed) return kExitSetupError;
  if (crashed) return kExitCrashed;
  if (timed_out) return kExitTimeout;
  return non_zero ? kExitNonZero : kExitAllZero;
}

domain& monitor::add_domain(domain_config config, domain_hooks hooks) {
  if (find(config.name) != nullptr) throw std::invalid_argument("duplicate domain name '" + config.name + "'");
  domains_.push_back(std::make_unique<domain>(system_, std::move(config), std::move(hooks), console_));
  return *domains_.back();
}

domain* monitor::find(const std::string& name) {
  for (auto& d : domains_)
    if (d->name() == name) return d.get();
  return nullptr;
}

int monitor::run(std::optional<std::chrono::milliseconds> timeout) {
  auto start = std::chrono::steady_clock::now();
  for (auto& d : domains_) {
    d->start([this](domain&) {
      std::lock_guard lock(mutex_);
      ++finished_;
      finished_cv_.notify_all();
    });
  }
  {
    std::unique_lock lock(mutex_);
    auto all_done = [this] { return finished_ == domains_.size(); };
    if (timeout) {
      if (!finished_cv_.wait_until(lock, start + *timeout, all_done)) {
        lock.unlock();
        for (auto& d : domains_) {
          if (d->result().state == domain_state::running)
            console_.monitor_message(d->name(), fmt::format("time limit of {} ms reached: stopping", timeout->count()));
          d->stop(domain_state::timed_out);
        }
        lock.lock();
      }
    }
    finished_cv_.wait(lock, all_done);
  }
  for (auto& d : domains_) d->join();
  for (auto& d : domains_) {
    double elapsed = std::chrono::duration<double, std::milli>(d->finished_at() - start).count();
    domain_result r = d->result();
    std::string what = r.state == domain_state::exited ? fmt::format("exited with status {}", r.exit_status)
                                                        : std::string(to_string(r.state));
    console_.monitor_message(d->name(), fmt::format("result: {} ({:.1f} ms after start)", what, elapsed));
  }
  return exit_code_for(results());
}

std::vector<domain_result> monitor::results() const {
  std::vector<domain_result> out;
  for (const auto& d : domains_) out.push_back(d->result());
  return out;
}

}  // namespace hmx::kvm
