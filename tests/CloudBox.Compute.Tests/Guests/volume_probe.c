/*
 * Volume probe: a guest Compute boots as a PVH kernel (see PvhGuest.cs) to show from inside a server that a volume
 * attached to it is a disk it can use, and that data written there stays with the volume. Prints "ready", then takes
 * every virtio-blk disk it has at boot except the first (the server's root disk) and every one the VMM hot-plugs
 * later (ACPI hot-plug registers, see guest.h). For each it prints "serial ID" (the volume's id, cut to virtio-blk's
 * 20 bytes) and:
 *   with "write=TEXT" on the command line, writes "TEXT\n" at the start of sector 0, flushes, prints "wrote TEXT";
 *   with "read", reads sector 0 and prints "read TEXT" (its first line, or nothing when there is none).
 * On an eject request it resets the device, acknowledges ("ejected") and keeps waiting, so one server can see attach,
 * detach, attach. Between polls it halts until the local APIC timer ticks: a guest spinning on the hot-plug
 * registers would keep a host core busy for as long as a test waits.
 */
#include "guest.h"

#define IDT_AREA 0x380000UL
#define QUEUE_AREA 0x400000UL
#define REQUEST_AREA 0x500000UL
#define QUEUE_SIZE 8
#define LAPIC 0xFEE00000UL
#define TICK_VECTOR 32
#define TICK_CYCLES 10000000u /* 10 ms at KVM's 1 GHz APIC bus, divider 1 */

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_F_FLUSH 9

struct interrupt_frame;

static void lapic_write(int reg, u32 value) { *(volatile u32 *)(LAPIC + reg) = value; }

static void __attribute__((interrupt)) tick(struct interrupt_frame *frame)
{
    (void)frame;
    lapic_write(0xB0, 0); /* EOI */
}

/* A one-entry IDT (vector 32) and the APIC timer firing it every 10 ms; nothing else may interrupt. */
static void start_ticks(void)
{
    volatile u64 *gate = (volatile u64 *)(IDT_AREA + TICK_VECTOR * 16);
    u64 handler = (u64)tick;
    gate[0] = (handler & 0xFFFF) | (0x08UL << 16) | (0x8EUL << 40) | ((handler >> 16 & 0xFFFF) << 48);
    gate[1] = handler >> 32;
    struct __attribute__((packed)) { u16 limit; u64 base; } idt = { (TICK_VECTOR + 1) * 16 - 1, IDT_AREA };
    __asm__ volatile("lidt %0" : : "m"(idt));
    lapic_write(0xF0, 0x1FF);                    /* software enable, spurious vector 0xFF */
    lapic_write(0x350, 1u << 16);                /* mask LINT0: the 8259's interrupts (the hot-plug GED's among them) */
    lapic_write(0x3E0, 0xB);                     /* divide by 1 */
    lapic_write(0x320, TICK_VECTOR | 1u << 17);  /* periodic */
    lapic_write(0x380, TICK_CYCLES);
}

