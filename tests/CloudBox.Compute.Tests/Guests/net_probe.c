/*
 * Network probe guest for Compute's end-to-end networking test (RealVmmTenantNetworkTests): a virtio-net driver
 * (modern virtio-pci, polled, no interrupts) and just enough IPv4 to show what a server's network does:
 *   - DHCPv4 from CloudBox's server, then "dhcp A.B.C.D/N router R mtu M" on the console;
 *   - answers ARP requests and ICMP echo requests for its address, forever;
 *   - with "ping=A.B.C.D" on its command line, resolves that address (or the router, off-link) by ARP and sends one
 *     echo request a second, each with a new ICMP identifier (a new conntrack entry, so every echo is judged by the
 *     security groups as they are now); prints "ping A.B.C.D ok" when replies start and "ping A.B.C.D timeout"
 *     every few seconds while none come;
 *   - with "metadata" on its command line, fetches /openstack/latest/meta_data.json from 169.254.169.254 (on-link, as
 *     CloudBox's DHCP routes it) over a minimal TCP client (no retransmission: a stalled fetch starts over) and prints
 *     "metadata uuid UUID".
 * Everything but reading the clock's scale runs in ring 3 (IOPL 3): on hosts that run a guest kernel's code through
 * KVM's instruction emulator, ring 0 is thousands of times slower (benchmarks/hypervisor/README.md).
 */
#include "guest.h"

#define QUEUE_SIZE 16
#define BUFFER_SIZE 2048
#define RX_RING 0x400000UL
#define TX_RING 0x410000UL
#define RX_BUFFERS 0x420000UL
#define TX_BUFFER 0x440000UL
#define VNET_HEADER 12 /* virtio-net header with num_buffers (VERSION_1) */

#define ETH_ARP 0x0806
#define ETH_IPV4 0x0800
#define IP_ICMP 1
#define IP_TCP 6
#define IP_UDP 17
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5
#define DHCP_NAK 6
#define ICMP_ID_BASE 0x4E00 /* our echo identifiers: this plus a counter */
#define METADATA_IP 0xA9FEA9FEu /* 169.254.169.254 */
#define RESPONSE_AREA 0x460000UL /* the metadata answer, up to RESPONSE_MAX bytes */
#define RESPONSE_MAX 0x10000

static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

/* gcc may turn loops and struct copies into calls to these; volatile keeps them from calling themselves. */
void *memset(void *to, int value, unsigned long n)
{
    volatile u8 *p = to;
    while (n--) *p++ = (u8)value;
    return to;
}

void *memcpy(void *to, const void *from, unsigned long n)
{
    volatile u8 *p = to;
    const u8 *q = from;
    while (n--) *p++ = *q++;
    return to;
}

static u16 get16(const u8 *p) { return (u16)(p[0] << 8 | p[1]); }
static u32 get32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static void put16(u8 *p, u16 v) { p[0] = (u8)(v >> 8); p[1] = (u8)v; }
static void put32(u8 *p, u32 v) { p[0] = (u8)(v >> 24); p[1] = (u8)(v >> 16); p[2] = (u8)(v >> 8); p[3] = (u8)v; }
static int same(const u8 *a, const u8 *b, int n) { while (n--) if (*a++ != *b++) return 0; return 1; }

/* The Internet checksum: big-endian 16-bit words added up, carries folded back in, complemented. */
static u32 sum_words(u32 sum, const u8 *p, int n)
{
    for (; n > 1; p += 2, n -= 2) sum += get16(p);
    if (n) sum += (u32)p[0] << 8;
    return sum;
}

static u16 fold(u32 sum)
{
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (u16)~sum;
}

static u16 checksum(const u8 *p, int n) { return fold(sum_words(0, p, n)); }

