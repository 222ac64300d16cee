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

#endif