static void nap(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

static const char *after(const char *text, const char *key)
{
    for (; *text; text++) {
        int i = 0;
        while (key[i] && text[i] == key[i]) i++;
        if (!key[i]) return text + i;
    }
    return 0;
}

struct disk {
    volatile u8 *common;
    volatile u16 *notify;
    struct virtq_desc *desc;
    volatile u16 *avail, *used;
    u16 next;
};

static int is_virtio_blk(int slot) { return pci_read16(slot, 0) == 0x1AF4 && pci_read16(slot, 2) == 0x1042; }

static volatile u8 *common_config(int slot) { return (volatile u8 *)(bar_address(slot) + pci_read32(slot, find_capability(slot, 1) + 8)); }

/* Drives the function in `slot` as a modern virtio-pci device: VERSION_1 and FLUSH (write-back), queue 0 polled. */
static int disk_open(struct disk *d, int slot)
{
    u64 bar = bar_address(slot), queue = QUEUE_AREA + 0x1000UL * slot;
    int notify_cap = find_capability(slot, 2);
    volatile u8 *common = common_config(slot);
    common[0x14] = 0;                     /* reset */
    common[0x14] = 1 | 2;                 /* ACKNOWLEDGE | DRIVER */
    *(volatile u32 *)(common + 0x00) = 0; /* device feature select: low word */
    u32 offered = *(volatile u32 *)(common + 0x04);
    *(volatile u32 *)(common + 0x08) = 0;
    *(volatile u32 *)(common + 0x0C) = offered & 1u << VIRTIO_BLK_F_FLUSH;
    *(volatile u32 *)(common + 0x08) = 1; /* high word: VERSION_1 */
    *(volatile u32 *)(common + 0x0C) = 1;
    common[0x14] = 1 | 2 | 8;             /* FEATURES_OK */
    if (!(common[0x14] & 8)) return 0;

    for (u64 i = 0; i < 0x300; i++) ((volatile u8 *)queue)[i] = 0;
    *(volatile u16 *)(common + 0x16) = 0;          /* queue_select */
    *(volatile u16 *)(common + 0x18) = QUEUE_SIZE;
    *(volatile u16 *)(common + 0x1A) = 0xFFFF;     /* no MSI-X vector: we poll */
    u16 notify_off = *(volatile u16 *)(common + 0x1E);
    *(volatile u64 *)(common + 0x20) = queue;
    *(volatile u64 *)(common + 0x28) = queue + 0x100;
    *(volatile u64 *)(common + 0x30) = queue + 0x200;
    *(volatile u16 *)(common + 0x1C) = 1;          /* queue_enable */
    common[0x14] = 1 | 2 | 8 | 4;                  /* DRIVER_OK */

    d->common = common;
    d->notify = (volatile u16 *)(bar + pci_read32(slot, notify_cap + 8) + (u64)notify_off * pci_read32(slot, notify_cap + 16));
    d->desc = (struct virtq_desc *)queue;
    d->avail = (volatile u16 *)(queue + 0x100);
    d->used = (volatile u16 *)(queue + 0x200);
    d->next = 0;
    return 1;
}
/* One request, waited for: header, an optional data buffer (`length` bytes at REQUEST_AREA + 0x200), status. */
static int disk_request(struct disk *d, u32 type, u32 length)
{
    volatile u32 *header = (volatile u32 *)REQUEST_AREA;
    header[0] = type; header[1] = 0; header[2] = 0; header[3] = 0; /* sector 0 */
    volatile u8 *status = (volatile u8 *)(REQUEST_AREA + 0x100);
    *status = 0xFF;
    u16 device_writes = type == VIRTIO_BLK_T_OUT ? 0 : 2;
    d->desc[0] = (struct virtq_desc){ REQUEST_AREA, 16, 1, 1 };
    if (length) {
        d->desc[1] = (struct virtq_desc){ REQUEST_AREA + 0x200, length, 1 | device_writes, 2 };
        d->desc[2] = (struct virtq_desc){ REQUEST_AREA + 0x100, 1, 2, 0 };
    } else {
        d->desc[0].next = 2;
        d->desc[2] = (struct virtq_desc){ REQUEST_AREA + 0x100, 1, 2, 0 };
    }
    d->avail[2 + d->next % QUEUE_SIZE] = 0;
    d->next++;
    barrier();
    d->avail[1] = d->next;
    barrier();
    *d->notify = 0;
    while (d->used[1] != d->next) cpu_relax();
    return *status == 0;
}

static void print_line(const char *label, volatile const u8 *text, int max)
{
    put_string(label);
    for (int i = 0; i < max && text[i] && text[i] != '\n'; i++) put_char((char)text[i]);
    put_char('\n');
}

/* A new disk: say which volume it is, then write or read sector 0 as the command line says. */
static void take(int slot, const char *cmdline)
{
    struct disk disk, *d = &disk;
    if (!is_virtio_blk(slot)) { put_string("inserted: not virtio-blk\n"); return; }
    if (!disk_open(d, slot)) { put_string("features refused\n"); return; }
    volatile u8 *data = (volatile u8 *)(REQUEST_AREA + 0x200);
    for (int i = 0; i < 512; i++) data[i] = 0;
    if (disk_request(d, VIRTIO_BLK_T_GET_ID, 20)) print_line("serial ", data, 20);

    const char *text = after(cmdline, "write=");
    if (text) {
        int n = 0;
        while (n < 500 && text[n] && text[n] != ' ') { data[n] = (u8)text[n]; n++; }
        data[n] = '\n';
        for (int i = n + 1; i < 512; i++) data[i] = 0;
        if (!disk_request(d, VIRTIO_BLK_T_OUT, 512) || !disk_request(d, VIRTIO_BLK_T_FLUSH, 0)) { put_string("write failed\n"); return; }
        print_line("wrote ", data, n);
    } else if (after(cmdline, "read")) {
        if (!disk_request(d, VIRTIO_BLK_T_IN, 512)) { put_string("read failed\n"); return; }
        int line = 0;
        while (line < 500 && data[line] >= ' ' && data[line] < 127) line++;
        print_line("read ", data, data[line] == '\n' ? line : 0);
    }
}

/* The host wants the slot back: the driver lets go (device reset), then acknowledges as the slot's _EJ0 does. */
static void release(int slot)
{
    if (is_virtio_blk(slot)) common_config(slot)[0x14] = 0;
    outl(HOTPLUG_EJECTED, 1u << slot);
    put_string("ejected\n");
}

void guest_main(u32 start_info)
{
    const char *cmdline = (const char *)*(volatile u64 *)((u64)start_info + 24);
    if (!cmdline) cmdline = "";
    start_ticks();
    put_string("ready\n");
    /* Disks there at boot: the first virtio-blk function is the server's root disk, the others are volumes. */
    int seen = 0;
    for (int slot = 1; slot < 32; slot++)
        if (is_virtio_blk(slot) && seen++ > 0) take(slot, cmdline);
    for (;;) {
        /* Ejects first: a slot released now may come back in the same round. */
        u32 ejects = inl(HOTPLUG_EJECT_REQUEST), inserted = inl(HOTPLUG_INSERTED);
        for (u32 left = ejects; left; left &= left - 1) release(__builtin_ctz(left));
        for (u32 left = inserted; left; left &= left - 1) take(__builtin_ctz(left), cmdline);
        if (!(ejects | inserted)) nap();
    }
}
