/*
 * boot.S: the smallest guest that behaves like an operating system towards the QEMU
 * driver's tests. QEMU loads it with -kernel (multiboot, 32-bit protected mode).
 *
 * It finds the FADT (RSDP -> RSDT -> FACP) and the \_S5 sleep type in the DSDT,
 * switches the chipset to ACPI mode, enables the power button event, prints
 * "virtunit-tiny ready" on COM1 and idles in hlt with only the SCI unmasked. When the
 * power button is pressed (QMP system_powerdown) it enters S5, which QEMU reports
 * exactly as a guest poweroff (SHUTDOWN, reason guest-shutdown). With "nopower" on the
 * command line it ignores the button, for tests of a shutdown that times out; with
 * "panic" it reports a crash through the pvpanic device (GUEST_PANICKED) once ready.
 */
	.set MB_MAGIC, 0x1BADB002
	.set MB_FLAGS, 0
	.set COM1, 0x3f8
	.set SIG_RSD, 0x20445352	/* "RSD " */
	.set SIG_PTR, 0x20525450	/* "PTR " */
	.set SIG_FACP, 0x50434146	/* "FACP" */
	.set SIG_S5, 0x5f35535f		/* "_S5_" */
	.set PWRBTN, 0x100		/* PM1 status/enable bit 8 */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	movl %ebx, %ebp			/* multiboot information */
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss

	call serial_init

	testl $4, (%ebp)		/* is there a command line? */
	jz 2f
	movl 16(%ebp), %esi
	movl $word_panic, %ebx
	movl $5, %edx
	call has_word
	jnz 3f
	movl $msg_ready, %esi
	call puts
	movl $msg_panic, %esi
	call puts
	movb $1, %al			/* pvpanic: the guest panicked */
	movw $0x505, %dx
	outb %al, %dx
	jmp stuck
3:	movl 16(%ebp), %esi
	movl $word_nopower, %ebx
	movl $7, %edx
	call has_word
	jnz 2f
	movl $msg_ignore, %esi
	call puts
	movl $msg_ready, %esi
	call puts
stuck:	hlt				/* interrupts stay off: nothing wakes us */
	jmp stuck
no_acpi:
	movl $msg_noacpi, %esi
	call puts
	jmp stuck

2:	call find_fadt
	testl %edi, %edi
	jz no_acpi
	call read_fadt
	call find_s5
	call acpi_enable
	call setup_idt

	movw pm1a_evt, %dx		/* clear, then enable the power button event */
	movw $PWRBTN, %ax
	outw %ax, %dx
	addw pm1_en_off, %dx
	outw %ax, %dx
	call unmask_sci
	movl $msg_ready, %esi		/* only now is a button press sure to be seen */
	call puts
idle:	sti
	hlt
	jmp idle

/* ---- the interrupt handler: every vector comes here ---- */
isr:
	pushal
	movw pm1a_evt, %dx
	inw %dx, %ax
	testw $PWRBTN, %ax
	jnz power_off
	movb $0x20, %al			/* end of interrupt, both PICs */
	outb %al, $0xa0
	outb %al, $0x20
	popal
	iret

power_off:
	movl $msg_power, %esi
	call puts
	movw slp_a, %ax
	shlw $10, %ax
	orw $0x2000, %ax		/* SLP_EN */
	movw pm1a_cnt, %dx
	outw %ax, %dx
	movw pm1b_cnt, %dx
	testw %dx, %dx
	jz stuck
	movw slp_b, %ax
	shlw $10, %ax
	orw $0x2000, %ax
	outw %ax, %dx
	jmp stuck

/* ---- serial port ---- */
serial_init:
	movw $COM1+1, %dx
	xorb %al, %al
	outb %al, %dx			/* no interrupts */
	movw $COM1+3, %dx
	movb $0x80, %al
	outb %al, %dx			/* DLAB */
	movw $COM1, %dx
	movb $1, %al
	outb %al, %dx			/* 115200 baud */
	movw $COM1+1, %dx
	xorb %al, %al
	outb %al, %dx
	movw $COM1+3, %dx
	movb $3, %al
	outb %al, %dx			/* 8N1 */
	ret

/* puts writes the NUL-terminated string at %esi. */
puts:
	lodsb
	testb %al, %al
	jz 2f
	movb %al, %ah
	movw $COM1+5, %dx
1:	inb %dx, %al
	testb $0x20, %al
	jz 1b
	movb %ah, %al
	movw $COM1, %dx
	outb %al, %dx
	jmp puts
2:	ret

/* has_word sets ZF when the string at %esi contains the %edx bytes at %ebx. */
has_word:
	movl %ebx, %edi
	movl %edx, %ecx
	pushl %esi
	repe cmpsb
	popl %esi
	je 1f				/* ZF set: found */
	cmpb $0, (%esi)
	je 2f
	incl %esi
	jmp has_word
2:	orl $1, %esi			/* ZF clear: not found */
1:	ret

/* find_fadt returns the FADT's address in %edi, or 0. */
find_fadt:
	movzwl 0x40e, %edi		/* the EBDA segment, then the BIOS area */
	shll $4, %edi
	movl $1024, %ecx
	call scan_rsdp
	jnz 1f
	movl $0xe0000, %edi
	movl $0x20000, %ecx
	call scan_rsdp
	jz 3f
