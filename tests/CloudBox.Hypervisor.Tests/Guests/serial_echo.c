/* A guest that answers on its serial port: prints a banner, then echoes every received byte upper-cased (polling LSR). */
#include "guest.h"

static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
    put_string("echo ready\n");
    for (;;) {
        if (!(inb(0x3F8 + 5) & 0x01)) { cpu_relax(); continue; } /* LSR: data ready */
        char c = (char)inb(0x3F8);
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        put_char(c);
    }
}
