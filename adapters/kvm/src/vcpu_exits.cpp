// SPDX-License-Identifier: Apache-2.0
// What a vCPU thread does with each KVM_RUN exit (Documentation/virt/kvm/api.rst 5, "The
// kvm_run structure"), and the crash reports of exits that end a domain.
#include <cstring>

#include <fmt/format.h>

#include "hmx/kvm/domain.h"
#include "hmx_guest/protocol.h"

namespace hmx::kvm {

namespace {

constexpr uint16_t kSerialBase = HMX_GUEST_PORT_SERIAL;
constexpr uint16_t kSerialLsr = kSerialBase + 5;
constexpr uint8_t kLsrTransmitterEmpty = 0x60;  // THRE | TEMT: the guest may always write

// Up to 15 bytes (the longest x86 instruction) at `linear`, page by page through KVM_TRANSLATE.
std::vector<uint8_t> fetch_code(const kvm_vcpu& vcpu, const guest_memory& memory, uint64_t linear) {
  std::vector<uint8_t> code;
  while (code.size() < 15) {
    auto gpa = vcpu.translate(linear);
    if (!gpa) break;
    std::size_t in_page = 4096 - (linear & 0xfff);
    std::size_t n = std::min<std::size_t>(15 - code.size(), in_page);
    std::vector<uint8_t> chunk(n);
    if (!memory.read(*gpa, std::as_writable_bytes(std::span(chunk)))) break;
    code.insert(code.end(), chunk.begin(), chunk.end());
    linear += n;
  }
  return code;
}

const char* internal_error_name(uint32_t suberror) {
  switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION: return "instruction emulation failed";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
    default: return "internal error";
  }
}

}  // namespace

void domain::handle_exit(unsigned index, kvm_vcpu& vcpu) {
  kvm_run& run = vcpu.run_state();
  switch (run.exit_reason) {
    case KVM_EXIT_IO:
      handle_io(index, vcpu);
      break;
    case KVM_EXIT_X86_RDMSR:
      handle_msr(index, vcpu, false);
      break;
    case KVM_EXIT_X86_WRMSR:
      handle_msr(index, vcpu, true);
      break;
    case KVM_EXIT_INTR:
      break;
    case KVM_EXIT_HLT:
      // Only without an in-kernel LAPIC; hmx-kvm always has one, where KVM blocks the vCPU
      // itself. Park the thread until the domain stops.
      stop_requested_.wait(false);
      break;
    case KVM_EXIT_MMIO:
      crash(index, vcpu, "access to unbacked guest-physical memory (KVM_EXIT_MMIO)",
            {fmt::format("MMIO {} of {} bytes at guest-physical {:#x}", run.mmio.is_write ? "write" : "read",
                         run.mmio.len, run.mmio.phys_addr),
             run.mmio.is_write ? "(KVM completes an MMIO write before exiting: rip is already past the store)"
                               : "(rip is the faulting load)"});
      break;
    case KVM_EXIT_SHUTDOWN:
      crash(index, vcpu, "triple fault (KVM_EXIT_SHUTDOWN)");
      break;
    case KVM_EXIT_FAIL_ENTRY:
      crash(index, vcpu, "VM entry failed (KVM_EXIT_FAIL_ENTRY)",
            {fmt::format("hardware_entry_failure_reason {:#x} on host cpu {}",
                         run.fail_entry.hardware_entry_failure_reason, run.fail_entry.cpu)});
      break;
    case KVM_EXIT_INTERNAL_ERROR: {
      std::string data;
      for (uint32_t i = 0; i < run.internal.ndata && i < 16; ++i)
        data += fmt::format("{}{:#x}", i ? " " : "", run.internal.data[i]);
      crash(index, vcpu, "KVM internal error (KVM_EXIT_INTERNAL_ERROR)",
            {fmt::format("suberror {} ({}), data [{}]", run.internal.suberror,
                         internal_error_name(run.internal.suberror), data)});
      break;
    }
    case KVM_EXIT_SYSTEM_EVENT:
      crash(index, vcpu, fmt::format("system event type {} (KVM_EXIT_SYSTEM_EVENT)", run.system_event.type));
      break;
    default:
      crash(index, vcpu, fmt::format("unexpected exit reason {}", run.exit_reason));
      break;
  }
}

void domain::handle_io(unsigned index, kvm_vcpu& vcpu) {
  kvm_run& run = vcpu.run_state();
  auto* data = reinterpret_cast<uint8_t*>(&run) + run.io.data_offset;
  std::size_t bytes = std::size_t(run.io.size) * run.io.count;
  bool out = run.io.direction == KVM_EXIT_IO_OUT;
  uint16_t port = run.io.port;

  if (port >= kSerialBase && port < kSerialBase + 8) {
    if (out && port == kSerialBase) serial_.write(index, {data, bytes});
    if (!out) std::memset(data, port == kSerialLsr ? kLsrTransmitterEmpty : 0, bytes);
    return;
  }
  if (port == HMX_GUEST_PORT_EXIT && out) {
    uint32_t status = 0;
    std::memcpy(&status, data, std::min<std::size_t>(run.io.size, sizeof status));
    if (status == HMX_GUEST_EXIT_EXCEPTION) {
      crash_from_guest_exception(index, vcpu);
      return;
    }
    console_.monitor_message(name(), fmt::format("vCPU {} wrote exit status {} to port {:#x}", index, status, port));
    finish({domain_state::exited, status, {}});
    return;
  }
  if (hooks_.on_io && run.io.count == 1 && (run.io.size == 1 || run.io.size == 2 || run.io.size == 4)) {
    io_access access{index, out, port, uint8_t(run.io.size), 0};
    if (out) std::memcpy(&access.value, data, run.io.size);
    if (hooks_.on_io(*this, vcpu, access)) {
      if (!out) std::memcpy(data, &access.value, run.io.size);
      return;
    }
  }
  // No other device: reads float high, writes are dropped.
  if (!out) std::memset(data, 0xff, bytes);
}

