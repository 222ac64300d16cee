/* Freestanding helpers for the tiny test guests: port I/O, the serial console, PCI config space through ECAM. */
#ifndef CLOUDBOX_TEST_GUEST_H
#define CLOUDBOX_TEST_GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

#define ECAM_BASE 0xE0000000UL

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline void outl(u16 port, u32 value) { __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("mfence" ::: "memory"); }

static inline void put_char(char c) { outb(0x3F8, (u8)c); }
static inline void put_string(const char *s) { while (*s) put_char(*s++); }
static inline void put_decimal(u64 v)
{
    char digits[20];
    int n = 0;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) put_char(digits[--n]);
}

static inline void __attribute__((noreturn)) power_off(void)
{
    outb(0x600, 0x34); /* SLP_TYP 5 | SLP_EN */
    for (;;) __asm__ volatile("hlt");
}

static inline volatile u8 *pci_config(int slot) { return (volatile u8 *)(ECAM_BASE + ((u64)slot << 15)); }
static inline u16 pci_read16(int slot, int offset) { return *(volatile u16 *)(pci_config(slot) + offset); }
static inline u32 pci_read32(int slot, int offset) { return *(volatile u32 *)(pci_config(slot) + offset); }

/* The 64-bit memory BAR 0 of a function (BAR 0 low, BAR 1 high). */
static inline u64 bar_address(int slot)
{
    return ((u64)pci_read32(slot, 0x14) << 32) | (pci_read32(slot, 0x10) & ~0xFUL);
}

/* Finds the virtio vendor capability of a type; returns its config offset, or 0. */
static inline int find_capability(int slot, u8 type)
{
    int at = *(pci_config(slot) + 0x34);
    while (at) {
        if (*(pci_config(slot) + at) == 0x09 && *(pci_config(slot) + at + 3) == type) return at;
        at = *(pci_config(slot) + at + 1);
    }
    return 0;
}

/* The VMM's ACPI PCI hot-plug registers (ports): slots inserted, eject requests, slots the guest released. */
#define HOTPLUG_INSERTED 0xAE00
#define HOTPLUG_EJECT_REQUEST 0xAE04
#define HOTPLUG_EJECTED 0xAE08

struct virtq_desc { u64 addr; u32 len; u16 flags; u16 next; };

/* Waits for the VMM's insertion notice; returns the slot of the function that appeared. */
static inline int wait_for_insertion(void)
{
    u32 inserted;
    while (!(inserted = inl(HOTPLUG_INSERTED))) cpu_relax();
    return __builtin_ctz(inserted);
}

/* The windows of a modern virtio-pci function (all in its 64-bit BAR): common and device config, queue notify. */
struct virtio_pci {
    volatile u8 *common, *device;
    u64 notify_base;
    u32 notify_multiplier;
};

static inline struct virtio_pci virtio_pci_windows(int slot)
{
    u64 bar = bar_address(slot);
    int common_cap = find_capability(slot, 1), notify_cap = find_capability(slot, 2), device_cap = find_capability(slot, 4);
    struct virtio_pci f;
    f.common = (volatile u8 *)(bar + pci_read32(slot, common_cap + 8));
    f.device = (volatile u8 *)(bar + pci_read32(slot, device_cap + 8));
    f.notify_base = bar + pci_read32(slot, notify_cap + 8);
    f.notify_multiplier = pci_read32(slot, notify_cap + 16);
    return f;
}

/* Resets the function and negotiates VERSION_1 plus the offered ones of `low_features`; 0 if the device refuses. */
static inline int virtio_negotiate(volatile u8 *common, u32 low_features)
{
    common[0x14] = 0;                     /* reset */
    common[0x14] = 1 | 2;                 /* ACKNOWLEDGE | DRIVER */
    *(volatile u32 *)(common + 0x00) = 0; /* device feature select: low word */
    u32 offered = *(volatile u32 *)(common + 0x04);
    *(volatile u32 *)(common + 0x08) = 0; /* driver features, low word */
    *(volatile u32 *)(common + 0x0C) = offered & low_features;
    *(volatile u32 *)(common + 0x08) = 1; /* high word: VERSION_1 */
    *(volatile u32 *)(common + 0x0C) = 1;
    common[0x14] = 1 | 2 | 8;             /* FEATURES_OK */
    return (common[0x14] & 8) != 0;
}

/* Sets up queue 0 with `size` entries in `area` (descriptors, avail ring at +0x100, used ring at +0x200, zeroed) and
 * sets DRIVER_OK; returns the queue's notify register. */
static inline volatile u16 *virtio_queue0(const struct virtio_pci *f, u64 area, u16 size)
{
    volatile u8 *common = f->common;
    for (u64 i = 0; i < 0x1000; i++) ((volatile u8 *)area)[i] = 0;
    *(volatile u16 *)(common + 0x16) = 0;    /* queue_select */
    *(volatile u16 *)(common + 0x18) = size; /* queue_size */
    u16 notify_off = *(volatile u16 *)(common + 0x1E);
    *(volatile u64 *)(common + 0x20) = area;
    *(volatile u64 *)(common + 0x28) = area + 0x100;
    *(volatile u64 *)(common + 0x30) = area + 0x200;
    *(volatile u16 *)(common + 0x1C) = 1;    /* queue_enable */
    common[0x14] = 1 | 2 | 8 | 4;            /* DRIVER_OK */
    return (volatile u16 *)(f->notify_base + (u64)notify_off * f->notify_multiplier);
}

/* Lets go of a function the VMM asked to eject: device reset, the acknowledgement the slot's _EJ0 writes, then
 * waits until the slot reads empty. */
static inline void release_slot(int slot, volatile u8 *common)
{
    common[0x14] = 0;
    outl(HOTPLUG_EJECTED, 1u << slot);
    while (pci_read16(slot, 0) != 0xFFFF) cpu_relax();
}

#endif
