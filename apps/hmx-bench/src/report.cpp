// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <fmt/format.h>

#include <algorithm>

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


// Interrupts over the one-message-per-call phases (sendv_*), where the sender waits for nothing
// else: what the text report and the JSON counters both print.
struct sendv_interrupts {
  double moved = 0;  // messages
  uint64_t irqs = 0, moderated = 0, inj_ns = 0, sender_ns = 0;
};

sendv_interrupts sum_sendv_interrupts(const bench_data& d) {
  sendv_interrupts t;
  for (const auto& c : d.phases) {
    if (c.figure.rfind("sendv_", 0) != 0) continue;
    const guest_figure* f = find(d, c.figure);
    if (f == nullptr) continue;
    t.moved += double(f->ops * f->msgs) * d.runs;
    t.irqs += c.interrupts;
    t.moderated += c.moderated;
    t.inj_ns += c.injection_ns;
    t.sender_ns += c.sender_ns;
  }
  return t;
}

}  // namespace

namespace {

// `value(run figures)` for every run where it is defined; nullopt-like NaN skips a run.
template <class F>
ratio per_run_ratio(const bench_data& d, std::string name, std::string definition, std::string target, F value) {
  ratio r{std::move(name), std::move(definition), 0, std::move(target), false, 0, 0, 0, {}};
  std::vector<double> values;
  for (const auto& run : d.per_run) {
    bench_data one = d;
    one.guest = run;
    const double v = value(one);
    if (v == v && v > 0) values.push_back(v);  // NaN or 0: a figure missing in this run
  }
  if (values.empty()) return r;
  const spread s = spread_of(values);
  r.value = s.median;
  r.min = s.min;
  r.max = s.max;
  r.runs = values.size();
  r.met = meets(r.value, r.target);
  return r;
}

constexpr double kNaN = __builtin_nan("");

// The sender's exits per message of a phase over all runs (the monitor's count of its CALL
// writes), and the messages/s of its figure (median); NaN without the figure.
struct async_path {
  double msgs_per_s = kNaN, exits_per_msg = kNaN;
};
async_path async_path_of(const bench_data& d, const std::string& figure) {
  async_path p;
  const guest_figure* f = find(d, figure);
  if (f == nullptr) return p;
  p.msgs_per_s = f->msgs_per_s(d.tsc_hz);
  for (const auto& c : d.phases)
    if (c.figure == figure && f->ops * f->msgs > 0)
      p.exits_per_msg = double(c.sender_calls) / (double(f->ops * f->msgs) * d.runs);
  return p;
}

// Issue 15's async gain: 64 B messages/s through the best submission queue path of the run / one
// sendv per exit. The paths: submit_64 (1024 sendv staged in the guest's queue, one submit exit
// drains them; spec submit-queue) and sqpoll_64 (the same stream with a worker polling the queue,
// submit only when SUBMIT_QUEUE_NEED_WAKEUP asks; spec submit-queue-polling), both in the same
// run; the note gives each path's rate and exits per message. A run without either figure (a
// monitor that does not offer SUBMIT_QUEUE) falls back to the batching gain, and the note says so.
template <class Batching>
ratio async_gain_ratio(const bench_data& d, Batching batching) {
  const double hz = d.tsc_hz;
  bool fell_back = false;
  ratio r = per_run_ratio(d, "async_gain",
                          "64 B messages/s through the best submission queue path (one submit exit per 1024 sendv, "
                          "or a polling worker) / one sendv per exit",
                          ">= 50", [&](const bench_data& b) {
                            const guest_figure *one = find(b, "sendv_64"), *queued = find(b, "submit_64"),
                                               *polled = find(b, "sqpoll_64");
                            if (one && (queued || polled))
                              return std::max(queued ? queued->msgs_per_s(hz) : 0.0, polled ? polled->msgs_per_s(hz) : 0.0) /
                                     one->msgs_per_s(hz);
                            fell_back = true;
                            return batching(b);
                          });
  if (fell_back) {
    r.note = "no submit_64 figure in some run (SUBMIT_QUEUE not offered): those runs count the batching gain (32 messages per exit)";
    return r;
  }
  const async_path one = async_path_of(d, "sendv_64"), exit_driven = async_path_of(d, "submit_64"),
                   polled = async_path_of(d, "sqpoll_64");
  auto path = [&](const char* name, const async_path& p) {
    return p.msgs_per_s == p.msgs_per_s
               ? fmt::format("{} {:.0f} msgs/s ({:.1f} x sendv_64), {:.4f} sender exits/msg", name, p.msgs_per_s,
                             p.msgs_per_s / one.msgs_per_s, p.exits_per_msg)
               : fmt::format("{} not measured", name);
  };
  r.note = "submission queue paths: " + path("submit_64 (exit-driven drain)", exit_driven) + "; " + path("sqpoll_64 (polling worker)", polled) +
           "; batching_gain beside it is the batch path of the same run";
  return r;
}

}  // namespace