1:	movl 16(%edi), %esi		/* RSDT */
	movl 4(%esi), %ecx
	subl $36, %ecx
	shrl $2, %ecx
	addl $36, %esi
2:	testl %ecx, %ecx
	jz 3f
	movl (%esi), %edi
	cmpl $SIG_FACP, (%edi)
	je 4f
	addl $4, %esi
	decl %ecx
	jmp 2b
3:	xorl %edi, %edi
4:	ret

/* scan_rsdp looks for "RSD PTR " in %ecx bytes from %edi on 16-byte boundaries;
 * ZF clear and %edi pointing at it when found. */
scan_rsdp:
	cmpl $SIG_RSD, (%edi)
	jne 1f
	cmpl $SIG_PTR, 4(%edi)
	jne 1f
	testl %edi, %edi		/* ZF clear */
	ret
1:	addl $16, %edi
	subl $16, %ecx
	ja scan_rsdp
	xorl %eax, %eax			/* ZF set */
	ret

/* read_fadt copies the ports and numbers of the FADT at %edi. */
read_fadt:
	movl 40(%edi), %eax
	movl %eax, dsdt
	movw 46(%edi), %ax
	movw %ax, sci
	movl 48(%edi), %eax
	movl %eax, smi_cmd
	movb 52(%edi), %al
	movb %al, acpi_on
	movl 56(%edi), %eax
	movw %ax, pm1a_evt
	movl 64(%edi), %eax
	movw %ax, pm1a_cnt
	movl 68(%edi), %eax
	movw %ax, pm1b_cnt
	movzbw 88(%edi), %ax
	shrw $1, %ax
	movw %ax, pm1_en_off
	ret

/* find_s5 reads SLP_TYPa and SLP_TYPb of \_S5 from the DSDT's AML:
 * NameOp "_S5_" PackageOp PkgLength NumElements {BytePrefix? value} x2. */
find_s5:
	movl dsdt, %esi
	movl 4(%esi), %ecx
	addl %esi, %ecx			/* end */
	addl $36, %esi
1:	cmpl %ecx, %esi
	jae 9f
	cmpl $SIG_S5, (%esi)
	je 2f
	incl %esi
	jmp 1b
2:	addl $4, %esi
	cmpb $0x12, (%esi)
	jne 9f
	movzbl 1(%esi), %eax		/* PkgLength: bits 7-6 count following bytes */
	shrl $6, %eax
	leal 3(%esi,%eax), %esi		/* past PackageOp, PkgLength, NumElements */
	call aml_byte
	movw %ax, slp_a
	call aml_byte
	movw %ax, slp_b
9:	ret

aml_byte:
	movzbl (%esi), %eax
	incl %esi
	cmpb $0x0a, %al			/* BytePrefix */
	jne 1f
	movzbl (%esi), %eax
	incl %esi
1:	ret

/* acpi_enable switches to ACPI mode unless the firmware did (SCI_EN set). */
acpi_enable:
	movw pm1a_cnt, %dx
	inw %dx, %ax
	testw $1, %ax
	jnz 2f
	movl smi_cmd, %edx
	testl %edx, %edx
	jz 2f
	movb acpi_on, %al
	outb %al, %dx
	movw pm1a_cnt, %dx
1:	inw %dx, %ax
	testw $1, %ax
	jz 1b
2:	ret

/* setup_idt points all 256 vectors at isr. */
setup_idt:
	movl $idt, %edi
	movl $256, %ecx
	movl $isr, %eax
1:	movw %ax, (%edi)
	movw $0x08, 2(%edi)
	movw $0x8e00, 4(%edi)
	movl %eax, %edx
	shrl $16, %edx
	movw %dx, 6(%edi)
	addl $8, %edi
	loop 1b
	lidt idt_desc
	ret

/* unmask_sci leaves only the SCI's line (and the cascade) open on the PICs. */
unmask_sci:
	movzwl sci, %ecx
	movl $0xfffe, %eax
	roll %cl, %eax			/* 0 bit at the SCI's line */
	cmpl $8, %ecx
	jb 1f
	andl $0xfffb, %eax		/* slave line: open the cascade (IRQ 2) too */
1:	outb %al, $0x21
	movb %ah, %al
	outb %al, $0xa1
	ret

	.section .rodata
msg_ready:	.asciz "virtunit-tiny ready\r\n"
msg_ignore:	.asciz "virtunit-tiny ignores the power button\r\n"
msg_noacpi:	.asciz "virtunit-tiny found no ACPI tables\r\n"
msg_power:	.asciz "virtunit-tiny power button: entering S5\r\n"
word_nopower:	.ascii "nopower"
word_panic:	.ascii "panic"
msg_panic:	.asciz "virtunit-tiny panics now\r\n"
	.align 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt
idt_desc:
	.word 256*8 - 1
	.long idt

	.bss
	.align 8
idt:	.skip 256*8
dsdt:	.long 0
smi_cmd: .long 0
sci:	.word 0
pm1a_evt: .word 0
pm1_en_off: .word 0
pm1a_cnt: .word 0
pm1b_cnt: .word 0
slp_a:	.word 0
slp_b:	.word 0
acpi_on: .byte 0
	.align 16
	.skip 1024
stack_top:
