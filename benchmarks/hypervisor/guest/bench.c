/*
 * Benchmark guest, booted the same way (PVH) by cloudbox vmm and QEMU (microvm, PCIe on). Prints CLOUDBOX-BENCH-START at once; with
 * "bench" on its command line it then times (host side, from the console) a loop of port writes to the UART's
 * scratch register, 4 KiB random reads through a virtio-blk (modern virtio-pci) device at queue depth 1 with
 * polling (from ring 3), prints DONE, waits for one byte on the serial line (the host samples memory meanwhile) and
 * powers off: port 0xF4 (QEMU's isa-debug-exit) then the ACPI sleep register 0x600 (cloudbox). With "blk" (and
 * optionally n1=N n32=N, and "noflush" for a driver that does not accept VIRTIO_BLK_F_FLUSH) it runs only the disk
 * suite, in ring 3: 4 KiB random read and write at queue depth 1 and 32 with per-request TSC latencies (see blk_suite).
 */
#include "../../../tests/CloudBox.Hypervisor.Tests/Guests/guest.h"

#define EXIT_LOOPS 50000
#define READS 20000
#define SPIN_LOOPS 200000
#define SPIN_RING3_LOOPS 100000000
#define QUEUE_AREA 0x400000UL
#define REQUEST_AREA 0x500000UL

static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* PCI configuration through ECAM at 0xE0000000: cloudbox's window, and QEMU microvm's (pcie=on) GPEX window. */
static u32 config_read(int slot, int offset) { return pci_read32(slot, offset & 0xFC); }

static void config_write(int slot, int offset, u32 value) { *(volatile u32 *)(pci_config(slot) + (offset & 0xFC)) = value; }

static u8 config_byte(int slot, int offset) { return (u8)(config_read(slot, offset) >> ((offset & 3) * 8)); }

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

/* ---- virtio-blk from ring 3 ----
 * Everything the disk benchmarks do per request runs in ring 3 (IOPL 3, every page user-accessible): on hosts that
 * run a guest kernel's instructions through KVM's emulator (kvm_pvm, see README.md) ring 0 costs microseconds per
 * instruction, ring 3 runs natively, so only the device's own exits (the notify write, MMIO traps) remain. */

#define QUEUE_SIZE 128
#define MAX_DEPTH 32
#define DATA_AREA 0x600000UL    /* MAX_DEPTH data buffers of 4 KiB */
#define SLOT_TIMES 0x580000UL   /* per slot: TSC at submission */
#define LATENCY_AREA 0x1000000UL /* per request: cycles from submission to completion (u32) */
#define SORT_AREA 0x3000000UL
#define MAX_REQUESTS 0x400000UL /* 16 MiB of u32 latencies fits between the two areas */

struct blk {
    volatile u8 *common;
    volatile u16 *notify;
    struct virtq_desc *desc;
    volatile u16 *avail;        /* flags, idx, ring[QUEUE_SIZE] */
    volatile u16 *used;         /* flags, idx, then {u32 id, u32 len}[QUEUE_SIZE] */
    u16 queue_size, next_avail, next_used;
    u64 blocks, seed, kicks, batches;
};

static inline u64 rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }

static u64 number_after(const char *text, const char *key, u64 fallback)
{
    for (; *text; text++) {
        int i = 0;
        while (key[i] && text[i] == key[i]) i++;
        if (key[i]) continue;
        u64 v = 0;
        const char *p = text + i;
        if (*p < '0' || *p > '9') return fallback;
        while (*p >= '0' && *p <= '9') v = v * 10 + (u64)(*p++ - '0');
        return v;
    }
    return fallback;
}

