/* A 512-byte boot sector for the console tests: it prints a ready line on COM1 and then echoes
 * every byte it receives there. It polls the 8250's line status register (0x3fd: bit 0 = data
 * ready, bit 5 = transmitter empty) and sleeps in hlt between BIOS timer ticks (IRQ0, 18.2 Hz) so
 * that a waiting guest costs no host CPU under TCG; the 16-byte FIFO (FCR 0x3fa) holds what
 * arrives between two ticks. */
        .code16
        .globl _start
_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %ss
        movw $0x7c00, %sp
        movw $0x3fa, %dx
        movb $0xc7, %al         /* FCR: FIFOs on, both cleared, receive trigger at 14 bytes */
        outb %al, %dx
        movw $msg, %si
1:      lodsb
        testb %al, %al
        jz 2f
        call putc
        jmp 1b
2:      sti
3:      movw $0x3fd, %dx
        inb %dx, %al
        testb $0x01, %al
        jnz 4f
        hlt
        jmp 3b
4:      movw $0x3f8, %dx
        inb %dx, %al
        call putc
        jmp 3b

putc:   movb %al, %bl
        movw $0x3fd, %dx
5:      inb %dx, %al
        testb $0x20, %al
        jz 5b
        movb %bl, %al
        movw $0x3f8, %dx
        outb %al, %dx
        ret

msg:    .asciz "echo-guest: ready\r\n"
        .org 510
        .word 0xaa55
