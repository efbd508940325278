// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <fmt/format.h>

namespace hmx::kvm::bench {

namespace {

const guest_figure* find(const bench_data& d, const std::string& name) {
  for (const auto& f : d.guest)
    if (f.name == name) return &f;
  return nullptr;
}

const host_figure* find_host(const std::vector<host_figure>& v, const std::string& name) {
  for (const auto& f : v)
    if (f.name == name) return &f;
  return nullptr;
}

std::string rate(double bytes_per_s) {
  if (bytes_per_s >= 1e9) return fmt::format("{:.2f} GB/s", bytes_per_s / 1e9);
  return fmt::format("{:.1f} MB/s", bytes_per_s / 1e6);
}

}  // namespace

std::vector<ratio> compute_ratios(const bench_data& d) {
  std::vector<ratio> out;
  const double hz = d.tsc_hz;
  const guest_figure *raw = find(d, "raw_exit"), *null = find(d, "null"), *one = find(d, "sendv_64"),
                     *batched = find(d, "batch_64"), *bulk = find(d, "batch_65536"), *notify = find(d, "notify");
  const host_figure* copy = find_host(d.memcpy_rates, "memcpy_65536");
  if (raw && null) {
    double v = null->us_per_op(hz) / raw->us_per_op(hz);
    out.push_back({"R_exit", "HMX null call / raw userspace MSR exit (round trips)", v, "<= 1.15", v <= 1.15});
  }
  if (bulk && copy) {
    double v = bulk->bytes_per_s(hz) / copy->bytes_per_s();
    out.push_back({"R_copy",
                   "64 KiB batched sendv throughput / memcpy bandwidth (64 KiB into a 16 MiB ring-sized buffer)", v,
                   ">= 0.75", v >= 0.75});
  }
  if (const guest_figure* max = find(d, "batchmax_65536"); max && copy) {
    double v = max->bytes_per_s(hz) / copy->bytes_per_s();
    out.push_back({"R_copy_max", fmt::format("as R_copy with the largest batch ({} per exit)", max->msgs), v, ">= 0.75",
                   v >= 0.75});
  }
  if (one && batched) {
    double v = batched->msgs_per_s(hz) / one->msgs_per_s(hz);
    out.push_back({"batching_gain", "64 B messages/s batched (32 per exit) / one sendv per exit", v, ">= 20",
                   v >= 20});
  }
  if (notify && raw) {
    double v = notify->us_per_op(hz) / raw->us_per_op(hz);
    out.push_back({"notify_latency", "send-to-handler latency / raw userspace MSR exit", v, "< 3", v < 3});
  }
  return out;
}

void print_report(std::ostream& out, const bench_data& d, const std::vector<ratio>& ratios) {
  const double hz = d.tsc_hz;
  out << fmt::format("hmx-bench: TSC {:.3f} GHz, {} iterations, median of {} VM run(s), vCPU threads {}; times "
                     "measured in the guest at CPL3 with rdtsc\n\n",
                     hz / 1e9, d.iterations, d.runs, d.pinned ? "pinned to CPUs 0 and 1" : "not pinned");
  if (!d.load.empty()) out << "host load average (1, 5, 15 min): " << d.load << "\n\n";
  out << fmt::format("{:<14} {:>8} {:>12} {:>14} {:>14} {:>11} {:>7}\n", "figure", "ops", "us/op", "messages/s",
                     "payload rate", "CPL0 insn", "EAGAIN");
  for (const auto& f : d.guest) {
    out << fmt::format("{:<14} {:>8} {:>12.2f} {:>14.0f} {:>14} {:>11.2f} {:>7}\n", f.name, f.ops, f.us_per_op(hz),
                       f.msgs ? f.msgs_per_s(hz) : 0.0, f.bytes ? rate(f.bytes_per_s(hz)) : std::string("-"),
                       f.cpl0_per_op() / double(f.msgs ? f.msgs : 1), f.eagain);
  }
  out << "  (CPL0 insn: CPL0 instructions per message, or per operation when it moves none; the exit itself\n"
         "   and the int3 delivery are not instructions of the guest. notify: one way, i.e. half a ping-pong\n"
         "   round trip.)\n\n";
  out << "host, same process:\n";
  for (const auto& f : d.memcpy_rates)
    out << fmt::format("  {:<18} {:>10.1f} ns/op  {}\n", f.name, f.ns_per_op, rate(f.bytes_per_s()));
  for (const auto& f : d.in_process)
    out << fmt::format("  {:<18} {:>10.1f} ns/op  {}  (reference core via libhmx loopback, no VM exit)\n", f.name,
                       f.ns_per_op, f.bytes ? rate(f.bytes_per_s()) : std::string("-"));
  out << "\nhost time in the HMX service (MSR dispatch + reference core, injections included) per CALL exit,\n"
         "and per interrupt injected (KVM_SIGNAL_MSI, waking the target vCPU), all runs:\n";
  for (const auto& c : d.phases) {
    if (c.sender_calls == 0 && c.receiver_calls == 0) continue;
    const guest_figure* f = find(d, c.figure);
    const uint64_t msgs = f ? f->msgs : 0;
    out << fmt::format("  {:<14} sender {:>6} calls {:>8.2f} us/call   receiver {:>5} calls {:>8.2f} us/call   "
                       "{:>5} interrupts {:>7.2f} us each{}\n",
                       c.figure, c.sender_calls, c.sender_us_per_call(), c.receiver_calls,
                       c.receiver_calls ? double(c.receiver_ns) / 1e3 / double(c.receiver_calls) : 0.0, c.interrupts,
                       c.interrupts ? double(c.injection_ns) / 1e3 / double(c.interrupts) : 0.0,
                       msgs > 1 ? fmt::format(" ({} msgs/call)", msgs) : std::string());
  }
  out << "\nratios (targets are reported, not asserted):\n";
  for (const auto& r : ratios)
    out << fmt::format("  {:<15} {:>8.3f}  target {:<8} {}  {}\n", r.name, r.value, r.target,
                       r.met ? "met   " : "MISSED", r.definition);
}

nlohmann::json to_json(const bench_data& d, const std::vector<ratio>& ratios) {
  nlohmann::json j;
  const double hz = d.tsc_hz;
  j["tsc_hz"] = hz;
  j["iterations"] = d.iterations;
  j["runs"] = d.runs;
  j["host_load"] = d.load;
  j["pinned"] = d.pinned;
  for (const auto& f : d.guest) {
    j["guest"][f.name] = {{"ops", f.ops},
                          {"cycles", f.cycles},
                          {"messages_per_op", f.msgs},
                          {"payload_bytes", f.bytes},
                          {"us_per_op", f.us_per_op(hz)},
                          {"messages_per_s", f.msgs_per_s(hz)},
                          {"bytes_per_s", f.bytes_per_s(hz)},
                          {"cpl0_instructions_per_op", f.cpl0_per_op()},
                          {"eagain", f.eagain}};
  }
  for (const auto& f : d.memcpy_rates)
    j["host"][f.name] = {{"bytes", f.bytes}, {"ns_per_op", f.ns_per_op}, {"bytes_per_s", f.bytes_per_s()}};
  for (const auto& f : d.in_process)
    j["in_process"][f.name] = {{"bytes", f.bytes}, {"ns_per_op", f.ns_per_op}, {"bytes_per_s", f.bytes_per_s()}};
  for (const auto& c : d.phases)
    j["service_time"][c.figure] = {{"sender_calls", c.sender_calls},
                                   {"sender_ns", c.sender_ns},
                                   {"receiver_calls", c.receiver_calls},
                                   {"receiver_ns", c.receiver_ns},
                                   {"interrupts", c.interrupts},
                                   {"injection_ns", c.injection_ns}};
  for (const auto& r : ratios)
    j["ratios"][r.name] = {{"value", r.value}, {"target", r.target}, {"met", r.met}, {"definition", r.definition}};
  return j;
}

}  // namespace hmx::kvm::bench