/* Finds the first virtio-blk function, negotiates VERSION_1 only, sets up queue 0 without interrupts (we poll). */
static int blk_open(struct blk *b, int accept_flush)
{
    int slot = -1;
    for (int s = 0; s < 32 && slot < 0; s++)
        if (config_read(s, 0) == 0x10421AF4u) slot = s;
    if (slot < 0) { put_string("BLK none\n"); return 0; }
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
    /* VERSION_1, and FLUSH when offered, as Linux does: a driver without FLUSH gets a write-through cache from QEMU
     * and cloudbox (every write durable before it completes), which measures the disk's flush, not the VMM; the
     * "noflush" word asks for exactly that, to measure what write-through costs. */
    *(volatile u32 *)(common + 0x00) = 0;
    u32 offered = *(volatile u32 *)(common + 0x04);
    *(volatile u32 *)(common + 0x08) = 0;
    *(volatile u32 *)(common + 0x0C) = accept_flush ? offered & (1u << 9) : 0;
    *(volatile u32 *)(common + 0x08) = 1;
    *(volatile u32 *)(common + 0x0C) = 1;
    common[0x14] = 1 | 2 | 8;
    if (!(common[0x14] & 8)) { put_string("BLK features refused\n"); return 0; }
    b->common = common;
    b->blocks = *(volatile u64 *)device / 8;
    b->desc = (struct virtq_desc *)QUEUE_AREA;
    b->avail = (volatile u16 *)(QUEUE_AREA + 0x1000);
    b->used = (volatile u16 *)(QUEUE_AREA + 0x2000);
    for (u64 i = 0; i < 0x3000; i++) ((volatile u8 *)QUEUE_AREA)[i] = 0;
    *(volatile u16 *)(common + 0x16) = 0;
    u16 size = *(volatile u16 *)(common + 0x18);
    if (size > QUEUE_SIZE) size = QUEUE_SIZE;
    b->queue_size = size;
    *(volatile u16 *)(common + 0x18) = size;
    *(volatile u16 *)(common + 0x1A) = 0xFFFF; /* no interrupt */
    b->notify = (volatile u16 *)(notify_base + (u64)*(volatile u16 *)(common + 0x1E) * multiplier);
    *(volatile u64 *)(common + 0x20) = QUEUE_AREA;
    *(volatile u64 *)(common + 0x28) = QUEUE_AREA + 0x1000;
    *(volatile u64 *)(common + 0x30) = QUEUE_AREA + 0x2000;
    *(volatile u16 *)(common + 0x1C) = 1;
    common[0x14] = 1 | 2 | 8 | 4;
    b->avail[0] = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    b->next_avail = b->next_used = 0;
    b->seed = 12345;
    /* Slot s owns descriptors 3s (header), 3s+1 (4 KiB of data), 3s+2 (status). */
    for (int s = 0; s < MAX_DEPTH && 3 * s + 2 < size; s++) {
        b->desc[3 * s] = (struct virtq_desc){ REQUEST_AREA + 16 * s, 16, 1, 3 * s + 1 };
        b->desc[3 * s + 1] = (struct virtq_desc){ DATA_AREA + 0x1000UL * s, 4096, 1, 3 * s + 2 };
        b->desc[3 * s + 2] = (struct virtq_desc){ REQUEST_AREA + 0x800 + s, 1, 2, 0 };
    }
    /* Touch every data buffer: first-touch page faults stay out of the measurement, and writes carry data. */
    for (u64 i = 0; i < MAX_DEPTH * 4096UL / 8; i++) ((volatile u64 *)DATA_AREA)[i] = i * 0x9E3779B97F4A7C15UL;
    return 1;
}

/* Puts request `slot` (a random 4 KiB block) in the avail ring; published later, one index write per batch. */
static inline void blk_queue(struct blk *b, int slot, int write)
{
    b->seed = b->seed * 6364136223846793005UL + 1442695040888963407UL;
    u64 sector = ((b->seed >> 33) % b->blocks) * 8;
    volatile u32 *header = (volatile u32 *)(REQUEST_AREA + 16 * slot);
    header[0] = write ? 1 : 0; header[1] = 0; header[2] = (u32)sector; header[3] = (u32)(sector >> 32);
    ((volatile u8 *)(REQUEST_AREA + 0x800))[slot] = 0xFF;
    b->desc[3 * slot + 1].flags = write ? 1 : 1 | 2;
    b->avail[2 + b->next_avail % b->queue_size] = (u16)(3 * slot);
    b->next_avail++;
}

/* Publishes the queued requests and notifies, unless the device said it is already looking (VIRTQ_USED_F_NO_NOTIFY). */
static inline void blk_kick(struct blk *b)
{
    barrier();
    b->avail[1] = b->next_avail;
    barrier();
    if (!(b->used[0] & 1)) { *b->notify = 0; b->kicks++; }
}

