/* SPDX-License-Identifier: MIT */
/*
 * A freestanding C11 translation unit that includes only the installed ABI headers, the way a
 * guest kernel written in C would (docs/ARCHITECTURE.md decision 7). Built with
 * -ffreestanding -nostdlib and no libc headers on the include path (-nostdinc plus the compiler's
 * own directory). It fills a call block for one sendv (spec `structs`, call_block, send_addr, iov).
 */
#include <hmx/abi/hmx.h>

HMX_ABI_STATIC_ASSERT(sizeof(hmx_call_block_t) % 8 == 0, "call block is a whole number of words");

/* Prepare `cb` to send `len` bytes at guest-physical `payload_gpa` to aport `aport` of `dst`. */
void guest_prepare_send(hmx_call_block_t* cb, hmx_send_addr_t* addr, hmx_iov_t* iov,
                        uint16_t dst, uint32_t aport, uint64_t payload_gpa, uint32_t len,
                        uint64_t addr_gpa, uint64_t iov_gpa) {
  addr->src.domain_id = HMX_DOMID_ANY;
  addr->src.aport = 0;
  addr->dst.domain_id = dst;
  addr->dst.aport = aport;
  iov->iov_hnd = payload_gpa;
  iov->iov_len = len;
  cb->op = HMX_OP_SENDV;
  cb->flags = 0;
  cb->result = 0;
  cb->arg[0] = addr_gpa;
  cb->arg[1] = iov_gpa;
  cb->arg[2] = 1;
  cb->arg[3] = 0;
}
