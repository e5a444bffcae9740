/**
 * A syscall probe for containers that have only busybox: a tiny static
 * x86-64 ELF, written by the test, that makes one system call with every
 * argument zero and exits with the call's errno (0 when the call
 * succeeded). busybox has no `keyctl` or `bpf` applet, and the machine
 * that runs CI need not have a compiler, so the few instructions are
 * assembled here by hand; each is listed with its mnemonic.
 *
 * Contract: `syscallProbe(nr)` returns the bytes of an executable that
 * exits with errno of `syscall(nr, 0, 0, 0, 0, 0, 0)`. Under a seccomp
 * profile that refuses the call with EPERM it exits 1. x86-64 Linux only.
 * `i386SyscallProbe(nr)` does the same as a 32-bit program (the i386 ABI:
 * `int 0x80`), `x32SyscallProbe(nr)` through the x32 ABI (x86-64 code, the
 * call's number with bit 30 set).
 */

/** Syscall numbers on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl). */
export const SYSCALL_X86_64 = { add_key: 248, keyctl: 250, bpf: 321 } as const;
/** Syscall numbers of the i386 ABI (arch/x86/entry/syscalls/syscall_32.tbl). */
export const SYSCALL_I386 = { getpid: 20, keyctl: 288 } as const;
/** x32's calls are x86-64's numbers (the common ones) with this bit set. */
const X32_SYSCALL_BIT = 0x40000000;

const imm32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...b];
};

/** Where the one loadable segment is mapped (the classic non-PIE base). */
const BASE = 0x400000n;
const ELF_HEADER_SIZE = 64;
const PROGRAM_HEADER_SIZE = 56;

/** The probe's machine code for syscall `nr`. */
function code(nr: number): Buffer {
  return Buffer.from([
    ...[0xb8, ...imm32(nr)], // mov eax, nr
    ...[0x31, 0xff], // xor edi, edi      (arg 1 = 0; also the exit status if the call succeeds)
    ...[0x31, 0xf6], // xor esi, esi      (arg 2)
    ...[0x31, 0xd2], // xor edx, edx      (arg 3)
    ...[0x4d, 0x31, 0xd2], // xor r10, r10 (arg 4)
    ...[0x4d, 0x31, 0xc0], // xor r8, r8   (arg 5)
    ...[0x4d, 0x31, 0xc9], // xor r9, r9   (arg 6)
    ...[0x0f, 0x05], // syscall
    ...[0x48, 0x85, 0xc0], // test rax, rax
    ...[0x79, 0x04], // jns +4            (success: keep status 0)
    ...[0xf7, 0xd8], // neg eax           (-errno → errno)
    ...[0x89, 0xc7], // mov edi, eax      (status = errno)
    ...[0xb8, ...imm32(60)], // mov eax, 60 (exit)
    ...[0x0f, 0x05], // syscall
  ]);
}

/** A static ELF64 executable whose whole file is one read+execute segment running `syscall(nr, 0…)`. */
export function syscallProbe(nr: number): Buffer {
  return elf64(code(nr));
}

/** The x86-64 probe making its call through the x32 ABI: `nr` is x86-64's number of a call x32 shares. */
export function x32SyscallProbe(nr: number): Buffer {
  return elf64(code(nr | X32_SYSCALL_BIT));
}

