/*
 * Benchmark guest, booted the same way (PVH) by cloudbox vmm and QEMU (microvm, PCIe on). Prints CLOUDBOX-BENCH-START at once; with
 * "bench" on its command line it then times (host side, from the console) a loop of port writes to the UART's
 * scratch register, 4 KiB random reads through a virtio-blk (modern virtio-pci) device at queue depth 1 with
 * polling, prints DONE, waits for one byte on the serial line (the host samples memory meanwhile) and powers off:
 * port 0xF4 (QEMU's isa-debug-exit) then the ACPI sleep register 0x600 (cloudbox).
 */
#include "../../../tests/CloudBox.Hypervisor.Tests/Guests/guest.h"

#define EXIT_LOOPS 50000
#define READS 20000
#define SPIN_LOOPS 200000
#define SPIN_RING3_LOOPS 100000000
#define QUEUE_AREA 0x400000UL
#define REQUEST_AREA 0x500000UL

struct virtq_desc { u64 addr; u32 len; u16 flags; u16 next; };

static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* PCI configuration through ECAM at 0xE0000000: cloudbox's window, and QEMU microvm's (pcie=on) GPEX window. */
static u32 config_read(int slot, int offset) { return pci_read32(slot, offset & 0xFC); }

static void config_write(int slot, int offset, u32 value) { *(volatile u32 *)(pci_config(slot) + (offset & 0xFC)) = value; }

static u8 config_byte(int slot, int offset) { return (u8)(config_read(slot, offset) >> ((offset & 3) * 8)); }

static int find_capability(int slot, u8 type)
{
    int at = config_byte(slot, 0x34);
    while (at) {
        if (config_byte(slot, at) == 0x09 && config_byte(slot, at + 3) == type) return at;
        at = config_byte(slot, at + 1);
    }
    return 0;
}

static u64 bar_of(int slot, int bar)
{
    u32 low = config_read(slot, 0x10 + bar * 4);
    u64 address = low & ~0xFUL;
    if ((low & 6) == 4) address |= (u64)config_read(slot, 0x14 + bar * 4) << 32;
    return address;
}

static int has_word(const char *text, const char *word)
{
    for (; *text; text++) {
        int i = 0;
        while (word[i] && text[i] == word[i]) i++;
        if (!word[i]) return 1;
    }
    return 0;
}

