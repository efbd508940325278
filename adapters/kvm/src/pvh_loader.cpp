// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/pvh_loader.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "hmx_guest/pvh.h"

namespace hmx::kvm {

namespace {

constexpr uint32_t kXenElfnotePhys32Entry = 18;  // xen/include/public/elfnote.h

struct elf_closer {
  void operator()(Elf* e) const { elf_end(e); }
};

[[noreturn]] void fail(const std::string& what) { throw pvh_error("PVH image rejected: " + what); }

std::string elf_message() { return elf_errmsg(-1) ? elf_errmsg(-1) : "unknown libelf error"; }

// True iff [offset, offset + size) lies inside a file of `file_size` bytes (no overflow).
bool in_file(uint64_t offset, uint64_t size, std::size_t file_size) {
  return offset <= file_size && size <= file_size - offset;
}

struct segment {
  uint64_t offset, filesz, paddr, memsz;
};

uint64_t find_entry_note(Elf* elf, const GElf_Phdr& ph, unsigned index) {
  Elf_Data* data = elf_getdata_rawchunk(elf, int64_t(ph.p_offset), ph.p_filesz,
                                        ph.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
  if (data == nullptr) fail(fmt::format("program header {}: unreadable PT_NOTE: {}", index, elf_message()));
  std::size_t offset = 0, name_offset = 0, desc_offset = 0;
  GElf_Nhdr note;
  uint64_t entry = UINT64_MAX;
  while (offset < data->d_size) {
    std::size_t next = gelf_getnote(data, offset, &note, &name_offset, &desc_offset);
    if (next == 0) break;  // truncated or malformed note: stop, like readelf
    auto bytes = static_cast<const unsigned char*>(data->d_buf);
    if (note.n_type == kXenElfnotePhys32Entry && note.n_namesz == 4 &&
        std::memcmp(bytes + name_offset, "Xen", 4) == 0) {
      if (note.n_descsz == 4) {
        uint32_t v;
        std::memcpy(&v, bytes + desc_offset, 4);
        entry = v;
      } else if (note.n_descsz == 8) {
        std::memcpy(&entry, bytes + desc_offset, 8);
      } else {
        fail(fmt::format("XEN_ELFNOTE_PHYS32_ENTRY has a {}-byte descriptor (want 4 or 8)", note.n_descsz));
      }
    }
    offset = next;
  }
  return entry;
}

}  // namespace

pvh_image load_pvh_image(std::span<const std::byte> file, guest_memory& memory) {
  static std::once_flag init;
  std::call_once(init, [] { elf_version(EV_CURRENT); });

  if (file.size() < EI_NIDENT || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0) fail("not an ELF file");
  auto raw = reinterpret_cast<char*>(const_cast<std::byte*>(file.data()));
  std::unique_ptr<Elf, elf_closer> elf(elf_memory(raw, file.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) fail("not an ELF file: " + elf_message());

  GElf_Ehdr eh;
  if (gelf_getehdr(elf.get(), &eh) == nullptr) fail("bad ELF header: " + elf_message());
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) fail("not little-endian");
  if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)
    fail(fmt::format("e_machine {} is not x86 (EM_X86_64 or EM_386)", eh.e_machine));
  if (eh.e_type != ET_EXEC) fail(fmt::format("e_type {} is not ET_EXEC", eh.e_type));

  std::size_t phnum = 0;
  if (elf_getphdrnum(elf.get(), &phnum) != 0) fail("bad program header count: " + elf_message());
  if (phnum == 0) fail("no program headers");

