/**
 * libseccomp through koffi, behind the small `Libseccomp` interface.
 *
 * This is the only seccomp file that touches koffi. Nothing here runs at import time:
 * libseccomp.so.2 (and koffi itself) are opened on the first call of loadLibseccomp(),
 * so a container without `linux.seccomp` never loads either.
 *
 * Conventions: calls that libseccomp reports as `-errno` return that number unchanged
 * (0 or positive on success); the caller turns it into a one-line error that names the
 * JSON path. exportBpf() throws a TsrunError itself because no JSON path applies.
 *
 * The kernel probes (seccomp(2) flag and action availability) go through libc's
 * `syscall()` and live here too, behind `SeccompKernel`.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from "node:fs";
import { koffi as ffiKoffi } from "./ffi.js";
import { join } from "node:path";
import { TsrunError, errnoName, errnoText } from "../errors.js";

/** Opaque filter context (scmp_filter_ctx). */
export type ScmpCtx = { readonly __scmpCtx: unique symbol };

/** struct scmp_arg_cmp: for MASKED_EQ, datumA is the mask and datumB the value. */
export interface ScmpArgCmp {
  arg: number;
  op: number;
  datumA: bigint;
  datumB: bigint;
}

export interface Libseccomp {
  version(): { major: number; minor: number; micro: number };
  /** seccomp_api_get(): 0 when unknown (libseccomp < 2.4). */
  apiLevel(): number;
  /** seccomp_init(); throws a TsrunError when libseccomp refuses the action. */
  init(defAction: number): ScmpCtx;
  /** seccomp_arch_add(); -EEXIST when already present (the native arch always is). */
  archAdd(ctx: ScmpCtx, archToken: number): number;
  /** seccomp_arch_native(): token of the arch tsrun runs on. */
  archNative(): number;
  /** seccomp_arch_resolve_name("x86_64") → token, 0 when this libseccomp lacks it. */
  archResolveName(name: string): number;
  /** seccomp_rule_add_array(). */
  ruleAdd(ctx: ScmpCtx, action: number, syscallNr: number, args: readonly ScmpArgCmp[]): number;
  /** Native syscall number, a negative pseudo number (__PNR_*) or -1 (__NR_SCMP_ERROR). */
  syscallResolveName(name: string): number;
  /** Same, for one architecture token. */
  syscallResolveNameArch(archToken: number, name: string): number;
  /** seccomp_attr_set(). */
  setAttr(ctx: ScmpCtx, attr: number, value: number): number;
  /** The filter as struct sock_filter[] bytes, host byte order. */
  exportBpf(ctx: ScmpCtx): Buffer;
  release(ctx: ScmpCtx): void;
}