std::vector<ratio> compute_ratios(const bench_data& d) {
  std::vector<ratio> out;
  const double hz = d.tsc_hz;
  const host_figure* copy = find_host(d.memcpy_rates, "memcpy_65536");
  auto push = [&out](ratio r) {
    if (r.runs > 0) out.push_back(std::move(r));
  };
  push(per_run_ratio(d, "R_exit", "HMX null call / raw userspace MSR exit (round trips)", "<= 1.15",
                     [hz](const bench_data& b) {
                       const guest_figure *raw = find(b, "raw_exit"), *null = find(b, "null");
                       return raw && null ? null->us_per_op(hz) / raw->us_per_op(hz) : kNaN;
                     }));
  // Issue 15: "R_copy, 64 KiB, best path": the faster of the two batch sizes in each run.
  push(per_run_ratio(d, "R_copy",
                     "64 KiB sendv throughput, best batched path of the run (32 or the largest batch per exit) / "
                     "memcpy bandwidth (64 KiB into a 16 MiB ring-sized buffer)",
                     ">= 0.75", [hz, copy](const bench_data& b) {
                       const guest_figure *bulk = find(b, "batch_65536"), *max = find(b, "batchmax_65536");
                       if (!copy || (!bulk && !max)) return kNaN;
                       const double best = std::max(bulk ? bulk->bytes_per_s(hz) : 0.0, max ? max->bytes_per_s(hz) : 0.0);
                       return best / copy->bytes_per_s();
                     }));
  push(per_run_ratio(d, "R_copy_batch32", "as R_copy with 32 messages per exit", ">= 0.75",
                     [hz, copy](const bench_data& b) {
                       const guest_figure* bulk = find(b, "batch_65536");
                       return bulk && copy ? bulk->bytes_per_s(hz) / copy->bytes_per_s() : kNaN;
                     }));
  auto batching = [hz](const bench_data& b) {
    const guest_figure *one = find(b, "sendv_64"), *batched = find(b, "batch_64");
    return one && batched ? batched->msgs_per_s(hz) / one->msgs_per_s(hz) : kNaN;
  };
  push(per_run_ratio(d, "batching_gain", "64 B messages/s batched (32 per exit) / one sendv per exit", ">= 50",
                     batching));
  push(async_gain_ratio(d, batching));
  push(per_run_ratio(d, "notify_latency", "send-to-handler latency / raw userspace MSR exit", "< 3",
                     [hz](const bench_data& b) {
                       const guest_figure *notify = find(b, "notify"), *raw = find(b, "raw_exit");
                       return notify && raw ? notify->us_per_op(hz) / raw->us_per_op(hz) : kNaN;
                     }));
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
         "and per interrupt injected (the sender's notify cost: an eventfd write with inject=irqfd, KVM_SIGNAL_MSI\n"
         "with inject=msi), all runs:\n";
  for (const auto& c : d.phases) {
    if (c.sender_calls == 0 && c.receiver_calls == 0) continue;
    const guest_figure* f = find(d, c.figure);
    const uint64_t msgs = f ? f->msgs : 0;
    // Messages the phase moved over all runs: what the exits and interrupts are per message.
    const double moved = f ? double(f->ops * f->msgs) * d.runs : 0;
    out << fmt::format("  {:<14} sender {:>6} calls {:>8.2f} us/call   receiver {:>5} calls {:>8.2f} us/call   "
                       "{:>5} interrupts {:>7.2f} us each{}{}\n",
                       c.figure, c.sender_calls, c.sender_us_per_call(), c.receiver_calls,
                       c.receiver_calls ? double(c.receiver_ns) / 1e3 / double(c.receiver_calls) : 0.0, c.interrupts,
                       c.interrupts ? double(c.injection_ns) / 1e3 / double(c.interrupts) : 0.0,
                       msgs > 1 ? fmt::format(" ({} msgs/call)", msgs) : std::string(),
                       moved > 0 ? fmt::format("  {:.3f} exits/msg {:.3f} irq/msg",
                                               double(c.sender_calls + c.receiver_calls) / moved,
                                               double(c.interrupts) / moved)
                                 : std::string());
  }
  // Interrupts per message and what each costs the sender's exit (issue 15 item 5).
  {
    const auto [moved, irqs, moderated, inj_ns, sender_ns] = sum_sendv_interrupts(d);
    if (moved > 0)
      out << fmt::format("  sendv_* counters (inject={}, event_idx={}): {:.3f} interrupts/msg, {:.3f} skipped by "
                         "rx_event/msg, sender's notify cost {:.2f} us per interrupt = {:.2f} us/msg ({:.1f}% of the "
                         "sender's host time)\n",
                         d.inject, d.event_idx ? "on" : "off", double(irqs) / moved, double(moderated) / moved,
                         irqs ? double(inj_ns) / 1e3 / double(irqs) : 0.0, double(inj_ns) / 1e3 / moved,
                         sender_ns ? 100.0 * double(inj_ns) / double(sender_ns) : 0.0);
  }
  out << "  (copies per byte: the core copies each payload byte once, sender buffer to receiver ring; the\n"
         "   receiver's read out of its ring is the guest's own)\n";
  out << fmt::format("\nratios, median [min..max] of {} run(s) (targets of issue 15, reported, not asserted):\n",
                     d.runs);
  for (const auto& r : ratios) {
    out << fmt::format("  {:<15} {:>8.3f} [{:.3f}..{:.3f}]  target {:<8} {}  {}\n", r.name, r.value, r.min, r.max,
                       r.target, r.met ? "met   " : "MISSED", r.definition);
    if (!r.note.empty()) out << fmt::format("  {:<15} ({})\n", "", r.note);
  }
}