/* LSD radix sort of n u32 values, 8 bits a pass; the result ends in `values`. */
static void sort_u32(u32 *values, u32 *scratch, u64 n)
{
    u64 count[256];
    for (int shift = 0; shift < 32; shift += 8) {
        for (int i = 0; i < 256; i++) count[i] = 0;
        for (u64 i = 0; i < n; i++) count[(values[i] >> shift) & 0xFF]++;
        u64 sum = 0;
        for (int i = 0; i < 256; i++) { u64 c = count[i]; count[i] = sum; sum += c; }
        for (u64 i = 0; i < n; i++) scratch[count[(values[i] >> shift) & 0xFF]++] = values[i];
        u32 *t = values; values = scratch; scratch = t;
    }
}

/* n random 4 KiB requests with `depth` in flight: fill, then per completed batch resubmit and notify once. Prints
 * "BLK rw=.. qd=.. n=.. failures=.. cycles=.. p50=.. p99=.. max=.." (latencies in TSC cycles, submission to the
 * driver seeing the used entry). */
static u64 blk_run(struct blk *b, int write, int depth, u64 n, int report)
{
    if (n > MAX_REQUESTS) n = MAX_REQUESTS;
    if (depth > MAX_DEPTH) depth = MAX_DEPTH;
    if (3 * depth > b->queue_size) depth = b->queue_size / 3;
    if ((u64)depth > n) depth = (int)n;
    u64 *started = (u64 *)SLOT_TIMES;
    u32 *latency = (u32 *)LATENCY_AREA;
    volatile u8 *status = (volatile u8 *)(REQUEST_AREA + 0x800);
    u64 submitted = 0, done = 0, failures = 0;
    b->kicks = b->batches = 0;
    u64 begin = rdtsc();
    for (int s = 0; s < depth; s++) { blk_queue(b, s, write); submitted++; }
    u64 now = rdtsc();
    for (int s = 0; s < depth; s++) started[s] = now;
    blk_kick(b);
    while (done < n) {
        u16 seen;
        while ((seen = b->used[1]) == b->next_used) cpu_relax();
        now = rdtsc();
        barrier();
        b->batches++;
        int queued = 0;
        while (b->next_used != seen) {
            u32 id = *(volatile u32 *)((volatile u8 *)b->used + 4 + 8 * (b->next_used % b->queue_size));
            int slot = (int)(id / 3);
            u64 cycles = now - started[slot];
            latency[done++] = cycles > 0xFFFFFFFFUL ? 0xFFFFFFFFu : (u32)cycles;
            if (status[slot] != 0) failures++;
            b->next_used++;
            if (submitted < n) { blk_queue(b, slot, write); started[slot] = now; submitted++; queued = 1; }
        }
        if (queued) blk_kick(b);
    }
    u64 total = rdtsc() - begin;
    if (!report) return failures;
    sort_u32(latency, (u32 *)SORT_AREA, n); /* four passes: the result is back in `latency` */
    put_string(write ? "BLK rw=randwrite" : "BLK rw=randread");
    put_string(" qd="); put_decimal(depth);
    put_string(" n="); put_decimal(n);
    put_string(" failures="); put_decimal(failures);
    put_string(" cycles="); put_decimal(total);
    put_string(" p50="); put_decimal(latency[n / 2]);
    put_string(" p99="); put_decimal(latency[n * 99 / 100]);
    put_string(" max="); put_decimal(latency[n - 1]);
    put_string(" kicks="); put_decimal(b->kicks);
    put_string(" batches="); put_decimal(b->batches);
    put_string("\n");
    return failures;
}

static void print_tsc(const char *label)
{
    put_string(label);
    put_string(" tsc=");
    put_decimal(rdtsc());
    put_string("\n");
}

/* The disk suite ("blk" mode): random read and write at queue depth 1 and 32, n1=/n32= requests each. The host
 * times the TSC-* lines to convert cycles to seconds. */
