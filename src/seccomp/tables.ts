/**
 * The seccomp vocabulary of the OCI runtime spec, and what each name means to
 * libseccomp and to the kernel. The validator, the compiler and `tsrun features`
 * all read these tables; nothing else lists seccomp names.
 */
import { loadLibseccomp, loadSeccompKernel, type Libseccomp, type SeccompKernel } from "../sys/libseccomp.js";

/* ---- actions (SCMP_ACT_* = SECCOMP_RET_* values) ---- */

export interface ActionDef {
  /** base value; ERRNO and TRACE carry 16 bits of data below it */
  value: number;
  /** the action takes `errnoRet` (ERRNO, TRACE) */
  takesData: boolean;
  /** permissive: the syscall goes ahead (no ENOSYS stub behind such a default) */
  permissive: boolean;
}

export const ACTIONS: Readonly<Record<string, ActionDef>> = {
  SCMP_ACT_KILL: { value: 0x00000000, takesData: false, permissive: false },
  SCMP_ACT_KILL_THREAD: { value: 0x00000000, takesData: false, permissive: false },
  SCMP_ACT_KILL_PROCESS: { value: 0x80000000, takesData: false, permissive: false },
  SCMP_ACT_TRAP: { value: 0x00030000, takesData: false, permissive: false },
  SCMP_ACT_ERRNO: { value: 0x00050000, takesData: true, permissive: false },
  SCMP_ACT_NOTIFY: { value: 0x7fc00000, takesData: false, permissive: false },
  // A tracer is expected to cope with syscalls it does not know, as runc argues.
  SCMP_ACT_TRACE: { value: 0x7ff00000, takesData: true, permissive: true },
  SCMP_ACT_LOG: { value: 0x7ffc0000, takesData: false, permissive: true },
  SCMP_ACT_ALLOW: { value: 0x7fff0000, takesData: false, permissive: true },
};

/** EPERM: what ERRNO and TRACE return when no errnoRet is given (as runc does). */
export const DEFAULT_ERRNO_RET = 1;
export const ENOSYS = 38;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_DATA = 0x0000ffff;

/** The 32-bit action value, data included. */
export function actionValue(name: string, errnoRet?: number): number {
  const def = ACTIONS[name];
  if (!def) throw new Error(`unknown seccomp action ${name}`);
  if (!def.takesData) return def.value >>> 0;
  return (def.value | ((errnoRet ?? DEFAULT_ERRNO_RET) & SECCOMP_RET_DATA)) >>> 0;
}

/* ---- comparison operators (enum scmp_compare) ---- */

export const OPERATORS: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/* ---- architectures ---- */

const A64 = 0x80000000;
const ALE = 0x40000000;
const N32 = 0x20000000;
const EM = { I386: 3, M68K: 4, MIPS: 8, PARISC: 15, PPC: 20, PPC64: 21, S390: 22, ARM: 40, SH: 42, X86_64: 62, AARCH64: 183, RISCV: 243, LOONGARCH: 258 };

export interface ArchDef {
  /** libseccomp's token (SCMP_ARCH_* in seccomp.h): the AUDIT_ARCH value except for x32 */
  token: number;
  /** what the kernel puts in seccomp_data.arch */
  auditArch: number;
  /** libseccomp's name for seccomp_arch_resolve_name() */
  libName: string;
}

function arch(token: number, libName: string, auditArch = token): ArchDef {
  return { token: token >>> 0, auditArch: auditArch >>> 0, libName };
}

/** Every SCMP_ARCH_* the runtime spec lists. */
export const ARCHS: Readonly<Record<string, ArchDef>> = {
  SCMP_ARCH_X86: arch(EM.I386 | ALE, "x86"),
  SCMP_ARCH_X86_64: arch(EM.X86_64 | A64 | ALE, "x86_64"),
  // libseccomp's own token for x32; the kernel reports x32 as x86_64 with bit 30 in nr
  SCMP_ARCH_X32: arch(EM.X86_64 | ALE, "x32", EM.X86_64 | A64 | ALE),
  SCMP_ARCH_ARM: arch(EM.ARM | ALE, "arm"),
  SCMP_ARCH_AARCH64: arch(EM.AARCH64 | A64 | ALE, "aarch64"),
  SCMP_ARCH_MIPS: arch(EM.MIPS, "mips"),
  SCMP_ARCH_MIPS64: arch(EM.MIPS | A64, "mips64"),
  SCMP_ARCH_MIPS64N32: arch(EM.MIPS | A64 | N32, "mips64n32"),
  SCMP_ARCH_MIPSEL: arch(EM.MIPS | ALE, "mipsel"),
  SCMP_ARCH_MIPSEL64: arch(EM.MIPS | A64 | ALE, "mipsel64"),
  SCMP_ARCH_MIPSEL64N32: arch(EM.MIPS | A64 | ALE | N32, "mipsel64n32"),
  SCMP_ARCH_PPC: arch(EM.PPC, "ppc"),
  SCMP_ARCH_PPC64: arch(EM.PPC64 | A64, "ppc64"),
  SCMP_ARCH_PPC64LE: arch(EM.PPC64 | A64 | ALE, "ppc64le"),
  SCMP_ARCH_S390: arch(EM.S390, "s390"),
  SCMP_ARCH_S390X: arch(EM.S390 | A64, "s390x"),
  SCMP_ARCH_PARISC: arch(EM.PARISC, "parisc"),
  SCMP_ARCH_PARISC64: arch(EM.PARISC | A64, "parisc64"),
  SCMP_ARCH_RISCV64: arch(EM.RISCV | A64 | ALE, "riscv64"),
  SCMP_ARCH_LOONGARCH64: arch(EM.LOONGARCH | A64 | ALE, "loongarch64"),
  SCMP_ARCH_M68K: arch(EM.M68K, "m68k"),
  // SuperH: little endian is "sh", big endian is "sheb"
  SCMP_ARCH_SH: arch(EM.SH | ALE, "sh"),
  SCMP_ARCH_SHEB: arch(EM.SH, "sheb"),
};