/* TCP's checksum covers a pseudo-header of addresses, protocol and length too. */
static u16 tcp_checksum(u32 from, u32 to, const u8 *segment, int n)
{
    u32 sum = (from >> 16) + (from & 0xFFFF) + (to >> 16) + (to & 0xFFFF) + IP_TCP + (u32)n;
    return fold(sum_words(sum, segment, n));
}

static u64 prefix_length(u32 mask)
{
    u64 bits = 0;
    for (; mask & 0x80000000u; mask <<= 1) bits++;
    return bits;
}

static void put_ip(u32 ip)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        put_decimal((ip >> shift) & 0xFF);
        if (shift) put_char('.');
    }
}

static int has_word(const char *text, const char *word)
{
    for (; text && *text; text++) {
        int i = 0;
        while (word[i] && text[i] == word[i]) i++;
        if (!word[i]) return 1;
    }
    return 0;
}

/* "key=A.B.C.D" on the command line, or 0. */
static u32 address_after(const char *text, const char *key)
{
    for (; text && *text; text++) {
        int i = 0;
        while (key[i] && text[i] == key[i]) i++;
        if (key[i]) continue;
        const char *p = text + i;
        u32 ip = 0;
        for (int part = 0; part < 4; part++) {
            u32 v = 0;
            if (*p < '0' || *p > '9') return 0;
            while (*p >= '0' && *p <= '9') v = v * 10 + (u32)(*p++ - '0');
            ip = ip << 8 | (v & 0xFF);
            if (part < 3 && *p++ != '.') return 0;
        }
        return ip;
    }
    return 0;
}

/* ---- time: the TSC, scaled by KVM's paravirtual clock, else measured against the PIT ---- */

#define KVMCLOCK_AREA 0x450000UL
#define MSR_KVM_SYSTEM_TIME_NEW 0x4B564D01

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static void wrmsr(u32 msr, u64 value) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32))); }

/* KVM tells the guest how it turns TSC ticks into nanoseconds (pvclock: ns = ((ticks << shift) * mul) >> 32); exact,
 * where timing a PIT interval on a loaded host counts every moment the vCPU was not running. 0 without kvmclock. Ring 0. */
static u64 kvmclock_ticks_per_ms(void)
{
    u32 a, b, c, d;
    cpuid(0x40000000, &a, &b, &c, &d);
    if (b != 0x4B4D564B || c != 0x564B4D56 || d != 0x4D || a < 0x40000001) return 0; /* "KVMKVMKVM" */
    cpuid(0x40000001, &a, &b, &c, &d);
    if (!(a & (1u << 3))) return 0; /* KVM_FEATURE_CLOCKSOURCE2 */
    volatile u32 *info = (volatile u32 *)KVMCLOCK_AREA;
    for (int i = 0; i < 8; i++) info[i] = 0;
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, KVMCLOCK_AREA | 1);
    for (u32 spins = 0; (info[0] == 0 || (info[0] & 1)) && spins < 1000000; spins++) cpu_relax();
    u32 mul = info[6];
    signed char shift = (signed char)(info[7] & 0xFF);
    wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
    if (!mul) return 0;
    u64 ticks = (1000000UL << 32) / mul;
    return shift >= 0 ? ticks >> shift : ticks << -shift;
}

/* The fallback: the shortest of a few 50 ms PIT intervals (channel 2, gated by port 0x61), as a preempted vCPU only
 * ever measures too long. */
