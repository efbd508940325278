#include <iostream>
#include "emit_c.h"
#include "load.h"
using namespace hmx::specgen;
int main(int argc, char** argv) {
  LoadedSpec spec; Diags d;
  std::string out;
  for (int i = 1; i < argc; ++i) { std::string a = argv[i]; if (a == "--abi-out") out = argv[++i]; else if (a=="--spec") spec.add_file(argv[++i], d); }
  auto files = emit_headers(spec, d);
  print(std::cerr, d);
  if (has_errors(d)) return 2;
  return write_if_changed(out, files, std::cerr) ? 0 : 1;
}