static void blk_suite(const char *cmdline)
{
    struct blk b;
    if (!blk_open(&b, !has_word(cmdline, "noflush"))) return;
    u64 n1 = number_after(cmdline, "n1=", 20000), n32 = number_after(cmdline, "n32=", 100000);
    blk_run(&b, 0, MAX_DEPTH, 2048, 0); /* warm-up: device threads, host page tables, buffers */
    print_tsc("TSC-BEGIN");
    blk_run(&b, 0, 1, n1, 1);
    blk_run(&b, 1, 1, n1, 1);
    blk_run(&b, 0, MAX_DEPTH, n32, 1);
    blk_run(&b, 1, MAX_DEPTH, n32, 1);
    print_tsc("TSC-END");
    b.common[0x14] = 0;
}

/* The QD1 read count of "bench" mode, kept comparable with earlier runs (BLK-BEGIN/BLK-END timed by the host). */
static void block_reads(void)
{
    struct blk b;
    if (!blk_open(&b, 1)) return;
    put_string("BLK-BEGIN\n");
    u64 failures = blk_run(&b, 0, 1, READS, 0);
    put_string("BLK-END reads=");
    put_decimal(READS);
    put_string(" failures=");
    put_decimal(failures);
    put_string("\n");
    b.common[0x14] = 0;
}

void enter_ring3(void (*function)(void)) __attribute__((noreturn));

static void __attribute__((noreturn)) finish(void)
{
    put_string("CLOUDBOX-BENCH-END\n");
    outb(0xF4, 0);
    outb(0x600, 0x34);
    for (;;) cpu_relax();
}

/* The command line, for the ring-3 part (in .data: the linker script drops .bss). */
static const char *saved_cmdline __attribute__((section(".data"))) = 0;

/* "syscall" probe: does SYSCALL from ring 3 reach ring 0? Linux user space enters the kernel this way. */
void syscall_entry(void);
extern u32 syscall_cs; /* pvh_start.S */

static void wrmsr(u32 msr, u64 value) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32))); }
static u64 rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }

static void __attribute__((noreturn)) syscall_ring3(void);

static void __attribute__((noreturn)) syscall_probe(void)
{
    wrmsr(0xC0000080, rdmsr(0xC0000080) | 1);            /* EFER.SCE */
    wrmsr(0xC0000081, (0x10ULL << 48) | (0x08ULL << 32)); /* STAR: kernel CS 0x08/SS 0x10; SYSRET to 0x23/0x1b */
    wrmsr(0xC0000082, (u64)syscall_entry);                 /* LSTAR */
    wrmsr(0xC0000084, 0x200);                              /* SFMASK: IF */
    enter_ring3(syscall_ring3);
}

static void __attribute__((noreturn)) syscall_ring3(void)
{
    __asm__ volatile("syscall" : : : "rax", "rcx", "r11", "memory");
    u16 cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    put_string("SYSCALL-ENTRY-CS ");
    put_decimal(syscall_cs);
    put_string(" RETURN-CS ");
    put_decimal(cs);
    put_string(syscall_cs == 8 ? " ring0-entered\n" : " ring0-NOT-entered\n");
    finish();
}

/* "blk" mode: the disk suite, all of it in ring 3, then power-off. */
static void __attribute__((noreturn)) blk_ring3(void)
{
    blk_suite(saved_cmdline);
    finish();
}

/* The rest of the run, in ring 3 (IOPL 3): QD1 reads, the same loop as user code, then the memory sample and
 * power-off. */
static void __attribute__((noreturn)) in_ring3(void)
{
    block_reads();
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

void guest_main(u32 start_info)
{
    put_string("CLOUDBOX-BENCH-START\n");
    const char *cmdline = (const char *)*(volatile u64 *)((u64)start_info + 24);
    saved_cmdline = cmdline;
    if (cmdline && has_word(cmdline, "blk")) enter_ring3(blk_ring3);
    if (cmdline && has_word(cmdline, "syscall")) syscall_probe();
    if (cmdline && has_word(cmdline, "bench")) {
        put_string("EXITS-BEGIN\n");
        for (int i = 0; i < EXIT_LOOPS; i++) outb(0x3FF, (u8)i); /* UART scratch register: a userspace exit in both VMMs */
        put_string("EXITS-END n=");
        put_decimal(EXIT_LOOPS);
        put_string("\n");
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
