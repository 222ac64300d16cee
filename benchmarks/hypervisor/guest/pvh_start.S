/*
 * PVH entry of the benchmark guest and of the C test guests Compute boots (tests/CloudBox.Compute.Tests/PvhGuest.cs): both VMMs enter here in 32-bit protected mode, paging off (the
 * XEN_ELFNOTE_PHYS32_ENTRY note names this address). Identity-map the first 4 GiB with 2 MiB pages, enter long
 * mode, call guest_main(start_info). enter_ring3(function) continues in ring 3 with IOPL 3 (port I/O still
 * allowed) and never returns.
 */
    .section .note.pvh, "a"
    .p2align 2
    .long 4, 4, 18            /* name size, desc size, XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .long pvh_start

    .section .text.start, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    /* Page tables at 0x10000: PML4, PDPT, four page directories. */
    mov $0x10000, %edi
    mov $(6 * 4096 / 4), %ecx
    xor %eax, %eax
    rep stosl
    movl $0x11007, 0x10000          /* PML4[0] -> PDPT (user bit at every level) */
    mov $0x11000, %edi
    movl $0x12007, 0(%edi)
    movl $0x13007, 8(%edi)
    movl $0x14007, 16(%edi)
    movl $0x15007, 24(%edi)
    mov $0x12000, %edi              /* 2048 PDEs, 2 MiB each */
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x87, %eax                  /* present, writable, user, 2 MiB (the ring-3 spin runs here too) */
    mov %eax, (%edi, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax
    mov %eax, 4(%edi, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b
    mov $0x10000, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax                  /* PAE */
    mov %eax, %cr4
    mov $0xC0000080, %ecx           /* EFER.LME */
    rdmsr
    or $0x100, %eax
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax            /* PG | PE */
    mov %eax, %cr0
    lgdt gdt_pointer
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x80000, %rsp
    mov %ebx, %edi                  /* hvm_start_info (ebx survives the mode switch) */
    call guest_main
2:  hlt
    jmp 2b

    .globl enter_ring3
enter_ring3:                        /* rdi: function to run in ring 3 */
    pushq $0x1b                     /* ss */
    pushq $0x70000                  /* rsp */
    pushq $0x3002                   /* rflags: IOPL 3 */
    pushq $0x23                     /* cs */
    pushq %rdi                      /* rip */
    iretq

    /* SYSCALL target (LSTAR) of the "syscall" probe: record the code segment the CPU (or the host's emulation)
       entered with; return with SYSRETQ from ring 0, or jump straight back if it is still ring 3 (SYSRETQ would
       fault there). */
    .globl syscall_entry
syscall_entry:
    mov %cs, %eax
    mov %eax, syscall_cs(%rip)
    test $3, %eax
    jnz 1f
    sysretq
1:  jmp *%rcx

    /* Here rather than in bench.c: every guest linked with this entry code has it (the C test guests too). */
    .section .data
    .globl syscall_cs
    .p2align 2
syscall_cs:
    .long 0xFFFF

    .section .text.start, "ax"

    .p2align 3
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF        /* 64-bit code */
    .quad 0x00CF92000000FFFF        /* data */
    .quad 0x00CFF2000000FFFF        /* ring-3 data (selector 0x1b) */
    .quad 0x00AFFA000000FFFF        /* ring-3 64-bit code (selector 0x23) */
gdt_pointer:
    .word gdt_pointer - gdt - 1
    .long gdt
    .section .note.GNU-stack, "", @progbits