/** What the running kernel accepts; probed with seccomp(2) and no filter installed. */
export interface SeccompKernel {
  /** seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL) answers EFAULT rather than EINVAL. */
  filterFlagsSupported(flags: number): boolean;
  /** seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) succeeds. */
  actionAvailable(action: number): boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type KoffiModule = any;

let koffiCache: KoffiModule | undefined;
function koffi(): KoffiModule {
  if (!koffiCache) koffiCache = ffiKoffi();
  return koffiCache;
}

const { endianness, tmpdir } = process.getBuiltinModule("node:os"); // not a static import: Bun hoists those to start-up (PERFORMANCE.md, round 4)
const LE = endianness() === "LE";
const ARG_CMP_SIZE = 24; // uint arg, int op, u64 datum_a, u64 datum_b: 24 bytes on every ABI

let libCache: Libseccomp | null | undefined;
let libError = "";

/** Why the last loadLibseccomp() failed, or "" */
export function libseccompLoadError(): string {
  return libError;
}

/**
 * Open libseccomp.so.2 once. Returns undefined (and remembers why) when it cannot be
 * loaded; TSRUN_LIBSECCOMP overrides the library path (tests, odd installs).
 */
export function loadLibseccomp(): Libseccomp | undefined {
  if (libCache !== undefined) return libCache ?? undefined;
  const path = process.env.TSRUN_LIBSECCOMP || "libseccomp.so.2";
  try {
    libCache = openLibseccomp(path);
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split("\n")[0].replace(/^Failed to load shared library: /, "");
    libError = path === "libseccomp.so.2" ? why : `${path}: ${why}`;
    libCache = null;
  }
  return libCache ?? undefined;
}

/** loadLibseccomp() or the one-line error a config with seccomp gets without it. */
export function requireLibseccomp(): Libseccomp {
  const lib = loadLibseccomp();
  if (!lib) throw new TsrunError(`seccomp: libseccomp.so.2 not found: ${libError || "unknown reason"}`);
  return lib;
}

function openLibseccomp(path: string): Libseccomp {
  const k = koffi();
  const so = k.load(path);
  const versionStruct = k.struct({ major: "uint", minor: "uint", micro: "uint" });
  const fVersion = so.func("seccomp_version", k.pointer(versionStruct), []);
  const fApiGet = so.func("seccomp_api_get", "uint", []);
  const fInit = so.func("seccomp_init", "void *", ["uint32_t"]);
  const fRelease = so.func("seccomp_release", "void", ["void *"]);
  const fArchAdd = so.func("seccomp_arch_add", "int", ["void *", "uint32_t"]);
  const fArchNative = so.func("seccomp_arch_native", "uint32_t", []);
  const fArchResolve = so.func("seccomp_arch_resolve_name", "uint32_t", ["str"]);
  const fRuleAdd = so.func("seccomp_rule_add_array", "int", ["void *", "uint32_t", "int", "uint", "void *"]);
  const fResolve = so.func("seccomp_syscall_resolve_name", "int", ["str"]);
  const fResolveArch = so.func("seccomp_syscall_resolve_name_arch", "int", ["uint32_t", "str"]);
  const fAttrSet = so.func("seccomp_attr_set", "int", ["void *", "int", "uint32_t"]);
  const fExportFd = so.func("seccomp_export_bpf", "int", ["void *", "int"]);
  // seccomp_export_bpf_mem() appeared in libseccomp 2.6; probe the symbol, not the version.
  let fExportMem: any;
  try {
    fExportMem = so.func("seccomp_export_bpf_mem", "int", ["void *", "void *", k.inout(k.pointer("size_t"))]);
  } catch {
    fExportMem = undefined;
  }

  let versionCache: { major: number; minor: number; micro: number } | undefined;
  const version = () => {
    if (!versionCache) {
      const v = k.decode(fVersion(), versionStruct);
      versionCache = { major: v.major, minor: v.minor, micro: v.micro };
    }
    return versionCache;
  };

  const exportViaFd = (ctx: ScmpCtx): Buffer => {
    const { fd, cleanup } = scratchFd();
    try {
      const rc = fExportFd(ctx, fd);
      if (rc < 0) throw new TsrunError(`seccomp: export BPF: ${errnoText(rc)}`, errnoName(rc));
      const size = fstatSync(fd).size;
      const out = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, out, off, size - off, off);
        if (n <= 0) break;
        off += n;
      }
      return out.subarray(0, off);
    } finally {
      cleanup();
    }
  };

  return {
    version,
    apiLevel: () => fApiGet(),
    init(defAction) {
      const ctx = fInit(defAction >>> 0);
      if (!ctx) throw new TsrunError(`seccomp: seccomp_init(0x${(defAction >>> 0).toString(16)}) failed`);
      return ctx as ScmpCtx;
    },
    archAdd: (ctx, token) => fArchAdd(ctx, token >>> 0),
    archNative: () => fArchNative(),
    archResolveName: (name) => fArchResolve(name),
    ruleAdd(ctx, action, nr, args) {
      const buf = Buffer.alloc(Math.max(1, args.length) * ARG_CMP_SIZE);
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      args.forEach((a, i) => {
        const o = i * ARG_CMP_SIZE;
        dv.setUint32(o, a.arg, LE);
        dv.setInt32(o + 4, a.op, LE);
        dv.setBigUint64(o + 8, BigInt.asUintN(64, a.datumA), LE);
        dv.setBigUint64(o + 16, BigInt.asUintN(64, a.datumB), LE);
      });
      return fRuleAdd(ctx, action >>> 0, nr, args.length, args.length ? buf : null);
    },
    syscallResolveName: (name) => fResolve(name),
    syscallResolveNameArch: (token, name) => fResolveArch(token >>> 0, name),
    setAttr: (ctx, attr, value) => fAttrSet(ctx, attr, value >>> 0),
    exportBpf(ctx) {
      if (!fExportMem) return exportViaFd(ctx);
      const len = [0];
      let rc = fExportMem(ctx, null, len);
      if (rc < 0) throw new TsrunError(`seccomp: export BPF: ${errnoText(rc)}`, errnoName(rc));
      const out = Buffer.alloc(Number(len[0]));
      rc = fExportMem(ctx, out, len);
      if (rc < 0) throw new TsrunError(`seccomp: export BPF: ${errnoText(rc)}`, errnoName(rc));
      return out.subarray(0, Number(len[0]));
    },
    release: (ctx) => fRelease(ctx),
  };
}