function elf64(text: Buffer): Buffer {
  const size = BigInt(ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE + text.length);
  const elf = Buffer.alloc(ELF_HEADER_SIZE);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]); // magic, 64-bit, little-endian, version 1, System V ABI
  elf.writeUInt16LE(2, 16); // e_type: executable
  elf.writeUInt16LE(0x3e, 18); // e_machine: x86-64
  elf.writeUInt32LE(1, 20); // e_version
  elf.writeBigUInt64LE(BASE + BigInt(ELF_HEADER_SIZE + PROGRAM_HEADER_SIZE), 24); // e_entry: the code
  elf.writeBigUInt64LE(BigInt(ELF_HEADER_SIZE), 32); // e_phoff
  elf.writeUInt16LE(ELF_HEADER_SIZE, 52); // e_ehsize
  elf.writeUInt16LE(PROGRAM_HEADER_SIZE, 54); // e_phentsize
  elf.writeUInt16LE(1, 56); // e_phnum
  const ph = Buffer.alloc(PROGRAM_HEADER_SIZE);
  ph.writeUInt32LE(1, 0); // p_type: PT_LOAD
  ph.writeUInt32LE(5, 4); // p_flags: read + execute
  ph.writeBigUInt64LE(0n, 8); // p_offset: the whole file
  ph.writeBigUInt64LE(BASE, 16); // p_vaddr
  ph.writeBigUInt64LE(BASE, 24); // p_paddr
  ph.writeBigUInt64LE(size, 32); // p_filesz
  ph.writeBigUInt64LE(size, 40); // p_memsz
  ph.writeBigUInt64LE(0x1000n, 48); // p_align
  return Buffer.concat([elf, ph, text]);
}

/** The i386 probe's machine code for call `nr` of the i386 ABI. */
function i386Code(nr: number): Buffer {
  return Buffer.from([
    ...[0xb8, ...imm32(nr)], // mov eax, nr
    ...[0x31, 0xdb], // xor ebx, ebx      (arg 1 = 0; also the exit status if the call succeeds)
    ...[0x31, 0xc9], // xor ecx, ecx      (arg 2)
    ...[0x31, 0xd2], // xor edx, edx      (arg 3)
    ...[0x31, 0xf6], // xor esi, esi      (arg 4)
    ...[0x31, 0xff], // xor edi, edi      (arg 5)
    ...[0x31, 0xed], // xor ebp, ebp      (arg 6)
    ...[0xcd, 0x80], // int 0x80
    ...[0x85, 0xc0], // test eax, eax
    ...[0x79, 0x04], // jns +4            (success: keep status 0)
    ...[0xf7, 0xd8], // neg eax           (-errno → errno)
    ...[0x89, 0xc3], // mov ebx, eax      (status = errno)
    ...[0xb8, ...imm32(1)], // mov eax, 1 (exit)
    ...[0xcd, 0x80], // int 0x80
  ]);
}

const ELF32_HEADER_SIZE = 52;
const ELF32_PROGRAM_HEADER_SIZE = 32;
const BASE32 = 0x8048000;

/** A static ELF32 (i386) executable, one read+execute segment, running call `nr` of the i386 ABI. */
export function i386SyscallProbe(nr: number): Buffer {
  const text = i386Code(nr);
  const size = ELF32_HEADER_SIZE + ELF32_PROGRAM_HEADER_SIZE + text.length;
  const elf = Buffer.alloc(ELF32_HEADER_SIZE);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]); // magic, 32-bit, little-endian, version 1, System V ABI
  elf.writeUInt16LE(2, 16); // e_type: executable
  elf.writeUInt16LE(3, 18); // e_machine: i386
  elf.writeUInt32LE(1, 20); // e_version
  elf.writeUInt32LE(BASE32 + ELF32_HEADER_SIZE + ELF32_PROGRAM_HEADER_SIZE, 24); // e_entry: the code
  elf.writeUInt32LE(ELF32_HEADER_SIZE, 28); // e_phoff
  elf.writeUInt16LE(ELF32_HEADER_SIZE, 40); // e_ehsize
  elf.writeUInt16LE(ELF32_PROGRAM_HEADER_SIZE, 42); // e_phentsize
  elf.writeUInt16LE(1, 44); // e_phnum
  const ph = Buffer.alloc(ELF32_PROGRAM_HEADER_SIZE);
  ph.writeUInt32LE(1, 0); // p_type: PT_LOAD
  ph.writeUInt32LE(0, 4); // p_offset: the whole file
  ph.writeUInt32LE(BASE32, 8); // p_vaddr
  ph.writeUInt32LE(BASE32, 12); // p_paddr
  ph.writeUInt32LE(size, 16); // p_filesz
  ph.writeUInt32LE(size, 20); // p_memsz
  ph.writeUInt32LE(5, 24); // p_flags: read + execute
  ph.writeUInt32LE(0x1000, 28); // p_align
  return Buffer.concat([elf, ph, text]);
}
