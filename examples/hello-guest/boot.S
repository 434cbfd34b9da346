/* A 512-byte boot sector: SeaBIOS loads it at 0x7c00 in real mode. It prints a line on COM1
 * (I/O port 0x3f8, 8250 UART as QEMU's isa-serial emulates it) and then halts forever. */
        .code16
        .globl _start
_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw $msg, %si
        movw $0x3f8, %dx
1:      lodsb
        testb %al, %al
        jz 2f
        outb %al, %dx
        jmp 1b
2:      hlt
        jmp 2b
msg:    .asciz "dmjail-guest: hello from a confined domain\r\n"
        .org 510
        .word 0xaa55