  std::vector<segment> loads;
  uint64_t entry = UINT64_MAX;
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf.get(), int(i), &ph) == nullptr)
      fail(fmt::format("program header {} unreadable: {}", i, elf_message()));
    if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE) continue;
    if (!in_file(ph.p_offset, ph.p_filesz, file.size()))
      fail(fmt::format("program header {}: file range [{:#x}, +{:#x}) is beyond the end of the {}-byte file", i,
                       ph.p_offset, ph.p_filesz, file.size()));
    if (ph.p_type == PT_NOTE) {
      uint64_t e = find_entry_note(elf.get(), ph, unsigned(i));
      if (e != UINT64_MAX) entry = e;
      continue;
    }
    if (ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz)
      fail(fmt::format("PT_LOAD {}: p_filesz {:#x} > p_memsz {:#x}", i, ph.p_filesz, ph.p_memsz));
    if (!memory.contains(ph.p_paddr, ph.p_memsz))
      fail(fmt::format("PT_LOAD {}: [{:#x}, +{:#x}) does not fit in {} MiB of guest memory", i, ph.p_paddr,
                       ph.p_memsz, memory.size() >> 20));
    if (ph.p_paddr < kBootPageEnd && ph.p_paddr + ph.p_memsz > kStartInfoGpa)
      fail(fmt::format("PT_LOAD {}: [{:#x}, +{:#x}) overlaps the start_info page [{:#x}, {:#x})", i, ph.p_paddr,
                       ph.p_memsz, kStartInfoGpa, kBootPageEnd));
    loads.push_back({ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz});
  }
  if (loads.empty()) fail("no PT_LOAD segment");
  if (entry == UINT64_MAX)
    fail("no XEN_ELFNOTE_PHYS32_ENTRY note (type 18, owner \"Xen\") in a PT_NOTE segment: not a PVH image");
  if (entry > UINT32_MAX) fail(fmt::format("PVH entry {:#x} is above 4 GiB", entry));
  bool entry_loaded = false;
  for (const auto& s : loads) entry_loaded |= entry >= s.paddr && entry - s.paddr < s.filesz;
  if (!entry_loaded) fail(fmt::format("PVH entry {:#x} is not inside the file data of any PT_LOAD segment", entry));

  // Validated: now copy.
  pvh_image image;
  image.entry = uint32_t(entry);
  image.load_low = UINT64_MAX;
  for (const auto& s : loads) {
    auto dst = memory.translate(s.paddr, s.memsz);  // checked above
    std::memcpy(dst->data(), file.data() + s.offset, s.filesz);
    std::memset(dst->data() + s.filesz, 0, s.memsz - s.filesz);
    image.load_low = std::min(image.load_low, s.paddr);
    image.load_high = std::max(image.load_high, s.paddr + s.memsz);
  }
  return image;
}

uint64_t write_start_info(guest_memory& memory, std::string_view cmdline) {
  if (cmdline.size() > kMaxCmdline) throw pvh_error(fmt::format("command line longer than {} bytes", kMaxCmdline));
  if (!memory.contains(kStartInfoGpa, kBootPageEnd - kStartInfoGpa)) throw pvh_error("guest memory too small");
  hmx_pvh_memmap_entry ram{};
  ram.addr = 0;
  ram.size = memory.size();
  ram.type = HMX_PVH_MEMMAP_TYPE_RAM;
  hmx_pvh_start_info si{};
  si.magic = HMX_PVH_START_MAGIC;
  si.version = 1;
  si.cmdline_paddr = kCmdlineGpa;
  si.memmap_paddr = kMemmapGpa;
  si.memmap_entries = 1;
  std::vector<std::byte> line(cmdline.size() + 1, std::byte{0});
  std::memcpy(line.data(), cmdline.data(), cmdline.size());
  bool ok = memory.write(kStartInfoGpa, std::as_bytes(std::span(&si, 1))) &&
            memory.write(kMemmapGpa, std::as_bytes(std::span(&ram, 1))) && memory.write(kCmdlineGpa, line);
  if (!ok) throw pvh_error("cannot write the start_info page");
  return kStartInfoGpa;
}

std::vector<std::byte> read_image_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw pvh_error("cannot open image " + path + ": " + std::strerror(errno));
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw pvh_error("cannot read image " + path);
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

}  // namespace hmx::kvm
