// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/hmx: HMX rings and sendv for user space (uapi/hmx/hmx_dev.h), what OpenXT's argo driver
 * offers its users. Each open file may register one ring in kernel memory; read() takes its
 * messages one at a time, poll() reports them, HMX_DEV_IOC_SENDV sends from user buffers through
 * a kernel copy (the hypervisor addresses guest-physical memory, which user pages are not
 * guaranteed to stay), and a full destination ring makes a blocking send wait for the
 * space-available event.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include <hmx/kernel.h>
#include <uapi/hmx/hmx_dev.h>

#define HMX_DEV_SPACE_WAIT_MS 100  /* re-check interval of a send waiting for space */

struct hmx_file {
	struct mutex lock;            /* the ring and reads */
	struct hmx_kring *ring;
	wait_queue_head_t wq;         /* messages and space */
	bool space;
};

static void file_message(struct hmx_kring *ring, void *ctx)
{
	struct hmx_file *f = ctx;

	wake_up_interruptible(&f->wq);
}

static void file_space(struct hmx_kring *ring, void *ctx)
{
	struct hmx_file *f = ctx;

	WRITE_ONCE(f->space, true);
	wake_up_interruptible(&f->wq);
}

static const struct hmx_ring_ops file_ring_ops = {
	.message = file_message,
	.space = file_space,
};

static int hmx_dev_open(struct inode *inode, struct file *file)
{
	struct hmx_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	init_waitqueue_head(&f->wq);
	file->private_data = f;
	return 0;
}

static int hmx_dev_release(struct inode *inode, struct file *file)
{
	struct hmx_file *f = file->private_data;

	if (f->ring)
		hmx_ring_unregister(f->ring);
	kfree(f);
	return 0;
}

/*
 * The wait condition of read() and poll(): a message is there, or the ring is armed for the next
 * one (HMX-EVENT-054 HMX-EVENT-055; a message found by the arm counts, HMX-EVENT-056). It runs
 * without f->lock, so two waiters may arm at once and one may store an rx_ptr that a reader has
 * since moved past; that arm finds tx_ptr beyond it and returns "message", and its caller arms
 * again before it sleeps, so the last store before anyone sleeps is current.
 */
static bool has_message(struct hmx_file *f)
{
	struct hmx_msg m;

	if (!f->ring)
		return false;
	if (hmx_ring_peek(f->ring, &m) != -EAGAIN)
		return true;
	return !hmx_ring_arm(f->ring);
}

static ssize_t hmx_dev_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct hmx_file *f = file->private_data;
	struct hmx_dev_msg hdr = {};
	struct hmx_msg m;
	ssize_t r;

	mutex_lock(&f->lock);
	if (!f->ring) {
		r = -ENOTCONN;
		goto out;
	}
	while ((r = hmx_ring_peek(f->ring, &m)) == -EAGAIN) {
		mutex_unlock(&f->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(f->wq, has_message(f)))
			return -ERESTARTSYS;
		mutex_lock(&f->lock);
	}
	if (r) {
		hmx_ring_discard(f->ring);
		r = -EIO;
		goto out;
	}
	if (count < sizeof(hdr) + m.size) {
		r = -EMSGSIZE;  /* the message stays: read again with a larger buffer */
		goto out;
	}
	hdr.source_domain = m.source_domain;
	hdr.source_aport = m.source_aport;
	hdr.message_type = m.message_type;
	hdr.size = m.size;
	if (copy_to_user(buf, &hdr, sizeof(hdr)) ||
	    copy_to_user(buf + sizeof(hdr), m.first, m.first_size) ||
	    (m.second_size && copy_to_user(buf + sizeof(hdr) + m.first_size, m.second, m.second_size))) {
		r = -EFAULT;
		goto out;
	}
	hmx_ring_consume(f->ring, &m);
	r = sizeof(hdr) + m.size;
out:
	mutex_unlock(&f->lock);
	if (r > 0)
		(void)hmx_notify();  /* senders waiting for the space we freed */
	return r;
}