static u64 pit_ticks_per_ms(void)
{
    const u16 count = 59659; /* 50 ms at 1.193182 MHz */
    u64 best = ~0UL;
    for (int round = 0; round < 3; round++) {
        outb(0x61, (u8)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
        outb(0x43, 0xB0);                                /* channel 2, low then high byte, mode 0 */
        outb(0x42, (u8)count);
        outb(0x42, (u8)(count >> 8));
        u64 start = rdtsc();
        for (u32 spins = 0; !(inb(0x61) & 0x20); spins++)
            if (spins > 50000000) return 2000000; /* no PIT: guess 2 GHz */
        u64 ticks = rdtsc() - start;
        if (ticks < best) best = ticks;
    }
    return best / 50;
}

/* ---- virtio-net ---- */

struct queue {
    struct virtq_desc *desc;
    volatile u16 *avail; /* flags, idx, ring[] */
    volatile u16 *used;  /* flags, idx, then {u32 id, u32 len}[] */
    volatile u16 *notify;
    u16 size, next_avail, next_used;
};

struct nic {
    volatile u8 *common;
    struct queue rx, tx;
    u8 mac[6];
};

static void queue_open(struct nic *n, struct queue *q, int index, u64 area, u64 notify_base, u32 multiplier)
{
    memset((void *)area, 0, 0x3000);
    volatile u8 *common = n->common;
    *(volatile u16 *)(common + 0x16) = (u16)index;
    u16 size = *(volatile u16 *)(common + 0x18);
    q->size = size < QUEUE_SIZE ? size : QUEUE_SIZE;
    *(volatile u16 *)(common + 0x18) = q->size;
    *(volatile u16 *)(common + 0x1A) = 0xFFFF; /* no interrupt: we poll */
    q->notify = (volatile u16 *)(notify_base + (u64)*(volatile u16 *)(common + 0x1E) * multiplier);
    q->desc = (struct virtq_desc *)area;
    q->avail = (volatile u16 *)(area + 0x1000);
    q->used = (volatile u16 *)(area + 0x2000);
    *(volatile u64 *)(common + 0x20) = area;
    *(volatile u64 *)(common + 0x28) = area + 0x1000;
    *(volatile u64 *)(common + 0x30) = area + 0x2000;
    *(volatile u16 *)(common + 0x1C) = 1;
    q->avail[0] = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    q->next_avail = q->next_used = 0;
}

static void queue_offer(struct queue *q, u16 descriptor)
{
    q->avail[2 + q->next_avail % q->size] = descriptor;
    q->next_avail++;
    barrier();
    q->avail[1] = q->next_avail;
    barrier();
    *q->notify = 0;
}

/* Finds the first virtio-net function, negotiates VERSION_1 and MAC, and gives every receive buffer to the device. */
static int nic_open(struct nic *n)
{
    int slot = -1;
    for (int s = 0; s < 32 && slot < 0; s++)
        if (pci_read32(s, 0) == 0x10411AF4u) slot = s;
    if (slot < 0) return 0;
    *(volatile u32 *)(pci_config(slot) + 0x04) = pci_read32(slot, 0x04) | 0x6; /* memory decoding, bus master */
    u64 bar = bar_address(slot);
    int common_cap = find_capability(slot, 1), notify_cap = find_capability(slot, 2), device_cap = find_capability(slot, 4);
    volatile u8 *common = (volatile u8 *)(bar + pci_read32(slot, common_cap + 8));
    volatile u8 *device = (volatile u8 *)(bar + pci_read32(slot, device_cap + 8));
    u64 notify_base = bar + pci_read32(slot, notify_cap + 8);
    u32 multiplier = pci_read32(slot, notify_cap + 16);
    n->common = common;

    common[0x14] = 0;
    common[0x14] = 1 | 2;
    *(volatile u32 *)(common + 0x00) = 0;
    u32 offered = *(volatile u32 *)(common + 0x04);
    *(volatile u32 *)(common + 0x08) = 0;
    *(volatile u32 *)(common + 0x0C) = offered & (1u << 5); /* VIRTIO_NET_F_MAC */
    *(volatile u32 *)(common + 0x08) = 1;
    *(volatile u32 *)(common + 0x0C) = 1;                  /* VIRTIO_F_VERSION_1 */
    common[0x14] = 1 | 2 | 8;
    if (!(common[0x14] & 8)) { put_string("net features refused\n"); return 0; }
    for (int i = 0; i < 6; i++) n->mac[i] = device[i];

    queue_open(n, &n->rx, 0, RX_RING, notify_base, multiplier);
    queue_open(n, &n->tx, 1, TX_RING, notify_base, multiplier);
    common[0x14] = 1 | 2 | 8 | 4; /* DRIVER_OK */
    for (u16 i = 0; i < n->rx.size; i++) {
        n->rx.desc[i] = (struct virtq_desc){ RX_BUFFERS + (u64)i * BUFFER_SIZE, BUFFER_SIZE, 2, 0 }; /* device-writable */
        queue_offer(&n->rx, i);
    }
    return 1;
}

/* The next received frame (past the virtio-net header) and its length, or 0; hand it back with nic_release. */
static u8 *nic_receive(struct nic *n, u32 *length, u16 *descriptor)
{
    struct queue *q = &n->rx;
    if (q->used[1] == q->next_used) return 0;
    barrier();
    volatile u32 *entry = (volatile u32 *)((volatile u8 *)q->used + 4 + 8 * (q->next_used % q->size));
    q->next_used++;
    *descriptor = (u16)entry[0];
    *length = entry[1] > VNET_HEADER ? entry[1] - VNET_HEADER : 0;
    return (u8 *)(RX_BUFFERS + (u64)*descriptor * BUFFER_SIZE + VNET_HEADER);
}

static void nic_release(struct nic *n, u16 descriptor) { queue_offer(&n->rx, descriptor); }

/* The frame being built, after the virtio-net header. */
static u8 *tx_frame(void) { return (u8 *)(TX_BUFFER + VNET_HEADER); }

/* Sends the frame in the transmit buffer and waits until the device has taken it (one buffer, reused). */
static void nic_send(struct nic *n, u32 length)
{
    struct queue *q = &n->tx;
    memset((void *)TX_BUFFER, 0, VNET_HEADER);
    q->desc[0] = (struct virtq_desc){ TX_BUFFER, VNET_HEADER + length, 0, 0 };
    queue_offer(q, 0);
    for (u64 spins = 0; q->used[1] != q->next_avail; spins++)
        if (spins > 100000000) { put_string("net transmit stuck\n"); break; }
    q->next_used = q->used[1];
}

/* ---- the probe: addresses, DHCP, ARP, ICMP ---- */

struct probe {
    struct nic nic;
    u64 ms;                          /* TSC ticks a millisecond */
    u32 ip, mask, router, mtu;       /* from DHCP */
    u32 offered, server, xid;
    int dhcp_state;                  /* 0 discovering, 1 requesting, 2 bound */
    u64 dhcp_next;
    u32 target, next_hop;            /* ping=; next_hop is the target on-link, else the router */
    u8 next_hop_mac[6];
    int next_hop_known, answered;
    u16 echo_id;
    u64 ping_next, last_reply, timeout_next;
    int metadata;                    /* 0 not asked, 1 fetching, 2 done */
    u8 metadata_mac[6];
    int metadata_mac_known, tcp_state; /* 0 closed, 1 SYN sent, 2 established */
    u16 tcp_port;
    u32 snd_nxt, rcv_nxt, received;
    u64 metadata_next, tcp_deadline;
};

static const u8 broadcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

static u8 *ethernet(struct probe *p, const u8 *to, u16 type)
{
    u8 *f = tx_frame();
    memcpy(f, to, 6);
    memcpy(f + 6, p->nic.mac, 6);
    put16(f + 12, type);
    return f + 14;
}

/* An IPv4 header (no options) for payload bytes of protocol; returns where the payload goes. */
static u8 *ipv4(u8 *at, u32 from, u32 to, u8 protocol, u32 payload)
{
    static u16 ident __attribute__((section(".data"))) = 1;
    memset(at, 0, 20);
    at[0] = 0x45;
    put16(at + 2, (u16)(20 + payload));
    put16(at + 4, ident++);
    at[8] = 64;
    at[9] = protocol;
    put32(at + 12, from);
    put32(at + 16, to);
    put16(at + 10, checksum(at, 20));
    return at + 20;
}

static void send_arp(struct probe *p, u16 operation, const u8 *to_mac, u32 to_ip)
{
    u8 *a = ethernet(p, operation == 1 ? broadcast : to_mac, ETH_ARP);
    put16(a, 1);
    put16(a + 2, ETH_IPV4);
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, operation);
    memcpy(a + 8, p->nic.mac, 6);
    put32(a + 14, p->ip);
    if (operation == 1) memset(a + 18, 0, 6); else memcpy(a + 18, to_mac, 6);
    put32(a + 24, to_ip);
    nic_send(&p->nic, 14 + 28);
}

