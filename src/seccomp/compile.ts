/**
 * linux.seccomp → the classic-BPF program the executor loads with
 *     seccomp(SECCOMP_SET_MODE_FILTER, flags, &(struct sock_fprog){ len / 8, filter })
 * The compilation is libseccomp's (through src/sys/libseccomp.ts); tsrun only validates,
 * feeds the rules in the order and shape runc does, and exports the program.
 *
 * Syscalls newer than the profile — decision:
 *   A profile is written against some kernel. On a newer kernel, a syscall it has never
 *   heard of would get the default action; with an allowlist (default ERRNO(EPERM)) that
 *   makes libc see EPERM and give up instead of falling back to an older syscall (the
 *   clone3 → clone, faccessat2 → faccessat, ... dance expects ENOSYS). runc fixes this by
 *   patching the BPF; tsrun does the same, with its own stub (enosys.ts): for every arch
 *   in the filter, a syscall number greater than the largest one the profile names on
 *   that arch returns ERRNO(ENOSYS) before libseccomp's program runs. Smaller unnamed
 *   numbers still get the default action. Conditions, as runc:
 *     - the default action is not permissive (not ALLOW, LOG or TRACE);
 *     - not when the default already is ERRNO(ENOSYS) (podman's profile: nothing to do);
 *     - x86_64 and x32 are told apart by bit 30 of nr; s390(x) nr 0 also gets ENOSYS.
 *   Like runc's, it is a heuristic: a syscall added out of numeric order (close_range
 *   style) that is below the maximum still gets the default action.
 *
 * Flags: the seccomp(2) flags come from tables.ts, not from libseccomp attributes (those
 * only affect seccomp_load(), which tsrun never calls). SECCOMP_FILTER_FLAG_TSYNC is
 * accepted and dropped, as runc does (the init process is single-threaded; TSYNC would
 * also clash with NEW_LISTENER). With no `flags` field, SPEC_ALLOW is used when the
 * kernel supports it, as runc does. WAIT_KILLABLE_RECV is only passed together with
 * NEW_LISTENER (the kernel refuses it alone).
 */
import { TsrunError, errnoName, errnoText } from "../errors.js";
import { requireLibseccomp, loadSeccompKernel, type Libseccomp, type ScmpArgCmp, type ScmpCtx, type SeccompKernel } from "../sys/libseccomp.js";
import { BPF_MAXINSNS, encode } from "./bpf.js";
import { enosysStub } from "./enosys.js";
import {
  ACTIONS, ARCHS, ATTR, ENOSYS, FLAGS, OPERATORS, SECCOMP_FILTER_FLAG_NEW_LISTENER,
  actionValue, archNameForToken, flagProbeBits,
} from "./tables.js";
import { seccompProfile, type SeccompProfile, type SeccompRule } from "./profile.js";
import type { LinuxSeccomp } from "../spec/schema.js";

const DEFAULT_WHERE = "config.json: linux.seccomp";

export interface CompileOptions {
  /** prefix of error messages; default `config.json: linux.seccomp` */
  where?: string;
  /** kernel probes; default the real ones; null = do not probe (trust the profile) */
  kernel?: SeccompKernel | null;
  /** false disables the ENOSYS stub (tests, debugging) */
  enosysStub?: boolean;
}

export interface CompiledSeccomp {
  /** struct sock_filter[] in host byte order: 8 bytes per instruction */
  filter: Buffer;
  /** flags argument of seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog) */
  flags: number;
  /** a rule uses SCMP_ACT_NOTIFY: flags has NEW_LISTENER and seccomp(2) returns a listener fd */
  notify: boolean;
  listenerPath?: string;
  listenerMetadata?: string;
  /** syscall names this libseccomp does not know; their rules were skipped, as runc does */
  skipped: string[];
  /** other debug notes (dropped flags, optimisation level, stub size) */
  notes: string[];
  /** instructions of the ENOSYS stub at the start of `filter` (0 = none) */
  stubLength: number;
}

const EEXIST = 17;

/**
 * Compile a linux.seccomp that parseSpec accepted. Returns null when the profile asks for no filter
 * (no defaultAction and no syscalls). `lib` defaults to the real libseccomp, loaded only then.
 * What fails here depends on the host: an architecture this libseccomp lacks, a flag or an action
 * this kernel lacks.
 */
