/* A guest that never answers hot-plug events: prints once, then idles with interrupts off. */
#include "guest.h"

void __attribute__((section(".text.start"), noreturn)) _start(void)
{
    put_string("ignoring hot-plug\n");
    for (;;) __asm__ volatile("hlt");
}
