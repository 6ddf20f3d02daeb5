/**
 * The ENOSYS stub: a few BPF instructions put in front of libseccomp's program so that
 * syscalls newer than every syscall a profile names fail with ENOSYS rather than the
 * profile's default errno/kill. (Why: see the top of compile.ts.)
 *
 * Layout, per audit arch present in the filter:
 *     ld  [arch]
 *     jeq AUDIT_ARCH_a → sect_a            one test per arch
 *     ja  filter                           any other arch: libseccomp decides
 *   sect_a:
 *     ld  [nr]
 *     (s390/s390x) jeq 0 → enosys          unknown large syscalls arrive as nr 0 there
 *     (x86_64)     jset X32_BIT → x32 part or → filter
 *     jgt MAX_a → enosys : filter
 *   enosys:
 *     ret ERRNO(ENOSYS)
 *   filter:                                libseccomp's program follows
 * Every jump is forward and inside the stub, so 8-bit offsets always suffice.
 */
import { asm, assemble, OFF_ARCH, OFF_NR, type AsmItem, type Insn } from "./bpf.js";
import { ARCHS, ENOSYS, SECCOMP_RET_ERRNO, X32_SYSCALL_BIT } from "./tables.js";

/** Largest syscall number the profile names, per spec arch name (x32 numbers include bit 30). */
export type MaxSyscalls = ReadonlyMap<string, number>;

/**
 * Build the stub. `maxByArch` holds, for each architecture in the filter, the largest
 * non-negative syscall number any rule names there; arches absent from it get no check.
 */
export function enosysStub(maxByArch: MaxSyscalls): Insn[] {
  // Group by what the kernel reports in seccomp_data.arch (x32 shares x86_64's).
  const groups = new Map<number, Map<string, number>>();
  for (const [name, max] of maxByArch) {
    const audit = ARCHS[name].auditArch;
    if (!groups.has(audit)) groups.set(audit, new Map());
    groups.get(audit)!.set(name, max);
  }
  if (groups.size === 0) return [];

  const x86_64 = ARCHS.SCMP_ARCH_X86_64.auditArch;
  const head: AsmItem[] = [asm.ldAbs(OFF_ARCH)];
  const body: AsmItem[] = [];
  let n = 0;
  for (const [audit, members] of groups) {
    const sect = `arch${n++}`;
    head.push(asm.jeq(audit, sect, 0));
    body.push(asm.label(sect), asm.ldAbs(OFF_NR));
    if (audit === x86_64) {
      const native = members.get("SCMP_ARCH_X86_64");
      const x32 = members.get("SCMP_ARCH_X32");
      const x32Part = `${sect}_x32`;
      if (native !== undefined && x32 !== undefined) {
        body.push(asm.jset(X32_SYSCALL_BIT, x32Part, 0), asm.jgt(native, "enosys", "filter"));
        body.push(asm.label(x32Part), asm.jgt(x32, "enosys", "filter"));
      } else if (native !== undefined) {
        body.push(asm.jset(X32_SYSCALL_BIT, "filter", 0), asm.jgt(native, "enosys", "filter"));
      } else {
        body.push(asm.jset(X32_SYSCALL_BIT, 0, "filter"), asm.jgt(x32!, "enosys", "filter"));
      }
      continue;
    }
    if (members.size !== 1) throw new Error(`seccomp: ENOSYS stub: several arches share audit arch 0x${audit.toString(16)}`);
    const [[name, max]] = [...members];
    if (name === "SCMP_ARCH_S390" || name === "SCMP_ARCH_S390X") body.push(asm.jeq(0, "enosys", 0));
    body.push(asm.jgt(max, "enosys", "filter"));
  }
  head.push(asm.ja("filter"));
  const tail: AsmItem[] = [asm.label("enosys"), asm.ret((SECCOMP_RET_ERRNO | ENOSYS) >>> 0), asm.label("filter")];
  return assemble([...head, ...body, ...tail]);
}