nlohmann::json to_json(const ratio& r) {
  nlohmann::json j = {{"value", r.value}, {"min", r.min},   {"max", r.max},
                      {"target", r.target}, {"met", r.met}, {"runs", r.runs},
                      {"definition", r.definition}};
  if (!r.note.empty()) j["note"] = r.note;
  return j;
}

namespace {

// hmx-vta-bench's "ratios" entry for the builtin device at `where` (exact, or the first that
// starts with it when `prefix`), `size`, both phases together.
// hmx-vta-bench's "both" ratio of the built-in device for one virtio-argo path (entries without
// a path are the data path's, as hmx-vta-bench wrote them before the exposure window).
const nlohmann::json* vta_ratio(const nlohmann::json& vta, const std::string& path, const std::string& where,
                                bool prefix, uint32_t size) {
  if (!vta.is_object() || !vta.contains("ratios")) return nullptr;
  for (const auto& r : vta["ratios"]) {
    const std::string w = r.value("where", "");
    if (r.value("backend", "") != "builtin" || r.value("op", "") != "both" || r.value("size", 0u) != size) continue;
    if (r.value("path", std::string("argo")) != path) continue;
    if (w == where || (prefix && w.rfind(where, 0) == 0)) return &r;
  }
  return nullptr;
}

// One hmx-vta-bench ratio over its paired runs (median, min, max); an entry without paired runs
// has only its ratio of medians.
spread ratio_spread(const nlohmann::json& e) {
  const std::vector<double> paired = e.value("paired", std::vector<double>{});
  if (!paired.empty()) return spread_of(paired);
  const double v = e.value("argo_over_shm", 0.0);
  return {v, v, v};
}

// The virtio-argo path a figure reports: the exposure window where it was measured (the driver's
// default where the device offers exposures; spec transport "Exposure windows"), else the data path.
constexpr const char* kExposedPath = "argo-exposed";
constexpr const char* kDataPath = "argo";

}  // namespace

