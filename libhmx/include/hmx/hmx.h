/* SPDX-License-Identifier: MIT */
// libhmx umbrella header: everything a guest driver needs. Header-only, C++20, freestanding
// (no heap, no exceptions, no RTTI, no hosted library). Host-only helpers (env/host.h) and the
// architecture back ends (arch/*.h, env/identity_cpl0.h) are included separately.
#pragma once

#include <hmx/abi.h>
#include <hmx/batch.h>
#include <hmx/client.h>
#include <hmx/conduit/conduit.h>
#include <hmx/conduit/loopback.h>
#include <hmx/conduit/msr.h>
#include <hmx/conduit/smccc.h>
#include <hmx/conduit/vmcall.h>
#include <hmx/conduit/xen.h>
#include <hmx/cpuid.h>
#include <hmx/environment.h>
#include <hmx/event_idx.h>
#include <hmx/events.h>
#include <hmx/exposure.h>
#include <hmx/marshal.h>
#include <hmx/probe.h>
#include <hmx/ring_reader.h>
#include <hmx/select.h>
#include <hmx/status.h>