static void send_dhcp(struct probe *p, u8 type)
{
    u8 *b = ipv4(ethernet(p, broadcast, ETH_IPV4), 0, 0xFFFFFFFFu, IP_UDP, 8 + 300) + 8;
    u8 *udp = b - 8;
    put16(udp, 68);
    put16(udp + 2, 67);
    put16(udp + 4, 8 + 300);
    put16(udp + 6, 0); /* no checksum, as IPv4 allows */
    memset(b, 0, 300);
    b[0] = 1; b[1] = 1; b[2] = 6;
    put32(b + 4, p->xid);
    put16(b + 10, 0x8000); /* broadcast replies: we have no address yet */
    memcpy(b + 28, p->nic.mac, 6);
    put32(b + 236, 0x63825363);
    u8 *o = b + 240;
    *o++ = 53; *o++ = 1; *o++ = type;
    if (type == DHCP_REQUEST) {
        *o++ = 50; *o++ = 4; put32(o, p->offered); o += 4;
        *o++ = 54; *o++ = 4; put32(o, p->server); o += 4;
    }
    *o++ = 55; *o++ = 3; *o++ = 1; *o++ = 3; *o++ = 26; /* mask, router, MTU */
    *o++ = 255;
    nic_send(&p->nic, 14 + 20 + 8 + 300);
}

