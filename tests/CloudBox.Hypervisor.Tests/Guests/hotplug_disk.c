/*
 * Hot-plug guest: waits for the VMM's insertion notice (the register the DSDT's GED _EVT reads), finds the new
 * virtio-blk function in config space, drives it as a modern virtio-pci device far enough to read sector 1 and
 * print it, then waits for the eject request, resets the device, acknowledges like the slot's _EJ0 does, and
 * checks that the slot reads empty before powering off.
 */
#include "guest.h"

#define QUEUE_AREA 0x400000UL
#define REQUEST_AREA 0x500000UL
#define QUEUE_SIZE 8

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
    put_string("ready\n");
    int slot = wait_for_insertion();
    put_string("inserted slot ");
    put_decimal((u64)slot);
    put_string(pci_read16(slot, 0) == 0x1AF4 && pci_read16(slot, 2) == 0x1042 ? " virtio-blk\n" : " unknown device\n");

    struct virtio_pci f = virtio_pci_windows(slot);
    if (!virtio_negotiate(f.common, 0)) { put_string("features refused\n"); power_off(); }
    put_string("capacity ");
    put_decimal(*(volatile u64 *)f.device);
    put_string(" sectors\n");

    struct virtq_desc *desc = (struct virtq_desc *)QUEUE_AREA;
    volatile u16 *avail = (volatile u16 *)(QUEUE_AREA + 0x100);
    volatile u16 *used = (volatile u16 *)(QUEUE_AREA + 0x200);
    volatile u16 *notify = virtio_queue0(&f, QUEUE_AREA, QUEUE_SIZE);

    /* One read of sector 1: header (type IN, sector 1), 512-byte buffer, status byte. */
    volatile u32 *header = (volatile u32 *)REQUEST_AREA;
    header[0] = 0; header[1] = 0; header[2] = 1; header[3] = 0;
    volatile u8 *data = (volatile u8 *)(REQUEST_AREA + 0x100);
    volatile u8 *status = (volatile u8 *)(REQUEST_AREA + 0x400);
    *status = 0xFF;
    desc[0] = (struct virtq_desc){ REQUEST_AREA, 16, 1, 1 };
    desc[1] = (struct virtq_desc){ REQUEST_AREA + 0x100, 512, 1 | 2, 2 };
    desc[2] = (struct virtq_desc){ REQUEST_AREA + 0x400, 1, 2, 0 };
    avail[2] = 0;
    barrier();
    avail[1] = 1;
    barrier();
    *notify = 0;
    while (used[1] != 1) cpu_relax();
    put_string("status ");
    put_decimal(*status);
    put_string(" read: ");
    for (int i = 0; i < 64 && data[i]; i++) put_char((char)data[i]);
    put_string("\n");

    while (!(inl(HOTPLUG_EJECT_REQUEST) & (1u << slot))) cpu_relax();
    put_string("eject requested\n");
    release_slot(slot, f.common);
    put_string("slot empty\n");
    power_off();
}
