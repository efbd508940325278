// SPDX-License-Identifier: Apache-2.0
// The PVH loader against well-formed and malformed ELF images built in memory.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "hmx/kvm/pvh_loader.h"
#include "hmx_guest/pvh.h"

namespace hmx::kvm {
namespace {

// A minimal ELF64 image: header, a PT_LOAD and a PT_NOTE program header, the Xen note, code.
struct image_spec {
  uint16_t machine = EM_X86_64;
  uint16_t type = ET_EXEC;
  bool with_note = true;
  uint32_t note_type = 18;
  const char* note_owner = "Xen";
  uint32_t desc_size = 4;
  uint64_t entry = 0x100000;
  uint64_t paddr = 0x100000;
  uint64_t filesz = 64;
  uint64_t memsz = 0x2000;
  uint64_t load_offset = 256;
};

std::vector<std::byte> build(const image_spec& s) {
  std::size_t data = s.load_offset == 256 && s.filesz > 64 ? s.filesz : 64;
  std::vector<std::byte> f(256 + data, std::byte{0});
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = s.type;
  eh.e_machine = s.machine;
  eh.e_version = EV_CURRENT;
  eh.e_entry = s.entry;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 2;
  std::memcpy(f.data(), &eh, sizeof eh);

  Elf64_Phdr load{};
  load.p_type = PT_LOAD;
  load.p_offset = s.load_offset;
  load.p_vaddr = load.p_paddr = s.paddr;
  load.p_filesz = s.filesz;
  load.p_memsz = s.memsz;
  load.p_align = 0x1000;
  Elf64_Phdr note{};
  note.p_type = s.with_note ? PT_NOTE : PT_NULL;
  note.p_offset = 176;
  note.p_filesz = 12 + 4 + ((s.desc_size + 3) & ~3u);
  note.p_align = 4;
  std::memcpy(f.data() + 64, &load, sizeof load);
  std::memcpy(f.data() + 64 + sizeof load, &note, sizeof note);

  uint32_t nhdr[3] = {4, s.desc_size, s.note_type};
  std::memcpy(f.data() + 176, nhdr, sizeof nhdr);
  std::memcpy(f.data() + 188, s.note_owner, 4);
  std::memcpy(f.data() + 192, &s.entry, s.desc_size <= 8 ? s.desc_size : 8);
  for (std::size_t i = 256; i < f.size(); ++i) f[i] = std::byte{0x90};
  return f;
}

std::string load_error(const std::vector<std::byte>& file, uint64_t memory_size = 16 << 20) {
  guest_memory m(memory_size);
  try {
    load_pvh_image(file, m);
  } catch (const pvh_error& e) {
    return e.what();
  }
  return "";
}

TEST(PvhLoaderTest, LoadsSegmentsZeroesBssAndFindsTheEntryNote) {
  guest_memory m(16 << 20);
  auto fill = m.translate(0x100000, 0x2000);
  std::memset(fill->data(), 0xaa, fill->size());
  image_spec s;
  s.entry = 0x100010;
  pvh_image img = load_pvh_image(build(s), m);
  EXPECT_EQ(img.entry, 0x100010u);
  EXPECT_EQ(img.load_low, 0x100000u);
  EXPECT_EQ(img.load_high, 0x102000u);
  auto code = m.translate(0x100000, 0x2000);
  EXPECT_EQ((*code)[0], std::byte{0x90});
  EXPECT_EQ((*code)[63], std::byte{0x90});
  EXPECT_EQ((*code)[64], std::byte{0});  // memsz beyond filesz is zeroed
  EXPECT_EQ((*code)[0x1fff], std::byte{0});
}

TEST(PvhLoaderTest, AcceptsAnEightByteEntryDescriptor) {
  image_spec s;
  s.desc_size = 8;
  EXPECT_EQ(load_error(build(s)), "");
}

TEST(PvhLoaderTest, RejectsFilesThatAreNotElf) {
  EXPECT_NE(load_error({}).find("not an ELF file"), std::string::npos);
  std::vector<std::byte> text(100, std::byte{'x'});
  EXPECT_NE(load_error(text).find("not an ELF file"), std::string::npos);
}

TEST(PvhLoaderTest, RejectsTruncatedImages) {
  auto f = build({});
  f.resize(40);
  EXPECT_NE(load_error(f), "");
  f = build({});
  f.resize(200);  // program headers present, segment data missing
  EXPECT_NE(load_error(f).find("beyond the end"), std::string::npos);
}

TEST(PvhLoaderTest, RejectsWrongMachineAndType) {
  image_spec s;
  s.machine = EM_AARCH64;
  EXPECT_NE(load_error(build(s)).find("e_machine"), std::string::npos);
  s = {};
  s.type = ET_DYN;
  EXPECT_NE(load_error(build(s)).find("ET_EXEC"), std::string::npos);
}

TEST(PvhLoaderTest, RejectsImagesWithoutThePvhNote) {
  image_spec s;
  s.with_note = false;
  EXPECT_NE(load_error(build(s)).find("no XEN_ELFNOTE_PHYS32_ENTRY note"), std::string::npos);
  s = {};
  s.note_type = 17;
  EXPECT_NE(load_error(build(s)).find("no XEN_ELFNOTE_PHYS32_ENTRY note"), std::string::npos);
  s = {};
  s.note_owner = "Xem";
  EXPECT_NE(load_error(build(s)).find("no XEN_ELFNOTE_PHYS32_ENTRY note"), std::string::npos);
}

TEST(PvhLoaderTest, RejectsMalformedEntryNotes) {
  image_spec s;
  s.desc_size = 2;
  EXPECT_NE(load_error(build(s)).find("descriptor"), std::string::npos);
  s = {};
  s.desc_size = 8;
  s.entry = 0x100000000ull;
  EXPECT_NE(load_error(build(s)).find("above 4 GiB"), std::string::npos);
  s = {};
  s.entry = 0x200000;
  EXPECT_NE(load_error(build(s)).find("not inside"), std::string::npos);
}

TEST(PvhLoaderTest, RejectsSegmentsThatDoNotFitOrLie) {
  image_spec s;
  s.filesz = 0x3000;
  EXPECT_NE(load_error(build(s)).find("p_filesz"), std::string::npos);
  s = {};
  s.load_offset = 1ull << 40;
  EXPECT_NE(load_error(build(s)).find("beyond the end"), std::string::npos);
  s = {};
  s.paddr = s.entry = (16 << 20) - 0x1000;  // memsz 0x2000 crosses the end of memory
  EXPECT_NE(load_error(build(s)).find("does not fit"), std::string::npos);
  s = {};
  s.paddr = s.entry = ~0ull - 0x10;  // paddr + memsz overflows
  EXPECT_NE(load_error(build(s)).find("does not fit"), std::string::npos);
  s = {};
  s.paddr = s.entry = kStartInfoGpa - 0x1000;
  EXPECT_NE(load_error(build(s)).find("start_info page"), std::string::npos);
}

TEST(PvhLoaderTest, WritesAVersion1StartInfoWithOneRamEntryAndTheCommandLine) {
  guest_memory m(16 << 20);
  uint64_t gpa = write_start_info(m, "cpus=2");
  ASSERT_EQ(gpa, kStartInfoGpa);
  hmx_pvh_start_info si{};
  ASSERT_TRUE(m.read(gpa, std::as_writable_bytes(std::span(&si, 1))));
  EXPECT_EQ(si.magic, 0x336ec578u);
  EXPECT_EQ(si.version, 1u);
  EXPECT_EQ(si.memmap_entries, 1u);
  hmx_pvh_memmap_entry e{};
  ASSERT_TRUE(m.read(si.memmap_paddr, std::as_writable_bytes(std::span(&e, 1))));
  EXPECT_EQ(e.addr, 0u);
  EXPECT_EQ(e.size, 16u << 20);
  EXPECT_EQ(e.type, 1u);
  char line[7] = {};
  ASSERT_TRUE(m.read(si.cmdline_paddr, std::as_writable_bytes(std::span(line))));
  EXPECT_STREQ(line, "cpus=2");
  EXPECT_THROW(write_start_info(m, std::string(kMaxCmdline + 1, 'x')), pvh_error);
}

}  // namespace
}  // namespace hmx::kvm