static __poll_t hmx_dev_poll(struct file *file, poll_table *wait)
{
	struct hmx_file *f = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &f->wq, wait);
	if (has_message(f))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static long do_register(struct hmx_file *f, void __user *arg)
{
	struct hmx_dev_ring req;
	struct hmx_kring *ring;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved)
		return -EINVAL;
	mutex_lock(&f->lock);
	if (f->ring) {
		mutex_unlock(&f->lock);
		return -EBUSY;
	}
	/* Moderated where offered: readers arm rx_event before they sleep (has_message). */
	ring = hmx_ring_register_flags(req.aport, req.partner, req.len, &file_ring_ops, f,
				       HMX_KRING_EVENT_IDX);
	if (IS_ERR(ring)) {
		mutex_unlock(&f->lock);
		return PTR_ERR(ring);
	}
	f->ring = ring;
	mutex_unlock(&f->lock);
	req.max_message = hmx_ring_max_message(ring);
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long do_sendv(struct hmx_file *f, struct file *file, void __user *arg)
{
	struct hmx_dev_iov uiov[HMX_DEV_MAX_IOV];
	struct hmx_dev_send req;
	hmx_iov_t iov;
	u32 total = 0, i, src;
	u8 *bounce, *p;
	s64 r;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved || req.niov > HMX_DEV_MAX_IOV)
		return -EINVAL;
	if (copy_from_user(uiov, u64_to_user_ptr(req.iov), req.niov * sizeof(uiov[0])))
		return -EFAULT;
	for (i = 0; i < req.niov; i++) {
		if (uiov[i].reserved || uiov[i].len > HMX_DEV_MAX_SEND - total)
			return -EMSGSIZE;
		total += uiov[i].len;
	}
	/* kmalloc: the linear map, so the buffer has a guest-physical address. */
	bounce = kmalloc(max_t(u32, total, 1), GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;
	for (i = 0, p = bounce; i < req.niov; p += uiov[i].len, i++) {
		if (copy_from_user(p, u64_to_user_ptr(uiov[i].base), uiov[i].len)) {
			kfree(bounce);
			return -EFAULT;
		}
	}
	iov.iov_hnd = hmx_gpa(bounce);
	iov.iov_len = total;
	iov.pad = 0;
	src = f->ring ? hmx_ring_aport(f->ring) : 0;
	for (;;) {
		WRITE_ONCE(f->space, false);
		r = hmx_sendv(src, req.domain, req.aport, req.message_type, &iov, 1);
		if (r != -EAGAIN || (file->f_flags & O_NONBLOCK))
			break;
		/* HMX queued a space wait: the space event (or a bounded re-check) sends again. */
		if (wait_event_interruptible_timeout(f->wq, READ_ONCE(f->space),
						     msecs_to_jiffies(HMX_DEV_SPACE_WAIT_MS)) < 0) {
			r = -ERESTARTSYS;
			break;
		}
	}
	kfree(bounce);
	return r;
}

static long hmx_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hmx_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case HMX_DEV_IOC_INFO: {
		struct hmx_dev_info info = {};
		struct hmx_core_stats s;

		hmx_get_stats(&s);
		info.domain_id = hmx_domain_id();
		strscpy(info.conduit, hmx_conduit_name(), sizeof(info.conduit));
		info.calls = s.calls;
		info.events = s.events;
		info.sends = s.sends;
		info.eagain = s.eagain;
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case HMX_DEV_IOC_REGISTER:
		return do_register(f, uarg);
	case HMX_DEV_IOC_SENDV:
		return do_sendv(f, file, uarg);
	case HMX_DEV_IOC_QUERY: {
		struct hmx_dev_query q;
		int r;

		if (copy_from_user(&q, uarg, sizeof(q)))
			return -EFAULT;
		r = hmx_query_ring(q.domain, q.aport, q.space_required, &q.flags, &q.max_message);
		if (r)
			return r;
		return copy_to_user(uarg, &q, sizeof(q)) ? -EFAULT : 0;
	}
	case HMX_DEV_IOC_NULL:
		return hmx_null_call();
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hmx_dev_fops = {
	.owner = THIS_MODULE,
	.open = hmx_dev_open,
	.release = hmx_dev_release,
	.read = hmx_dev_read,
	.poll = hmx_dev_poll,
	.unlocked_ioctl = hmx_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hmx_dev_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hmx",
	.fops = &hmx_dev_fops,
	.mode = 0600,
};

module_misc_device(hmx_dev_misc);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("/dev/hmx: HMX rings and sendv for user space");
