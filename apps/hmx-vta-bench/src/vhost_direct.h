// SPDX-License-Identifier: Apache-2.0
// The shared-memory baseline for a vhost-user back-end (qemu-storage-daemon), in-process: the
// driver's split virtqueues and buffers live in a memfd the back-end maps, as a VMM's guest RAM
// does (vhost-user.rst "Memory access"); descriptors hold this process's addresses (the one
// region's guest-physical base is its user address), kicks and completions are eventfds. No
// copy anywhere: the back-end reads and writes the driver's buffers in place. Against it,
// inproc.cpp's virtio-argo path to the same daemon (a device domain with the vhost-user bridge)
// gives the daemon's isolation cost. Hosted (bench only).
#pragma once

#include "inproc.h"

namespace hmx::virtio_argo::bench {

// Runs the write and the read phase against a qemu-storage-daemon serving o.disk (started here,
// stopped at the end). Throws std::runtime_error on setup errors.
inproc_result run_qsd_direct(const inproc_options& o);

// The qemu-storage-daemon command serving `disk` (raw) at `socket` with `queues` queues.
std::string qsd_command(const std::string& disk, const std::string& socket, uint32_t queues);

}  // namespace hmx::virtio_argo::bench