static void send_echo(struct probe *p, u8 type, const u8 *to_mac, u32 to_ip, u16 id, u16 sequence, const u8 *data, u32 data_length)
{
    u8 *icmp = ipv4(ethernet(p, to_mac, ETH_IPV4), p->ip, to_ip, IP_ICMP, 8 + data_length);
    icmp[0] = type;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, id);
    put16(icmp + 6, sequence);
    memcpy(icmp + 8, data, data_length);
    put16(icmp + 2, checksum(icmp, (int)(8 + data_length)));
    nic_send(&p->nic, 14 + 20 + 8 + data_length);
}

static void on_dhcp(struct probe *p, const u8 *b, u32 length)
{
    if (length < 240 || b[0] != 2 || get32(b + 4) != p->xid || !same(b + 28, p->nic.mac, 6) || get32(b + 236) != 0x63825363) return;
    u8 type = 0;
    u32 server = 0, mask = 0, router = 0, mtu = 1500;
    for (u32 at = 240; at < length && b[at] != 255;) {
        if (b[at] == 0) { at++; continue; }
        if (at + 2 > length || at + 2 + b[at + 1] > length) break;
        const u8 *v = b + at + 2;
        switch (b[at]) {
        case 53: type = v[0]; break;
        case 54: server = get32(v); break;
        case 1: mask = get32(v); break;
        case 3: router = get32(v); break;
        case 26: mtu = get16(v); break;
        }
        at += 2 + b[at + 1];
    }
    if (type == DHCP_OFFER && p->dhcp_state == 0) {
        p->offered = get32(b + 16);
        p->server = server;
        p->dhcp_state = 1;
        send_dhcp(p, DHCP_REQUEST);
        p->dhcp_next = rdtsc() + 2000 * p->ms;
    } else if (type == DHCP_ACK && p->dhcp_state == 1) {
        p->ip = get32(b + 16);
        p->mask = mask;
        p->router = router;
        p->mtu = mtu;
        p->dhcp_state = 2;
        p->last_reply = p->timeout_next = rdtsc(); /* the pinger's clock starts now */
        put_string("dhcp ");
        put_ip(p->ip);
        put_char('/');
        put_decimal(prefix_length(mask));
        put_string(" router ");
        put_ip(router);
        put_string(" mtu ");
        put_decimal(mtu);
        put_char('\n');
        if (p->target)
            p->next_hop = (p->target & mask) == (p->ip & mask) || !router ? p->target : router;
    } else if (type == DHCP_NAK && p->dhcp_state == 1) {
        p->dhcp_state = 0;
        p->dhcp_next = 0;
    }
}

