/*
 * A driver that keeps its disk busy, as Linux's does: waits for a hot-plugged disk, reads 200 sectors one after
 * another, notifying the device only when the used ring's flags do not say VIRTQ_USED_F_NO_NOTIFY, and prints how
 * many notifications it made. Then it waits until the device wants notifications again (it stopped polling), reads
 * once more with a notification, and releases the disk on the eject request.
 */
#include "guest.h"

#define QUEUE_AREA 0x400000UL
#define REQUEST_AREA 0x500000UL
#define QUEUE_SIZE 8
#define READS 200
#define USED_F_NO_NOTIFY 1

struct disk {
    struct virtq_desc *desc;
    volatile u16 *avail, *used, *notify;
    u16 next;
};

/* One read of `sector`; notifies unless told not to. Returns 1 if it notified. */
static int read_sector(struct disk *d, u32 sector)
{
    volatile u32 *header = (volatile u32 *)REQUEST_AREA;
    header[0] = 0; header[1] = 0; header[2] = sector; header[3] = 0;
    *(volatile u8 *)(REQUEST_AREA + 0x400) = 0xFF;
    d->avail[2 + d->next % QUEUE_SIZE] = 0;
    d->next++;
    barrier();
    d->avail[1] = d->next;
    barrier();
    int kicked = !(d->used[0] & USED_F_NO_NOTIFY);
    if (kicked) *d->notify = 0;
    while (d->used[1] != d->next) cpu_relax();
    return kicked;
}

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
    put_string("ready\n");
    int slot = wait_for_insertion();
    struct virtio_pci f = virtio_pci_windows(slot);
    if (!virtio_negotiate(f.common, 0)) { put_string("features refused\n"); power_off(); }
    struct disk d;
    d.desc = (struct virtq_desc *)QUEUE_AREA;
    d.avail = (volatile u16 *)(QUEUE_AREA + 0x100);
    d.used = (volatile u16 *)(QUEUE_AREA + 0x200);
    d.next = 0;
    d.notify = virtio_queue0(&f, QUEUE_AREA, QUEUE_SIZE);
    d.avail[0] = 1;                                /* VIRTQ_AVAIL_F_NO_INTERRUPT: we poll */

    /* Header, 512 bytes the device writes, status byte: one chain, reused for every read. */
    d.desc[0] = (struct virtq_desc){ REQUEST_AREA, 16, 1, 1 };
    d.desc[1] = (struct virtq_desc){ REQUEST_AREA + 0x100, 512, 1 | 2, 2 };
    d.desc[2] = (struct virtq_desc){ REQUEST_AREA + 0x400, 1, 2, 0 };

    u64 kicks = 0, failures = 0;
    for (int i = 0; i < READS; i++) {
        kicks += (u64)read_sector(&d, (u32)(i % 8));
        if (*(volatile u8 *)(REQUEST_AREA + 0x400) != 0) failures++;
    }
    put_string("reads ");
    put_decimal(READS);
    put_string(" failures ");
    put_decimal(failures);
    put_string(" notifications ");
    put_decimal(kicks);
    put_string("\n");

    while (d.used[0] & USED_F_NO_NOTIFY) cpu_relax(); /* the device stops polling once idle */
    put_string("idle read notified ");
    put_decimal((u64)read_sector(&d, 1));
    put_string(" status ");
    put_decimal(*(volatile u8 *)(REQUEST_AREA + 0x400));
    put_string("\n");

    while (!(inl(HOTPLUG_EJECT_REQUEST) & (1u << slot))) cpu_relax();
    release_slot(slot, f.common);
    put_string("released\n");
    power_off();
}
