/* SPDX-License-Identifier: GPL-2.0-only */
/* <stddef.h> of the generated ABI headers, inside the kernel (see stdint.h beside this file). */
#ifndef HMX_COMPAT_STDDEF_H
#define HMX_COMPAT_STDDEF_H
#include <linux/stddef.h>
#include <linux/types.h>
#endif