static void on_icmp(struct probe *p, const u8 *frame, const u8 *ip, const u8 *icmp, u32 length)
{
    if (length < 8 || checksum(icmp, (int)length) != 0) return;
    u32 from = get32(ip + 12);
    if (icmp[0] == 8) {
        send_echo(p, 0, frame + 6, from, get16(icmp + 4), get16(icmp + 6), icmp + 8, length - 8 > 1400 ? 1400 : length - 8);
    } else if (icmp[0] == 0 && from == p->target) {
        u16 id = get16(icmp + 4);
        /* A reply to one of the last few echoes (a slow one still counts; stale ones from long ago do not). */
        if ((u16)(ICMP_ID_BASE + p->echo_id - id) > 3) return;
        p->last_reply = rdtsc();
        if (!p->answered) {
            put_string("ping ");
            put_ip(p->target);
            put_string(" ok\n");
            p->answered = 1;
        }
    }
}

/* ---- the metadata fetch: one HTTP/1.1 GET over a minimal TCP client ---- */

static void send_tcp(struct probe *p, u8 flags, const char *data, u32 length)
{
    u8 *t = ipv4(ethernet(p, p->metadata_mac, ETH_IPV4), p->ip, METADATA_IP, IP_TCP, 20 + length);
    put16(t, p->tcp_port);
    put16(t + 2, 80);
    put32(t + 4, p->snd_nxt);
    put32(t + 8, flags & TCP_ACK ? p->rcv_nxt : 0);
    t[12] = 5 << 4; /* 20-byte header, no options */
    t[13] = flags;
    put16(t + 14, 8192); /* window: well within our receive buffers */
    put16(t + 16, 0);
    put16(t + 18, 0);
    memcpy(t + 20, data, length);
    put16(t + 16, tcp_checksum(p->ip, METADATA_IP, t, (int)(20 + length)));
    nic_send(&p->nic, 14 + 20 + 20 + length);
    p->snd_nxt += length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);
}

/* Prints the "uuid" of the JSON body, or the status line when there is none. */
static void report_metadata(const char *response, u32 length)
{
    const char *key = "\"uuid\"";
    for (u32 i = 0; i + 6 < length; i++) {
        int k = 0;
        while (key[k] && response[i + k] == key[k]) k++;
        if (key[k]) continue;
        u32 at = i + 6;
        while (at < length && response[at] != '"') at++; /* past the colon to the value's quote */
        put_string("metadata uuid ");
        for (at++; at < length && response[at] != '"'; at++) put_char(response[at]);
        put_char('\n');
        return;
    }
    put_string("metadata answered without a uuid: ");
    for (u32 i = 0; i < length && response[i] != '\r' && response[i] != '\n'; i++) put_char(response[i]);
    put_char('\n');
}

