/* SPDX-License-Identifier: MIT */
/* argo-peer: a Xen guest that exchanges checksummed Argo messages with a peer domain, written
 * only against Xen's public headers (issue 11, mixed traffic). Command line (hmx-kvm's):
 *   domid=D domains=NAME:ID,... peer=NAME [denied=NAME] [count=N]
 * It registers a ring for the peer, sends `count` messages (at most kWindow in flight) and
 * expects `count` answers from the peer on its ring, woken by VIRQ_ARGO; every message carries
 * the FNV-1a of its payload. With denied=NAME it first checks that the MAC policy refuses a ring
 * and a message naming that domain (EACCES). Exit: SHUTDOWN_poweroff after a result line, or
 * SHUTDOWN_crash with the reason printed. */
#include "xen_guest.h"

#define PORT 100
#define RING_PAGES 4
#define RING_LEN (RING_PAGES * 4096 - sizeof(xen_argo_ring_t))
#define WINDOW 8
#define MAGIC 0x41726721u /* "!grA" */
#define MAX_PAYLOAD 64

struct message {
  uint32_t magic, seq, size, from;
  uint64_t checksum;
  unsigned char payload[MAX_PAYLOAD];
};

static unsigned char ring_memory[RING_PAGES * 4096] __attribute__((aligned(4096)));
static xen_argo_gfn_t ring_gfns[RING_PAGES];
static uint32_t virq_port, virq_events;
static uint32_t sent, received, count;
static int peer_id;
static int broken;

static void fail(const char* what, long rc) {
  xg_printf("argo-peer: FAILED: %s (%ld)\n", what, rc);
  xg_shutdown(SHUTDOWN_crash);
}

static xen_argo_ring_t* ring(void) { return (xen_argo_ring_t*)ring_memory; }

static long argo(unsigned cmd, void* a1, void* a2, uint64_t a3, uint64_t a4) {
  return xg_hypercall(__HYPERVISOR_argo_op, cmd, (uintptr_t)a1, (uintptr_t)a2, a3, a4);
}

static long register_ring(uint32_t aport, domid_t partner) {
  xen_argo_register_ring_t reg = {aport, partner, 0, (uint32_t)RING_LEN};
  for (unsigned i = 0; i < RING_PAGES; ++i) ring_gfns[i] = ((uintptr_t)ring_memory >> 12) + i;
  return argo(XEN_ARGO_OP_register_ring, &reg, ring_gfns, RING_PAGES, 0);
}

/* sendv's result for errors Xen finds from the destination ring on is zero-extended from 32 bits
 * (xen/common/argo.c sendv): read it as an int, as Linux's driver does. */
static long send_to(domid_t dst, uint32_t aport, const void* data, uint32_t len) {
  xen_argo_send_addr_t addr = {{PORT, XEN_ARGO_DOMID_ANY, 0}, {aport, dst, 0}};
  xen_argo_iov_t iov;
  set_xen_guest_handle(iov.iov_hnd, (uint8_t*)data);
  iov.iov_len = len;
  iov.pad = 0;
  return (int)argo(XEN_ARGO_OP_sendv, &addr, &iov, 1, 1);
}

static void fill(struct message* m, uint32_t seq) {
  m->magic = MAGIC;
  m->seq = seq;
  m->size = seq * 37 % MAX_PAYLOAD + 1;
  m->from = xg_domid;
  for (uint32_t i = 0; i < m->size; ++i) m->payload[i] = (unsigned char)(i * 7 + seq * 13);
  m->checksum = xg_fnv1a64(m->payload, m->size, XG_FNV_OFFSET);
}

static int peer_ring_exists(void) {
  struct {
    xen_argo_ring_data_t head;
    xen_argo_ring_data_ent_t ent;
  } q = {{1, 0}, {{PORT, (domid_t)peer_id, 0}, 0, 0, 0, 0}};
  const long rc = argo(XEN_ARGO_OP_notify, &q, 0, 0, 0);
  if (rc != 0) fail("notify", rc);
  return (q.ent.flags & XEN_ARGO_RING_EXISTS) != 0;
}

/* One message out of the ring (the payload may wrap around its end). */
static void take(uint32_t rx, uint32_t tx) {
  (void)tx;
  const unsigned char* data = ring()->ring;
  struct xen_argo_ring_message_header h;
  memcpy(&h, data + rx, sizeof h);
  struct message m;
  uint32_t len = h.len - (uint32_t)sizeof h;
  if (len > sizeof m) len = sizeof m;
  uint32_t at = rx + (uint32_t)sizeof h;
  for (uint32_t i = 0; i < len; ++i) ((unsigned char*)&m)[i] = data[(at + i) % RING_LEN];
  if (h.source.domain_id != peer_id || len < offsetof(struct message, payload) || m.magic != MAGIC ||
      m.seq != received || m.size > MAX_PAYLOAD || len != offsetof(struct message, payload) + m.size ||
      xg_fnv1a64(m.payload, m.size, XG_FNV_OFFSET) != m.checksum) {
    xg_printf("argo-peer: bad message %u from domain %u (seq %u, %u bytes)\n", received, h.source.domain_id, m.seq,
              h.len);
    broken = 1;
  }
  ++received;
  const uint32_t next = (rx + ((h.len + XEN_ARGO_MSG_SLOT_SIZE - 1) & ~(uint32_t)(XEN_ARGO_MSG_SLOT_SIZE - 1))) %
                        (uint32_t)RING_LEN;
  __atomic_store_n(&ring()->rx_ptr, next, __ATOMIC_SEQ_CST);
}

