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
    int slot = wait_for_insertion();
    struct virtio_pci f = virtio_pci_windows(slot);
    int accepted = virtio_negotiate(f.common, 0); /* nothing in the low word, FLUSH included */
    u32 offered = *(volatile u32 *)(f.common + 0x04);
    put_string("offered flush ");
    put_decimal((offered >> FEATURE_FLUSH) & 1);
    put_string(" config_wce ");
    put_decimal((offered >> FEATURE_CONFIG_WCE) & 1);
    put_string("\n");
    if (!accepted) { put_string("features refused\n"); power_off(); }

    struct virtq_desc *desc = (struct virtq_desc *)QUEUE_AREA;
    volatile u16 *avail = (volatile u16 *)(QUEUE_AREA + 0x100);
    volatile u16 *used = (volatile u16 *)(QUEUE_AREA + 0x200);
    volatile u16 *notify = virtio_queue0(&f, QUEUE_AREA, QUEUE_SIZE);

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
    *notify = 0;
    while (used[1] != 1) cpu_relax();
    put_string("status ");
    put_decimal(*status);
    put_string(" written\n");

    while (!(inl(HOTPLUG_EJECT_REQUEST) & (1u << slot))) cpu_relax();
    release_slot(slot, f.common);
    put_string("released\n");
    power_off();
}