static void on_tcp(struct probe *p, const u8 *t, u32 length)
{
    if (length < 20 || p->tcp_state == 0 || get16(t) != 80 || get16(t + 2) != p->tcp_port) return;
    if (tcp_checksum(METADATA_IP, p->ip, t, (int)length) != 0) return;
    u32 header = (t[12] >> 4) * 4u, seq = get32(t + 4), ack = get32(t + 8);
    u8 flags = t[13];
    if (header < 20 || header > length) return;
    if (flags & TCP_RST) { p->tcp_state = 0; return; }
    if (p->tcp_state == 1) {
        if ((flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) || ack != p->snd_nxt) return;
        static const char request[] = "GET /openstack/latest/meta_data.json HTTP/1.1\r\nHost: 169.254.169.254\r\nConnection: close\r\n\r\n";
        p->rcv_nxt = seq + 1;
        p->tcp_state = 2;
        send_tcp(p, TCP_PSH | TCP_ACK, request, sizeof request - 1);
        return;
    }
    u32 data = length - header;
    if (seq != p->rcv_nxt) { if (data || (flags & TCP_FIN)) send_tcp(p, TCP_ACK, 0, 0); return; } /* out of order: ask again */
    if (data) {
        u32 room = RESPONSE_MAX - p->received, n = data < room ? data : room;
        memcpy((u8 *)RESPONSE_AREA + p->received, t + header, n);
        p->received += n;
        p->rcv_nxt += data;
    }
    if (flags & TCP_FIN) {
        p->rcv_nxt++;
        send_tcp(p, TCP_FIN | TCP_ACK, 0, 0);
        p->tcp_state = 0;
        p->metadata = 2;
        report_metadata((const char *)RESPONSE_AREA, p->received);
    } else if (data) {
        send_tcp(p, TCP_ACK, 0, 0);
    }
}

/* One step of the fetch: ARP for 169.254.169.254, then connect; a connection that has not finished in 3 s starts over. */
static void metadata_step(struct probe *p, u64 now)
{
    if (p->metadata != 1) return;
    if (!p->metadata_mac_known) {
        if (now >= p->metadata_next) {
            send_arp(p, 1, broadcast, METADATA_IP);
            p->metadata_next = now + 1000 * p->ms;
        }
        return;
    }
    if (p->tcp_state != 0 && now < p->tcp_deadline) return;
    if (p->tcp_state == 0 && now < p->metadata_next) return;
    if (p->tcp_state != 0) send_tcp(p, TCP_RST, 0, 0);
    p->tcp_port = (u16)(40000 + (p->tcp_port + 1) % 20000);
    p->snd_nxt = (u32)rdtsc();
    p->received = 0;
    p->tcp_state = 1;
    p->tcp_deadline = now + 3000 * p->ms;
    p->metadata_next = now + 3000 * p->ms;
    send_tcp(p, TCP_SYN, 0, 0);
}

static void on_frame(struct probe *p, const u8 *f, u32 length)
{
    if (length < 14) return;
    if (!same(f, p->nic.mac, 6) && !same(f, broadcast, 6)) return;
    const u8 *payload = f + 14;
    length -= 14;
    u16 type = get16(f + 12);
    if (type == ETH_ARP && length >= 28 && p->dhcp_state == 2 && get16(payload) == 1 && get16(payload + 2) == ETH_IPV4) {
        u32 sender = get32(payload + 14), target = get32(payload + 24);
        if (p->next_hop && sender == p->next_hop) {
            memcpy(p->next_hop_mac, payload + 8, 6);
            p->next_hop_known = 1;
        }
        if (sender == METADATA_IP) {
            memcpy(p->metadata_mac, payload + 8, 6);
            p->metadata_mac_known = 1;
        }
        if (get16(payload + 6) == 1 && target == p->ip) send_arp(p, 2, payload + 8, sender);
    } else if (type == ETH_IPV4 && length >= 20 && (payload[0] >> 4) == 4) {
        u32 header = (payload[0] & 15) * 4u, total = get16(payload + 2);
        if (header < 20 || total > length || total < header || checksum(payload, (int)header) != 0) return;
        const u8 *data = payload + header;
        u32 data_length = total - header;
        if (payload[9] == IP_UDP && data_length >= 8 && get16(data + 2) == 68 && p->dhcp_state < 2)
            on_dhcp(p, data + 8, data_length - 8);
        else if (payload[9] == IP_ICMP && p->dhcp_state == 2 && get32(payload + 16) == p->ip)
            on_icmp(p, f, payload, data, data_length);
        else if (payload[9] == IP_TCP && p->dhcp_state == 2 && get32(payload + 16) == p->ip && get32(payload + 12) == METADATA_IP)
            on_tcp(p, data, data_length);
    }
}