static void drain(void) {
  for (;;) {
    const uint32_t rx = __atomic_load_n(&ring()->rx_ptr, __ATOMIC_SEQ_CST);
    const uint32_t tx = __atomic_load_n(&ring()->tx_ptr, __ATOMIC_SEQ_CST);
    if (rx == tx || broken) return;
    take(rx, tx);
  }
}

static void on_port(uint32_t port) {
  if (port == virq_port) ++virq_events;
}

static int idle(void) {
  return __atomic_load_n(&ring()->rx_ptr, __ATOMIC_SEQ_CST) == __atomic_load_n(&ring()->tx_ptr, __ATOMIC_SEQ_CST);
}

static void check_denied(int denied) {
  long rc = register_ring(PORT + 1, (domid_t)denied);
  xg_printf("argo-peer: register_ring naming denied domain %d: %ld%s\n", denied, rc,
            rc == -XG_EACCES ? " (EACCES, as the policy says)" : "");
  if (rc != -XG_EACCES) fail("a ring naming the denied domain was not refused with EACCES", rc);
  static const char knock[] = "let me in";
  rc = send_to((domid_t)denied, PORT, knock, sizeof knock);
  xg_printf("argo-peer: sendv to denied domain %d: %ld%s\n", denied, rc,
            rc == -XG_EACCES ? " (EACCES, as the policy says)" : "");
  if (rc != -XG_EACCES) fail("a message to the denied domain was not refused with EACCES", rc);
}

void xg_main(const struct hvm_start_info* si) {
  const char* why = xg_init(si);
  if (why != 0) {
    /* No Xen, so no console either: stop the vCPU. */
    for (;;) __asm__ volatile("cli; hlt");
  }
  char extra[XEN_EXTRAVERSION_LEN] = {0};
  const long version = xg_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
  xg_hypercall(__HYPERVISOR_xen_version, XENVER_extraversion, (uintptr_t)extra, 0, 0, 0);
  extra[sizeof extra - 1] = '\0';
  xg_printf("argo-peer: Xen %lu.%lu%s at CPUID %x, domain %u\n", (unsigned long)version >> 16,
            (unsigned long)version & 0xffff, extra, xg_cpuid_base, xg_domid);
  if (xg_cmdline_uint("domid", xg_domid) != xg_domid) fail("CPUID and the command line disagree on the domain id", 0);
  char name[32];
  if (!xg_cmdline_value("peer", name, sizeof name) || (peer_id = xg_domain_id(name)) < 0)
    fail("no peer=NAME naming a domain of domains=", 0);
  count = (uint32_t)xg_cmdline_uint("count", 1000);

  long rc = xg_events_init(on_port);
  if (rc != 0) fail("shared_info / upcall vector", rc);
  evtchn_bind_virq_t bind = {VIRQ_ARGO, 0, 0};
  rc = xg_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, (uintptr_t)&bind, 0, 0, 0);
  if (rc != 0) fail("bind VIRQ_ARGO", rc);
  virq_port = bind.port;

  char denied_name[32];
  if (xg_cmdline_value("denied", denied_name, sizeof denied_name)) {
    const int denied = xg_domain_id(denied_name);
    if (denied < 0) fail("denied=NAME names no domain", 0);
    check_denied(denied);
  }

  rc = register_ring(PORT, (domid_t)peer_id);
  if (rc != 0) fail("register_ring", rc);
  __asm__ volatile("sti");
  for (uint32_t tries = 0; !peer_ring_exists(); ++tries) {
    if (tries == 200000) fail("the peer never registered its ring", 0);
    xg_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
  }

  static struct message out;
  uint32_t again = 0;
  while (received < count && !broken) {
    drain();
    while (sent < count && sent - received < WINDOW) {
      fill(&out, sent);
      rc = send_to((domid_t)peer_id, PORT, &out, (uint32_t)offsetof(struct message, payload) + out.size);
      if (rc == -XG_EAGAIN) {
        ++again;
        break;
      }
      if (rc < 0) fail("sendv", rc);
      ++sent;
    }
    if (received < count) xg_wait(idle);
  }
  if (broken) fail("a message failed its check", 0);
  xen_argo_unregister_ring_t unreg = {PORT, (domid_t)peer_id, 0};
  rc = argo(XEN_ARGO_OP_unregister_ring, &unreg, 0, 0, 0);
  /* ENOENT: the peer has ended already, and Argo removed the rings that named it (argo_destroy). */
  if (rc != 0 && rc != -XG_ENOENT) fail("unregister_ring", rc);
  xg_printf("argo-peer: %u messages sent and %u received, checksums ok; %u upcalls, %u VIRQ_ARGO events, "
            "%u EAGAIN\n",
            sent, received, xg_upcalls, virq_events, again);
  xg_shutdown(SHUTDOWN_poweroff);
}