std::vector<ratio> virtio_figures(const nlohmann::json& vta) {
  std::vector<ratio> out;
  auto from_ratio = [&](std::string name, std::string where, bool prefix, uint32_t size, std::string target,
                        std::string definition) {
    ratio r{std::move(name), std::move(definition), 0, std::move(target), false, 0, 0, 0, {}};
    const nlohmann::json* data = vta_ratio(vta, kDataPath, where, prefix, size);
    const nlohmann::json* exposed = vta_ratio(vta, kExposedPath, where, prefix, size);
    if (const nlohmann::json* e = exposed != nullptr ? exposed : data) {
      const spread s = ratio_spread(*e);
      r.value = s.median;
      r.min = s.min;
      r.max = s.max;
      r.runs = std::max<std::size_t>(e->value("paired", std::vector<double>{}).size(), 1);
      r.met = meets(r.value, r.target);
      r.note = exposed != nullptr ? "exposure window" : "data path";
      if (prefix) r.note += ", where " + e->value("where", std::string());
      if (exposed != nullptr && data != nullptr)
        r.note += fmt::format("; the data path beside it: {:.3f}", ratio_spread(*data).median);
    }
    out.push_back(std::move(r));
  };
  from_ratio("isolation.vm_64k", "vm", false, 65536, ">= 0.9",
             "virtio-blk in a VM, 64 KiB, halting driver: virtio-argo throughput / shared-memory virtqueues, "
             "write and read together");
  from_ratio("isolation.vm_poll_64k", "vm-p", true, 65536, ">= 0.9",
             "as isolation.vm_64k with drivers that poll their rings before halting");
  from_ratio("isolation.inproc_64k", "inproc", false, 65536, ">= 0.85",
             "virtio-blk without VM exits (driver and device in one process), 64 KiB");
  from_ratio("isolation.inproc_4k", "inproc", false, 4096, ">= 0.6", "as isolation.inproc_64k at 4 KiB");
  // Per-run counters of a virtio-argo VM figure at 64 KiB (halting driver), write and read runs
  // together; with a second key, the two counters of one run are added.
  auto counter_runs = [&](const char* path, const char* key, const char* plus_key) {
    std::vector<double> all;
    if (vta.is_object() && vta.contains("figures"))
      for (const auto& f : vta["figures"]) {
        if (f.value("where", "") != "vm" || f.value("path", "") != path || f.value("size", 0u) != 65536) continue;
        const auto runs = f.value(key, std::vector<double>{});
        const auto plus = plus_key != nullptr ? f.value(plus_key, std::vector<double>{}) : std::vector<double>{};
        for (std::size_t i = 0; i < runs.size(); ++i) all.push_back(runs[i] + (i < plus.size() ? plus[i] : 0.0));
      }
    return all;
  };
  auto from_runs = [&](std::string name, const std::vector<double>& all, std::string target, std::string definition) {
    ratio r{std::move(name), std::move(definition), 0, std::move(target), false, 0, 0, 0, {}};
    if (!all.empty()) {
      const spread s = spread_of(all);
      r.value = s.median;
      r.min = s.min;
      r.max = s.max;
      r.runs = all.size();
      r.met = meets(r.value, r.target);
    }
    out.push_back(std::move(r));
  };
  const std::vector<double> data_exits = counter_runs(kDataPath, "exits_per_request_runs", nullptr);
  const std::vector<double> exposed_exits = counter_runs(kExposedPath, "exits_per_request_runs", nullptr);
  from_runs("virtio.exits_per_request", exposed_exits.empty() ? data_exits : exposed_exits, "<= 0.1",
            std::string("exits (conduit calls, notifies alone, doorbells) per virtio-blk request, virtio-argo in a VM, "
                        "64 KiB streaming, halting driver, write and read runs, ") +
                (exposed_exits.empty() ? "data path (no exposure figure)" : "exposure window"));
  if (!exposed_exits.empty() && !data_exits.empty())
    out.back().note = fmt::format("the data path beside it: {:.3f} [{:.3f}..{:.3f}]", spread_of(data_exits).median,
                                  spread_of(data_exits).min, spread_of(data_exits).max);
  // Copies after the device domain holds the bytes: the hypervisor's (bytes the reference core
  // copied per block I/O byte, message headers included: about 1.0 is one copy) plus the driver's
  // copy out of USED messages. The data path copies twice on reads (core into the driver's ring,
  // driver out of it); the exposure path (spec "Requests with exposures") once, by deposit. The
  // best path is reported, the data path beside it; "< 1.5" is the target of 1.
  const std::vector<double> data_path = counter_runs(kDataPath, "core_bytes_per_byte_runs", "driver_copies_per_byte_runs");
  const std::vector<double> exposed =
      counter_runs(kExposedPath, "core_bytes_per_byte_runs", "driver_copies_per_byte_runs");
  from_runs("virtio.copies_per_byte", exposed.empty() ? data_path : exposed, "< 1.5",
            std::string("copies per payload byte after the device domain holds it (hypervisor + driver), virtio-argo in a "
                        "VM, 64 KiB, write and read runs, ") +
                (exposed.empty() ? "data path (no exposure figure)" : "exposure path"));
  std::string note = "the device domain's own staging copy (file to request buffer) is not counted";
  if (!exposed.empty() && !data_path.empty())
    note += fmt::format("; the data path beside it: {:.3f} [{:.3f}..{:.3f}]", spread_of(data_path).median,
                        spread_of(data_path).min, spread_of(data_path).max);
  out.back().note = note;
  return out;
}