void domain::exit_with_status(uint32_t status) { finish({domain_state::exited, status, {}}); }

void domain::crash_vcpu(unsigned vcpu, std::string reason, std::vector<std::string> details) {
  if (vcpu < vcpus_.size()) crash(vcpu, vcpus_[vcpu], std::move(reason), std::move(details));
}

void domain::handle_msr(unsigned index, kvm_vcpu& vcpu, bool write) {
  auto& m = vcpu.run_state().msr;
  msr_access access{index, write, m.index, write ? uint64_t(m.data) : 0};
  bool ok = hooks_.on_msr && hooks_.on_msr(*this, access);
  if (ok && !write) m.data = access.value;
  m.error = ok ? 0 : 1;  // api.rst 5 KVM_EXIT_X86_RDMSR/WRMSR: error=1 injects #GP
}

crash_report domain::snapshot(unsigned index, kvm_vcpu& vcpu, std::string reason) {
  kvm_regs regs = vcpu.get_regs();
  kvm_sregs sregs = vcpu.get_sregs();
  crash_report r;
  r.domain = name();
  r.vcpu = index;
  r.reason = std::move(reason);
  r.rip = regs.rip;
  r.rsp = regs.rsp;
  r.rflags = regs.rflags;
  r.cr0 = sregs.cr0;
  r.cr2 = sregs.cr2;
  r.cr3 = sregs.cr3;
  r.cr4 = sregs.cr4;
  r.efer = sregs.efer;
  r.cs = sregs.cs.selector;
  r.cs_base = sregs.cs.base;
  r.mode = mode_of(sregs.cr0, sregs.efer, sregs.cs.l, sregs.cs.db);
  uint64_t linear = r.mode == cpu_mode::long64 ? r.rip : r.cs_base + (r.rip & 0xffffffffu);
  if (r.mode == cpu_mode::real16) linear = r.cs_base + (r.rip & 0xffff);
  r.code = fetch_code(vcpu, memory_, linear);
  r.instruction = decode_instruction(r.code, r.rip, r.mode);
  return r;
}

void domain::crash(unsigned index, kvm_vcpu& vcpu, std::string reason, std::vector<std::string> details) {
  crash_report r = snapshot(index, vcpu, std::move(reason));
  r.details = std::move(details);
  std::string text = format_crash_report(r);
  console_.monitor_message(name(), text);
  finish({domain_state::crashed, 0, text});
}

// The guest runtime took an unexpected exception and exited with HMX_GUEST_EXIT_EXCEPTION,
// RDI = GPA of its exception record (guest-runtime/include/hmx_guest/protocol.h). The record is
// guest-controlled: read once, bounds-checked, magic-checked.
void domain::crash_from_guest_exception(unsigned index, kvm_vcpu& vcpu) {
  kvm_regs regs = vcpu.get_regs();
  hmx_guest_exception_record rec{};
  bool valid = memory_.read(regs.rdi, std::as_writable_bytes(std::span(&rec, 1))) &&
               rec.magic == HMX_GUEST_EXCEPTION_MAGIC;
  if (!valid) {
    crash(index, vcpu, "guest reported a CPU exception without a valid record",
          {fmt::format("rdi {:#x} does not point at an exception record", regs.rdi)});
    return;
  }
  crash_report r = snapshot(index, vcpu, fmt::format("guest CPU exception {} (vector {}) at CPL{}",
                                                     exception_mnemonic(unsigned(rec.vector & 0xff)),
                                                     rec.vector, rec.cs & 3));
  r.exception = guest_exception{unsigned(rec.vector), rec.error_code, rec.cr2};
  r.rip = rec.rip;
  r.rsp = rec.rsp;
  r.rflags = rec.rflags;
  r.cs = uint16_t(rec.cs);
  r.cr2 = rec.cr2;
  r.code = fetch_code(vcpu, memory_, rec.rip);
  r.instruction = decode_instruction(r.code, r.rip, r.mode);
  r.details.push_back(fmt::format("reported by the guest runtime on its cpu {}; rax {:#x} rbx {:#x} rcx {:#x} rdx {:#x}",
                                  rec.cpu, rec.rax, rec.rbx, rec.rcx, rec.rdx));
  r.details.push_back(fmt::format("rsi {:#x} rdi {:#x} rbp {:#x} r8 {:#x} r9 {:#x} r10 {:#x} r11 {:#x}", rec.rsi,
                                  rec.rdi, rec.rbp, rec.r8, rec.r9, rec.r10, rec.r11));
  std::string text = format_crash_report(r);
  console_.monitor_message(name(), text);
  finish({domain_state::crashed, 0, text});
}

}  // namespace hmx::kvm
