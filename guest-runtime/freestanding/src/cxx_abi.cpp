// SPDX-License-Identifier: MIT
// The C++ ABI symbols a static freestanding image needs (Itanium C++ ABI, sections 3.3.5 and
// 2.3.5 of its "DSO Object Destruction API" and pure virtual calls), shared by every image.
#include <stddef.h>

#include <hmx_freestanding/fatal.h>

extern "C" {
// Static objects are never destroyed (an image ends by exiting, never by unwinding its statics),
// so registration of destructors is accepted and ignored.
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
void __cxa_pure_virtual() { hmx_freestanding_fatal("pure virtual call"); }
}

// No heap in a freestanding image (docs/ARCHITECTURE.md decision 7). The deleting destructors of
// classes with virtual destructors still name these.
void operator delete(void*) noexcept { hmx_freestanding_fatal("operator delete called"); }
void operator delete(void*, size_t) noexcept { hmx_freestanding_fatal("operator delete called"); }
