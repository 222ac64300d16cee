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
    u32 inserted;
    while (!(inserted = inl(HOTPLUG_INSERTED))) cpu_relax();
    int slot = __builtin_ctz(inserted);
    put_string("inserted slot ");
    put_decimal((u64)slot);
    put_string(pci_read16(slot, 0) == 0x1AF4 && pci_read16(slot, 2) == 0x1041 ? " virtio-net" : " unknown device");
    put_string(pci_read32(slot, 8) >> 8 == 0x020000 ? " ethernet\n" : " not ethernet\n");

    u64 bar = ((u64)pci_read32(slot, 0x14) << 32) | (pci_read32(slot, 0x10) & ~0xFUL);
    int common_cap = find_capability(slot, 1), device_cap = find_capability(slot, 4);
    volatile u8 *common = (volatile u8 *)(bar + pci_read32(slot, common_cap + 8));
    volatile u8 *device = (volatile u8 *)(bar + pci_read32(slot, device_cap + 8));

    common[0x14] = 0;                     /* reset */
    common[0x14] = 1 | 2;                 /* ACKNOWLEDGE | DRIVER */
    *(volatile u32 *)(common + 0x00) = 0; /* device feature select: low word */
    u32 offered = *(volatile u32 *)(common + 0x04);
    *(volatile u32 *)(common + 0x08) = 0; /* driver features, low word: MAC */
    *(volatile u32 *)(common + 0x0C) = offered & (1u << 5);
    *(volatile u32 *)(common + 0x08) = 1; /* high word: VERSION_1 */
    *(volatile u32 *)(common + 0x0C) = 1;
    common[0x14] = 1 | 2 | 8;             /* FEATURES_OK */
    if (!(common[0x14] & 8)) { put_string("features refused\n"); power_off(); }
    put_string("mac ");
    for (int i = 0; i < 6; i++) {
        if (i) put_char(':');
        put_hex_byte(device[i]);
    }
    put_string("\n");

    while (!(inl(HOTPLUG_EJECT_REQUEST) & (1u << slot))) cpu_relax();
    put_string("eject requested\n");
    common[0x14] = 0;
    outl(HOTPLUG_EJECTED, 1u << slot);
    while (pci_read16(slot, 0) != 0xFFFF) cpu_relax();
    put_string("slot empty\n");
    power_off();
}