/* One step of the pinger: ARP for the next hop until it answers, then an echo a second with a fresh identifier. */
static void ping_step(struct probe *p, u64 now)
{
    static const u8 pattern[32] = "cloudbox net probe echo payload";
    if (now >= p->ping_next) {
        p->ping_next = now + 1000 * p->ms;
        if (!p->next_hop_known) {
            send_arp(p, 1, broadcast, p->next_hop);
        } else {
            p->echo_id++;
            send_echo(p, 8, p->next_hop_mac, p->target, (u16)(ICMP_ID_BASE + p->echo_id), p->echo_id, pattern, sizeof pattern);
        }
    }
    if (now - p->last_reply > 3000 * p->ms && now >= p->timeout_next) {
        put_string("ping ");
        put_ip(p->target);
        put_string(" timeout\n");
        p->answered = 0;
        p->timeout_next = now + 3000 * p->ms;
        p->next_hop_known = 0; /* ask again: the neighbour may have changed */
    }
}

/* What ring 0 found out for the ring-3 part (in .data: the linker script drops .bss). */
static const char *saved_cmdline __attribute__((section(".data"))) = 0;
static u64 saved_ticks_per_ms __attribute__((section(".data"))) = 0;

static void __attribute__((noreturn)) probe(void)
{
    struct probe p;
    memset(&p, 0, sizeof p);
    p.ms = saved_ticks_per_ms;
    put_string("net probe tsc ");
    put_decimal(p.ms);
    put_string(" per ms\n");
    if (!nic_open(&p.nic)) { put_string("no virtio-net device\n"); power_off(); }
    put_string("net probe mac ");
    for (int i = 0; i < 6; i++) {
        const char *digits = "0123456789abcdef";
        if (i) put_char(':');
        put_char(digits[p.nic.mac[i] >> 4]);
        put_char(digits[p.nic.mac[i] & 15]);
    }
    put_char('\n');
    p.xid = get32(p.nic.mac + 2) ^ (u32)rdtsc();
    p.target = address_after(saved_cmdline, "ping=");
    p.metadata = has_word(saved_cmdline, "metadata");
    p.echo_id = (u16)rdtsc(); /* another boot, other identifiers */
    for (;;) {
        u32 length;
        u16 descriptor;
        u8 *frame;
        while ((frame = nic_receive(&p.nic, &length, &descriptor))) {
            on_frame(&p, frame, length);
            nic_release(&p.nic, descriptor);
        }
        u64 now = rdtsc();
        if (p.dhcp_state < 2 && now >= p.dhcp_next) {
            if (p.dhcp_state == 1) p.dhcp_state = 0; /* no answer to the request: start over */
            p.xid++;
            send_dhcp(&p, DHCP_DISCOVER);
            p.dhcp_next = now + 2000 * p.ms;
        }
        if (p.dhcp_state == 2 && p.target) ping_step(&p, now);
        if (p.dhcp_state == 2) metadata_step(&p, now);
        cpu_relax();
    }
}

void enter_ring3(void (*function)(void)) __attribute__((noreturn));

void guest_main(u32 start_info)
{
    saved_cmdline = (const char *)*(volatile u64 *)((u64)start_info + 24);
    put_string("net probe start\n");
    saved_ticks_per_ms = kvmclock_ticks_per_ms();
    if (!saved_ticks_per_ms) saved_ticks_per_ms = pit_ticks_per_ms();
    enter_ring3(probe);
}
