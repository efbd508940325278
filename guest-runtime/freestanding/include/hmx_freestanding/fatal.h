// SPDX-License-Identifier: MIT
// The one function each freestanding image supplies to the shared support code: stop with a
// message (a guest runtime panics, the EL2 monitor reports and ends the run). The C++ ABI stubs
// of cxx_abi.cpp call it for what must never happen in an image without heap or teardown.
#pragma once

extern "C" [[noreturn]] void hmx_freestanding_fatal(const char* what);