/** The spec name for a libseccomp token (e.g. the native one), or undefined. */
export function archNameForToken(token: number): string | undefined {
  return Object.keys(ARCHS).find((n) => ARCHS[n].token === token >>> 0);
}

/** x32 syscall numbers carry this bit on an x86_64 kernel. */
export const X32_SYSCALL_BIT = 0x40000000;

/* ---- seccomp(2) filter flags ---- */

export interface FlagDef {
  bit: number;
  /** passed to seccomp(2); TSYNC is recognised and dropped, as runc does */
  passed: boolean;
}

/** In runc's order (the order `features` prints knownFlags in). */
export const FLAGS: Readonly<Record<string, FlagDef>> = {
  SECCOMP_FILTER_FLAG_TSYNC: { bit: 1 << 0, passed: false },
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: { bit: 1 << 2, passed: true },
  SECCOMP_FILTER_FLAG_LOG: { bit: 1 << 1, passed: true },
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: { bit: 1 << 5, passed: true },
};

export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

/** The flag bits the kernel must accept together for `name` to be usable. */
export function flagProbeBits(name: string): number {
  const bit = FLAGS[name].bit;
  // WAIT_KILLABLE_RECV is only valid next to NEW_LISTENER.
  return name === "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" ? bit | SECCOMP_FILTER_FLAG_NEW_LISTENER : bit;
}

/* ---- libseccomp filter attributes (enum scmp_filter_attr) ---- */

export const ATTR = {
  ACT_DEFAULT: 1,
  ACT_BADARCH: 2,
  CTL_NNP: 3,
  CTL_TSYNC: 4,
  API_TSKIP: 5,
  CTL_LOG: 6,
  CTL_SSB: 7,
  CTL_OPTIMIZE: 8,
  API_SYSRAWRC: 9,
} as const;

/* ---- `tsrun features` ---- */

export interface SeccompFeatures {
  enabled: boolean;
  actions: string[];
  operators: string[];
  archs: string[];
  knownFlags: string[];
  supportedFlags: string[];
}

/**
 * runc's `features` seccomp object. enabled = libseccomp can be loaded; archs are the
 * spec's architectures this libseccomp knows; supportedFlags are the known flags the
 * running kernel accepts (TSYNC always, since tsrun accepts and drops it).
 */
export function seccompFeatures(
  lib: Libseccomp | null = loadLibseccomp() ?? null,
  kernel: SeccompKernel | null = lib ? loadSeccompKernel() ?? null : null,
): SeccompFeatures {
  const sorted = (xs: string[]) => [...xs].sort();
  const archs = Object.keys(ARCHS).filter((n) => !lib || lib.archResolveName(ARCHS[n].libName) === ARCHS[n].token);
  const knownFlags = Object.keys(FLAGS);
  const supportedFlags = !lib
    ? []
    : knownFlags.filter((n) => !FLAGS[n].passed || !kernel || kernel.filterFlagsSupported(flagProbeBits(n)));
  return {
    enabled: lib !== null,
    actions: sorted(Object.keys(ACTIONS)),
    operators: sorted(Object.keys(OPERATORS)),
    archs: sorted(archs),
    knownFlags,
    supportedFlags,
  };
}

/** runc's features annotation for the libseccomp version, when it is loadable. */
export function seccompFeatureAnnotations(lib: Libseccomp | null = loadLibseccomp() ?? null): Record<string, string> {
  if (!lib) return {};
  const v = lib.version();
  return { "io.github.seccomp.libseccomp.version": `${v.major}.${v.minor}.${v.micro}` };
}
