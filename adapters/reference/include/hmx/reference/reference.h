/* SPDX-License-Identifier: Apache-2.0 */
// Umbrella header of the HMX reference core (library hmx_reference, namespace hmx::ref).
#pragma once

#include "hmx/reference/core.h"
#include "hmx/reference/guest_memory.h"
#include "hmx/reference/notifier.h"
#include "hmx/reference/policy.h"
#include "hmx/reference/types.h"