static void block_reads(void)
{
    int slot = -1;
    for (int s = 0; s < 32 && slot < 0; s++)
        if (config_read(s, 0) == 0x10421AF4u) slot = s;
    if (slot < 0) { put_string("BLK none\n"); return; }
    int common_cap = find_capability(slot, 1), notify_cap = find_capability(slot, 2), device_cap = find_capability(slot, 4);
    /* No firmware assigned the BAR (QEMU microvm): place it in the 32-bit window ourselves. */
    int bar = config_byte(slot, common_cap + 4);
    if (!bar_of(slot, bar)) { config_write(slot, 0x10 + bar * 4, 0xC0000000u); config_write(slot, 0x14 + bar * 4, 0); }
    config_write(slot, 0x04, config_read(slot, 0x04) | 0x6); /* memory decoding, bus master */
    volatile u8 *common = (volatile u8 *)(bar_of(slot, config_byte(slot, common_cap + 4)) + config_read(slot, common_cap + 8));
    volatile u8 *device = (volatile u8 *)(bar_of(slot, config_byte(slot, device_cap + 4)) + config_read(slot, device_cap + 8));
    u64 notify_base = bar_of(slot, config_byte(slot, notify_cap + 4)) + config_read(slot, notify_cap + 8);
    u32 multiplier = config_read(slot, notify_cap + 16);

    common[0x14] = 0;
    common[0x14] = 1 | 2;
    *(volatile u32 *)(common + 0x08) = 1;
    *(volatile u32 *)(common + 0x0C) = 1; /* VERSION_1 only */
    common[0x14] = 1 | 2 | 8;
    if (!(common[0x14] & 8)) { put_string("BLK features refused\n"); return; }
    u64 sectors = *(volatile u64 *)device;
    struct virtq_desc *desc = (struct virtq_desc *)QUEUE_AREA;
    volatile u16 *avail = (volatile u16 *)(QUEUE_AREA + 0x100);
    volatile u16 *used = (volatile u16 *)(QUEUE_AREA + 0x200);
    for (u64 i = 0; i < 0x1000; i++) ((volatile u8 *)QUEUE_AREA)[i] = 0;
    *(volatile u16 *)(common + 0x16) = 0;
    *(volatile u16 *)(common + 0x18) = 8;
    *(volatile u16 *)(common + 0x1A) = 0xFFFF; /* no interrupt: we poll */
    volatile u16 *notify = (volatile u16 *)(notify_base + (u64)*(volatile u16 *)(common + 0x1E) * multiplier);
    *(volatile u64 *)(common + 0x20) = QUEUE_AREA;
    *(volatile u64 *)(common + 0x28) = QUEUE_AREA + 0x100;
    *(volatile u64 *)(common + 0x30) = QUEUE_AREA + 0x200;
    *(volatile u16 *)(common + 0x1C) = 1;
    common[0x14] = 1 | 2 | 8 | 4;

    volatile u32 *header = (volatile u32 *)REQUEST_AREA;
    volatile u8 *status = (volatile u8 *)(REQUEST_AREA + 0x80);
    desc[0] = (struct virtq_desc){ REQUEST_AREA, 16, 1, 1 };
    desc[1] = (struct virtq_desc){ REQUEST_AREA + 0x1000, 4096, 1 | 2, 2 };
    desc[2] = (struct virtq_desc){ REQUEST_AREA + 0x80, 1, 2, 0 };
    u64 blocks = sectors / 8, seed = 12345, failures = 0;
    u16 index = 0;
    put_string("BLK-BEGIN\n");
    for (int i = 0; i < READS; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        u64 sector = ((seed >> 33) % blocks) * 8;
        header[0] = 0; header[1] = 0; header[2] = (u32)sector; header[3] = (u32)(sector >> 32);
        *status = 0xFF;
        avail[2 + (index % 8)] = 0;
        index++;
        barrier();
        avail[1] = index;
        barrier();
        *notify = 0;
        while (used[1] != index) cpu_relax();
        if (*status != 0) failures++;
    }
    put_string("BLK-END reads=");
    put_decimal(READS);
    put_string(" failures=");
    put_decimal(failures);
    put_string("\n");
    common[0x14] = 0;
}

void enter_ring3(void (*function)(void)) __attribute__((noreturn));

static void __attribute__((noreturn)) finish(void)
{
    put_string("CLOUDBOX-BENCH-END\n");
    outb(0xF4, 0);
    outb(0x600, 0x34);
    for (;;) cpu_relax();
}

/* The rest of the run, in ring 3 (IOPL 3): the same loop as user code, then the memory sample and power-off. */
static void __attribute__((noreturn)) in_ring3(void)
{
    put_string("SPIN3-BEGIN\n");
    for (u32 i = SPIN_RING3_LOOPS; i; i--) __asm__ volatile("" : "+r"(i));
    put_string("SPIN3-END n=");
    put_decimal(SPIN_RING3_LOOPS);
    put_string("\n");
    put_string("DONE\n");
    while (!(inb(0x3FD) & 1)) cpu_relax(); /* wait for the host's byte */
    (void)inb(0x3F8);
    finish();
}

void bench_main(u32 start_info)
{
    put_string("CLOUDBOX-BENCH-START\n");
    const char *cmdline = (const char *)*(volatile u64 *)((u64)start_info + 24);
    if (cmdline && has_word(cmdline, "bench")) {
        put_string("EXITS-BEGIN\n");
        for (int i = 0; i < EXIT_LOOPS; i++) outb(0x3FF, (u8)i); /* UART scratch register: a userspace exit in both VMMs */
        put_string("EXITS-END n=");
        put_decimal(EXIT_LOOPS);
        put_string("\n");
        block_reads();
        /* Pure ring-0 arithmetic, no exits: native speed on VMX/SVM, emulator speed where the host runs a guest
           kernel's code through KVM's instruction emulator (kvm_pvm with a guest that is not PVM-aware). */
        put_string("SPIN-BEGIN\n");
        for (u32 i = SPIN_LOOPS; i; i--) __asm__ volatile("" : "+r"(i));
        put_string("SPIN-END n=");
        put_decimal(SPIN_LOOPS);
        put_string("\n");
        enter_ring3(in_ring3);
    }
    finish();
}
