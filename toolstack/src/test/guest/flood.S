/* A 512-byte boot sector for the console tests: it prints 200000 numbered lines on COM1
 * ("flood 0000000" up to "flood 0199999", 15 bytes each: 3,000,000 bytes, more than the default
 * console bound of 2 MiB), then "flood-guest: done" and halts. */
        .code16
        .globl _start
_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %ss
        movw $0x7c00, %sp
        movl $200000, %ecx
line:   movw $buf, %si
        call puts
        movw $buf+12, %di       /* the last digit: increment with carry */
inc:    incb (%di)
        cmpb $0x3a, (%di)       /* past '9' */
        jne 1f
        movb $0x30, (%di)
        decw %di
        jmp inc
1:      decl %ecx
        jnz line
        movw $done, %si
        call puts
2:      hlt
        jmp 2b

puts:   lodsb
        testb %al, %al
        jz 4f
        movb %al, %bl
        movw $0x3fd, %dx        /* line status: wait for the transmitter (bit 5) */
3:      inb %dx, %al
        testb $0x20, %al
        jz 3b
        movb %bl, %al
        movw $0x3f8, %dx
        outb %al, %dx
        jmp puts
4:      ret

buf:    .asciz "flood 0000000\r\n"
done:   .asciz "flood-guest: done\r\n"
        .org 510
        .word 0xaa55
