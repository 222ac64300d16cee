/*
 * NIC hot-plug guest: waits for the VMM's insertion notice, finds the new function in config space, checks it is a
 * modern virtio-net device, negotiates VIRTIO_NET_F_MAC and prints the MAC from its device config, then waits for
 * the eject request, resets the device, acknowledges like the slot's _EJ0 does, and checks the slot reads empty.
 */
#include "guest.h"

static void put_hex_byte(u8 b)
{
    const char *digits = "0123456789abcdef";
    put_char(digits[b >> 4]);
    put_char(digits[b & 15]);
}

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
    put_string("ready\n");
    int slot = wait_for_insertion();
    put_string("inserted slot ");
    put_decimal((u64)slot);
    put_string(pci_read16(slot, 0) == 0x1AF4 && pci_read16(slot, 2) == 0x1041 ? " virtio-net" : " unknown device");
    put_string(pci_read32(slot, 8) >> 8 == 0x020000 ? " ethernet\n" : " not ethernet\n");

    struct virtio_pci f = virtio_pci_windows(slot);
    if (!virtio_negotiate(f.common, 1u << 5)) { put_string("features refused\n"); power_off(); } /* VIRTIO_NET_F_MAC */
    volatile u8 *device = f.device;
    put_string("mac ");
    for (int i = 0; i < 6; i++) {
        if (i) put_char(':');
        put_hex_byte(device[i]);
    }
    put_string("\n");

    while (!(inl(HOTPLUG_EJECT_REQUEST) & (1u << slot))) cpu_relax();
    put_string("eject requested\n");
    release_slot(slot, f.common);
    put_string("slot empty\n");
    power_off();
}
