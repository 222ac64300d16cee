/*
 * A minimal virtio-blk driver that does not accept VIRTIO_BLK_F_FLUSH (so, like Linux, it assumes the disk has no
 * volatile cache and never flushes): waits for a hot-plugged disk, reports which cache features the device offers,
 * negotiates VERSION_1 only, writes one sector (sector 2) and prints the status, then releases the disk on the
 * eject request and powers off.
 */
#include "guest.h"

#define QUEUE_AREA 0x400000UL
#define REQUEST_AREA 0x500000UL
#define QUEUE_SIZE 8
#define FEATURE_FLUSH 9
#define FEATURE_CONFIG_WCE 11

static const char message[] = "durable before the guest saw it complete";

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
    put_string("ready\n");
    u32 inserted;
    while (!(inserted = inl(HOTPLUG_INSERTED))) cpu_relax();
    int slot = __builtin_ctz(inserted);

    u64 bar = bar_address(slot);
    int common_cap = find_capability(slot, 1), notify_cap = find_capability(slot, 2);
    volatile u8 *common = (volatile u8 *)(bar + pci_read32(slot, common_cap + 8));
    u64 notify = bar + pci_read32(slot, notify_cap + 8);
    u32 notify_multiplier = pci_read32(slot, notify_cap + 16);

    common[0x14] = 0;                     /* reset */
    common[0x14] = 1 | 2;                 /* ACKNOWLEDGE | DRIVER */
    *(volatile u32 *)(common + 0x00) = 0; /* device feature select: low word */
    u32 offered = *(volatile u32 *)(common + 0x04);
    put_string("offered flush ");
    put_decimal((offered >> FEATURE_FLUSH) & 1);
    put_string(" config_wce ");
    put_decimal((offered >> FEATURE_CONFIG_WCE) & 1);
    put_string("\n");
    *(volatile u32 *)(common + 0x08) = 0; /* driver features, low word: nothing, FLUSH included */
    *(volatile u32 *)(common + 0x0C) = 0;
    *(volatile u32 *)(common + 0x08) = 1; /* high word: VERSION_1 */
    *(volatile u32 *)(common + 0x0C) = 1;
    common[0x14] = 1 | 2 | 8;             /* FEATURES_OK */
    if (!(common[0x14] & 8)) { put_string("features refused\n"); power_off(); }

    struct virtq_desc *desc = (struct virtq_desc *)QUEUE_AREA;
    volatile u16 *avail = (volatile u16 *)(QUEUE_AREA + 0x100);
    volatile u16 *used = (volatile u16 *)(QUEUE_AREA + 0x200);
    for (u64 i = 0; i < 0x1000; i++) ((volatile u8 *)QUEUE_AREA)[i] = 0;
    *(volatile u16 *)(common + 0x16) = 0;          /* queue_select */
    *(volatile u16 *)(common + 0x18) = QUEUE_SIZE; /* queue_size */
    u16 queue_notify_off = *(volatile u16 *)(common + 0x1E);
    *(volatile u64 *)(common + 0x20) = QUEUE_AREA;
    *(volatile u64 *)(common + 0x28) = QUEUE_AREA + 0x100;
    *(volatile u64 *)(common + 0x30) = QUEUE_AREA + 0x200;
    *(volatile u16 *)(common + 0x1C) = 1;          /* queue_enable */
    common[0x14] = 1 | 2 | 8 | 4;                  /* DRIVER_OK */

    /* One write of sector 2: header (type OUT, sector 2), 512-byte buffer the device reads, status byte. */
    volatile u32 *header = (volatile u32 *)REQUEST_AREA;
    header[0] = 1; header[1] = 0; header[2] = 2; header[3] = 0;
    volatile u8 *data = (volatile u8 *)(REQUEST_AREA + 0x100);
    for (int i = 0; i < 512; i++) data[i] = i < (int)sizeof(message) - 1 ? (u8)message[i] : 0;
    volatile u8 *status = (volatile u8 *)(REQUEST_AREA + 0x400);
    *status = 0xFF;
    desc[0] = (struct virtq_desc){ REQUEST_AREA, 16, 1, 1 };
    desc[1] = (struct virtq_desc){ REQUEST_AREA + 0x100, 512, 1, 2 };
    desc[2] = (struct virtq_desc){ REQUEST_AREA + 0x400, 1, 2, 0 };
    avail[2] = 0;
    barrier();
    avail[1] = 1;
    barrier();
    *(volatile u16 *)(notify + (u64)queue_notify_off * notify_multiplier) = 0;
    while (used[1] != 1) cpu_relax();
    put_string("status ");
    put_decimal(*status);
    put_string(" written\n");

    while (!(inl(HOTPLUG_EJECT_REQUEST) & (1u << slot))) cpu_relax();
    common[0x14] = 0;                      /* the driver lets go: device reset */
    outl(HOTPLUG_EJECTED, 1u << slot);     /* what the slot's _EJ0 writes */
    while (pci_read16(slot, 0) != 0xFFFF) cpu_relax();
    put_string("released\n");
    power_off();
}
