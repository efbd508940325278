// SPDX-License-Identifier: GPL-2.0-only
/*
 * The UML conduit (apps/hmx-hostd/include/hmx/uml_conduit.h): User-Mode Linux runs as a host
 * process, so its hypervisor is a host process too (hmx-hostd), reached over a UNIX socket whose path
 * is the module parameter `socket`. HELLO hands the host this kernel's physical-memory file
 * (phys_mapping(), as virtio_uml does for vhost-user) and the host end of a socket pair on
 * which every notification arrives as a byte: that socket is a UML interrupt, whose handler
 * runs the core's event dispatch.
 *
 * A call is one write of the call block's address and one read of the conduit status, with
 * interrupts off: the host's answer comes back before anything else runs in this kernel, as a
 * trapping instruction would.
 */
#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/string.h>

#include <irq_kern.h>
#include <mem.h>
#include <os.h>

#include <hmx/uml_conduit.h>

#include "internal.h"

extern unsigned long long physmem_size;  /* arch/um/kernel/um_arch.c, exported */

static char *socket_path;
module_param_named(socket, socket_path, charp, 0444);
MODULE_PARM_DESC(socket, "UNIX socket of the HMX host service (hmx-hostd)");

static int call_fd = -1;
static int event_fd = -1;
static int event_irq = -1;

/* Writes all of buf; -EINTR (a signal) and partial writes are retried. */
static int write_all(int fd, const void *buf, int len)
{
	int rc;

	while (len > 0) {
		rc = os_write_file(fd, buf, len);
		if (rc == -EINTR || rc == -EAGAIN)
			continue;
		if (rc <= 0)
			return rc < 0 ? rc : -ECONNRESET;
		buf += rc;
		len -= rc;
	}
	return 0;
}

static int read_all(int fd, void *buf, int len)
{
	int rc;

	while (len > 0) {
		rc = os_read_file(fd, buf, len);
		if (rc == -EINTR || rc == -EAGAIN)
			continue;
		if (rc <= 0)
			return rc < 0 ? rc : -ECONNRESET;
		buf += rc;
		len -= rc;
	}
	return 0;
}

static int uml_call(u64 gpa)
{
	struct hmx_uml_call call = { .call_block_gpa = gpa };
	struct hmx_uml_reply reply;
	int rc;

	rc = write_all(call_fd, &call, sizeof(call));
	if (!rc)
		rc = read_all(call_fd, &reply, sizeof(reply));
	if (rc) {
		pr_err_ratelimited("hmx: conduit socket failed: %d\n", rc);
		return -HMX_ENODEV;  /* the hypervisor is gone: nothing runs any more */
	}
	return (int)reply.status;
}

static irqreturn_t uml_event_interrupt(int irq, void *dev)
{
	char buf[64];

	/* The bytes only say "look"; the event page says at what. */
	while (os_read_file(event_fd, buf, sizeof(buf)) > 0)
		;
	hmx_core_event();
	return IRQ_HANDLED;
}

int hmx_platform_probe(struct hmx_platform *p)
{
	struct hmx_uml_hello hello = {
		.magic = HMX_UML_MAGIC,
		.version = HMX_UML_PROTOCOL_VERSION,
		.mem_start = 0,
		.mem_size = physmem_size,
		.vcpus = 1,
	};
	struct hmx_uml_welcome welcome;
	unsigned long long offset;
	int fds[2], send[2];
	int memfd, rc;

	if (!socket_path || !*socket_path)
		return -ENODEV;  /* no hypervisor named: HMX absent */
	memfd = phys_mapping(0, &offset);
	if (memfd < 0 || offset != 0)
		return -ENODEV;
	rc = os_connect_socket(socket_path);
	if (rc < 0) {
		pr_err("hmx: cannot connect to %s: %d\n", socket_path, rc);
		return -ENODEV;
	}
	call_fd = rc;
	rc = os_pipe(fds, 1, 1);
	if (rc < 0)
		goto fail_call;
	event_fd = fds[0];
	send[0] = memfd;
	send[1] = fds[1];
	rc = os_sendmsg_fds(call_fd, &hello, sizeof(hello), send, 2);
	os_close_file(fds[1]);
	if (rc != sizeof(hello)) {
		rc = rc < 0 ? rc : -EIO;
		goto fail_event;
	}
	rc = read_all(call_fd, &welcome, sizeof(welcome));
	if (rc)
		goto fail_event;
	if (welcome.magic != HMX_UML_MAGIC) {
		rc = -EPROTO;
		goto fail_event;
	}
	if (welcome.status) {
		pr_info("hmx: the host refused this domain: %d\n", welcome.status);
		rc = -ENODEV;
		goto fail_event;
	}
	p->conduit = "uml-socket";
	p->domain_id = welcome.domain_id;
	p->features = welcome.features;
	p->max_batch = (welcome.features & HMX_FEATURE_BATCH_BIT) ? welcome.max_batch : 0;
	p->interrupts = true;
	p->vector = HMX_VECTOR_MIN;  /* any vector: the host signals the socket whatever it is */
	p->call = uml_call;
	return 0;

fail_event:
	os_close_file(event_fd);
	event_fd = -1;
fail_call:
	os_close_file(call_fd);
	call_fd = -1;
	pr_err("hmx: UML conduit set-up failed: %d\n", rc);
	return -ENODEV;
}

int hmx_platform_start_events(void)
{
	int rc = um_request_irq(UM_IRQ_ALLOC, event_fd, IRQ_READ, uml_event_interrupt, 0, "hmx",
				NULL);

	if (rc < 0)
		return rc;
	event_irq = rc;
	return 0;
}

void hmx_platform_remove(void)
{
	if (event_irq >= 0)
		um_free_irq(event_irq, NULL);
	event_irq = -1;
	if (event_fd >= 0)
		os_close_file(event_fd);
	event_fd = -1;
	if (call_fd >= 0)
		os_close_file(call_fd);
	call_fd = -1;
}