export function compileSeccomp(seccomp: LinuxSeccomp | undefined, lib?: Libseccomp, opts: CompileOptions = {}): CompiledSeccomp | null {
  const where = opts.where ?? DEFAULT_WHERE;
  const profile = seccompProfile(seccomp);
  if (!profile) return null;
  const l = lib ?? requireLibseccomp();
  const kernel = opts.kernel === undefined ? loadSeccompKernel() : opts.kernel ?? undefined;
  const fail = (path: string, msg: string): never => {
    throw new TsrunError(`${where}${path}: ${msg}`);
  };
  const notes: string[] = [];
  const skipped: string[] = [];

  const notifyAt = profile.syscalls.findIndex((r) => r.action === "SCMP_ACT_NOTIFY");
  const notify = notifyAt >= 0;
  if (notify) {
    const api = l.apiLevel();
    if (api < 6) {
      fail(`.syscalls[${notifyAt}].action`, `SCMP_ACT_NOTIFY needs libseccomp API level 6 (libseccomp >= 2.5, Linux >= 5.7), this one has ${api}`);
    }
  }
  const flags = filterFlags(profile, kernel, notify, notes, fail);

  const defAction = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const ctx = l.init(defAction);
  let program: Buffer;
  try {
    check(l.setAttr(ctx, ATTR.CTL_NNP, 0), "seccomp: seccomp_attr_set(SCMP_FLTATR_CTL_NNP, 0)");
    const nameCount = profile.syscalls.reduce((n, r) => n + r.names.length, 0);
    // As runc: a binary tree pays off for long profiles (and libseccomp <= 2.5.4
    // mishandles it on an empty one).
    if (nameCount > 32) {
      const rc = l.setAttr(ctx, ATTR.CTL_OPTIMIZE, 2);
      notes.push(rc < 0 ? `binary tree optimisation unavailable: ${errnoText(rc)}` : "binary tree optimisation on");
    }
    profile.architectures.forEach((name, i) => {
      const rc = l.archAdd(ctx, ARCHS[name].token);
      if (rc >= 0 || rc === -EEXIST) return;
      const v = l.version();
      if (l.archResolveName(ARCHS[name].libName) === 0) {
        fail(`.architectures[${i}]`, `${JSON.stringify(name)} is not supported by libseccomp ${v.major}.${v.minor}.${v.micro}`);
      }
      fail(`.architectures[${i}]`, `libseccomp refused ${JSON.stringify(name)}: ${errnoText(rc)}`);
    });
    profile.syscalls.forEach((rule, i) => addRule(l, ctx, rule, i, defAction, skipped, fail));
    program = l.exportBpf(ctx);
  } finally {
    l.release(ctx);
  }

  let stubLength = 0;
  if (opts.enosysStub !== false && wantsStub(profile)) {
    const stub = enosysStub(maxSyscalls(l, profile));
    stubLength = stub.length;
    if (stubLength) {
      program = Buffer.concat([encode(stub), program]);
      notes.push(`ENOSYS stub: ${stubLength} instructions`);
    }
  }
  if (program.length === 0 || program.length % 8 !== 0) {
    throw new TsrunError(`seccomp: libseccomp exported ${program.length} bytes, not a BPF program`);
  }
  if (program.length / 8 > BPF_MAXINSNS) {
    throw new TsrunError(`${where}: the filter has ${program.length / 8} instructions, more than the kernel's limit of ${BPF_MAXINSNS}`);
  }
  return {
    filter: program,
    flags,
    notify,
    listenerPath: profile.listenerPath,
    listenerMetadata: profile.listenerMetadata,
    skipped,
    notes,
    stubLength,
  };
}

function check(rc: number, what: string): void {
  if (rc < 0) throw new TsrunError(`${what}: ${errnoText(rc)}`, errnoName(rc));
}

function filterFlags(
  profile: SeccompProfile,
  kernel: SeccompKernel | undefined,
  notify: boolean,
  notes: string[],
  fail: (path: string, msg: string) => never,
): number {
  let flags = 0;
  if (profile.flags === undefined) {
    // runc's default when the field is absent (not when it is []).
    const spec = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
    if (kernel?.filterFlagsSupported(flagProbeBits(spec))) flags |= FLAGS[spec].bit;
  } else {
    profile.flags.forEach((name, i) => {
      const def = FLAGS[name];
      if (!def.passed) {
        notes.push(`${name} accepted and not passed to seccomp(2)`);
        return;
      }
      if (kernel && !kernel.filterFlagsSupported(flagProbeBits(name))) {
        fail(`.flags[${i}]`, `${JSON.stringify(name)} is not supported by the running kernel`);
      }
      if (name === "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" && !notify) {
        notes.push(`${name} dropped: no rule uses SCMP_ACT_NOTIFY`);
        return;
      }
      flags |= def.bit;
    });
  }
  if (notify) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return flags >>> 0;
}

function addRule(
  l: Libseccomp,
  ctx: ScmpCtx,
  rule: SeccompRule,
  i: number,
  defAction: number,
  skipped: string[],
  fail: (path: string, msg: string) => never,
): void {
  const action = actionValue(rule.action, rule.errnoRet);
  // libseccomp refuses a rule whose action is the default one; it would change nothing.
  if (action === defAction) return;
  const conds: ScmpArgCmp[] = rule.args.map((a) => ({
    arg: a.index,
    op: OPERATORS[a.op],
    // MASKED_EQ: the spec's value is the mask and valueTwo the datum, which is also
    // libseccomp's order (datum_a = mask, datum_b = value).
    datumA: a.value,
    datumB: a.valueTwo,
  }));
  // libseccomp takes one comparison per argument in a rule. When the profile has
  // several for one argument, runc adds each comparison as its own rule (so they OR).
  const indexes = new Set(conds.map((c) => c.arg));
  const sets = indexes.size === conds.length ? [conds] : conds.map((c) => [c]);
  rule.names.forEach((name, j) => {
    const nr = l.syscallResolveName(name);
    if (nr === -1) {
      if (!skipped.includes(name)) skipped.push(name);
      return;
    }
    for (const set of sets) {
      const rc = l.ruleAdd(ctx, action, nr, set);
      if (rc < 0) fail(`.syscalls[${i}].names[${j}]`, `libseccomp refused the rule for ${JSON.stringify(name)}: ${errnoText(rc)}`);
    }
  });
}

function wantsStub(p: SeccompProfile): boolean {
  if (ACTIONS[p.defaultAction].permissive) return false;
  if (p.defaultAction === "SCMP_ACT_ERRNO" && p.defaultErrnoRet === ENOSYS) return false;
  return true;
}

/** Largest syscall number named by the profile, per arch of the filter (native included). */
function maxSyscalls(l: Libseccomp, p: SeccompProfile): Map<string, number> {
  const archs = new Set(p.architectures);
  const native = archNameForToken(l.archNative());
  if (native) archs.add(native);
  const names = new Set(p.syscalls.flatMap((r) => r.names));
  const out = new Map<string, number>();
  for (const a of archs) {
    let max = -1;
    for (const n of names) max = Math.max(max, l.syscallResolveNameArch(ARCHS[a].token, n));
    if (max >= 0) out.set(a, max);
  }
  return out;
}
