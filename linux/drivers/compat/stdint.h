/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generated ABI headers (abi/include/hmx/abi) are C11 and include <stdint.h>; inside the
 * kernel the fixed-width types come from <linux/types.h>. This directory is first on the
 * modules' include path so that the generated headers compile unchanged.
 */
#ifndef HMX_COMPAT_STDINT_H
#define HMX_COMPAT_STDINT_H
#include <linux/types.h>
#endif