void add_virtio_figures(nlohmann::json& j, const std::vector<ratio>& figures, bool measured) {
  for (const ratio& r : figures) {
    const std::size_t dot = r.name.find('.');
    nlohmann::json e = to_json(r);
    if (!measured || r.runs == 0) {
      e["value"] = nullptr;
      e["min"] = nullptr;
      e["max"] = nullptr;
      e["met"] = false;
      e["measured"] = false;
      e["how"] = "hmx-bench --virtio-argo";
    } else {
      e["measured"] = true;
    }
    j[r.name.substr(0, dot)][r.name.substr(dot + 1)] = e;
  }
}

void print_virtio_figures(std::ostream& out, const std::vector<ratio>& figures) {
  out << "\nissue 15 figures from hmx-vta-bench, median [min..max] (targets reported, not asserted):\n";
  for (const ratio& r : figures) {
    if (r.runs == 0) {
      out << fmt::format("  {:<26} not measured  target {:<8}  {}\n", r.name, r.target, r.definition);
      continue;
    }
    out << fmt::format("  {:<26} {:>7.3f} [{:.3f}..{:.3f}]  target {:<8} {}  {}{}\n", r.name, r.value, r.min, r.max,
                       r.target, r.met ? "met   " : "MISSED", r.definition,
                       r.note.empty() ? std::string() : " (" + r.note + ")");
  }
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
    j["service_time"][c.figure] = {{"runs", d.runs},
                                   {"sender_calls", c.sender_calls},
                                   {"sender_ns", c.sender_ns},
                                   {"receiver_calls", c.receiver_calls},
                                   {"receiver_ns", c.receiver_ns},
                                   {"interrupts", c.interrupts},
                                   {"injection_ns", c.injection_ns},
                                   {"interrupts_moderated", c.moderated}};
  {
    const auto [moved, irqs, moderated, inj_ns, sender_ns] = sum_sendv_interrupts(d);
    j["counters"] = {{"inject", d.inject},
                     {"event_idx", d.event_idx},
                     {"interrupts_per_message", moved > 0 ? double(irqs) / moved : 0.0},
                     {"moderated_per_message", moved > 0 ? double(moderated) / moved : 0.0},
                     {"notify_us_per_interrupt", irqs ? double(inj_ns) / 1e3 / double(irqs) : 0.0},
                     {"notify_us_per_message", moved > 0 ? double(inj_ns) / 1e3 / moved : 0.0}};
  }
  for (const auto& r : ratios) j["ratios"][r.name] = to_json(r);
  return j;
}

}  // namespace hmx::kvm::bench