/* ---- libc: memfd_create for the export, syscall() for the kernel probes ---- */

interface Libc {
  memfdCreate(name: string, flags: number): number;
  syscall3(nr: number, a: number, b: number, ptr: Buffer | null): { ret: number; errno: number };
}

let libcCache: Libc | null | undefined;
function libc(): Libc | undefined {
  if (libcCache !== undefined) return libcCache ?? undefined;
  try {
    const k = koffi();
    const so = k.load("libc.so.6");
    const fMemfd = so.func("memfd_create", "int", ["str", "uint"]);
    const fSyscall = so.func("syscall", "long", ["long", "..."]);
    libcCache = {
      memfdCreate: (name, flags) => fMemfd(name, flags),
      syscall3(nr, a, b, ptr) {
        k.errno(0);
        const ret = Number(fSyscall(nr, "ulong", a, "ulong", b, "void *", ptr));
        return { ret, errno: ret < 0 ? k.errno() : 0 };
      },
    };
  } catch {
    libcCache = null;
  }
  return libcCache ?? undefined;
}

const MFD_CLOEXEC = 1;

/** A readable, seekable scratch fd: a memfd, or an unlinked file in the temp dir. */
function scratchFd(): { fd: number; cleanup: () => void } {
  const c = libc();
  if (c) {
    const fd = c.memfdCreate("tsrun-seccomp", MFD_CLOEXEC);
    if (fd >= 0) return { fd, cleanup: () => closeSync(fd) };
  }
  const path = join(tmpdir(), `tsrun-seccomp-${process.pid}-${Date.now()}.bpf`);
  const fd = openSync(path, "wx+", 0o600);
  unlinkSync(path);
  return { fd, cleanup: () => closeSync(fd) };
}

/** __NR_seccomp per Node architecture (the native syscall ABI of this process). */
const SECCOMP_NR: Record<string, number> = {
  x64: 317,
  ia32: 354,
  arm: 383,
  arm64: 277,
  riscv64: 277,
  loong64: 277,
  ppc64: 358,
  s390x: 348,
};
const SECCOMP_SET_MODE_FILTER = 1;
const SECCOMP_GET_ACTION_AVAIL = 2;
const EFAULT = 14;

let kernelCache: SeccompKernel | null | undefined;

/**
 * Kernel probes, or undefined when they cannot run (no libc through koffi, unknown
 * architecture). Results are cached per process.
 */
export function loadSeccompKernel(): SeccompKernel | undefined {
  if (kernelCache !== undefined) return kernelCache ?? undefined;
  const c = libc();
  const nr = SECCOMP_NR[process.arch];
  if (!c || nr === undefined) {
    kernelCache = null;
    return undefined;
  }
  const flagMemo = new Map<number, boolean>();
  const actMemo = new Map<number, boolean>();
  kernelCache = {
    filterFlagsSupported(flags) {
      let v = flagMemo.get(flags);
      if (v === undefined) {
        // A NULL program makes the kernel stop at copy_from_user after checking flags,
        // so nothing is ever installed: EFAULT means the flags were accepted.
        const r = c.syscall3(nr, SECCOMP_SET_MODE_FILTER, flags, null);
        v = r.ret < 0 && r.errno === EFAULT;
        flagMemo.set(flags, v);
      }
      return v;
    },
    actionAvailable(action) {
      let v = actMemo.get(action);
      if (v === undefined) {
        const buf = Buffer.alloc(4);
        buf.writeUInt32LE(action >>> 0, 0);
        if (!LE) buf.writeUInt32BE(action >>> 0, 0);
        v = c.syscall3(nr, SECCOMP_GET_ACTION_AVAIL, 0, buf).ret === 0;
        actMemo.set(action, v);
      }
      return v;
    },
  };
  return kernelCache;
}
