// Seccomp pieces that do not need a profile: features output, the tables against the
// running libseccomp, the BPF interpreter, the ENOSYS stub on its own, and the
// behaviour when libseccomp.so.2 is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ACTIONS, ARCHS, OPERATORS, X32_SYSCALL_BIT, seccompFeatures, seccompFeatureAnnotations } from "../../src/seccomp/tables.js";
import { asm, assemble, runFilter, encode, decode, disassemble, BPF } from "../../src/seccomp/bpf.js";
import { enosysStub } from "../../src/seccomp/enosys.js";
import { loadLibseccomp } from "../../src/sys/libseccomp.js";
import { repoRoot } from "../helpers/rootfs.js";

const lib = loadLibseccomp();
const ALLOW = 0x7fff0000;
const ENOSYS_RET = 0x00050026;

test("features: runc's shape, from the tables", () => {
  const f = seccompFeatures(lib ?? null);
  assert.deepEqual(Object.keys(f), ["enabled", "actions", "operators", "archs", "knownFlags", "supportedFlags"]);
  assert.ok(f.actions.includes("SCMP_ACT_NOTIFY"));
  assert.ok(f.actions.includes("SCMP_ACT_KILL_PROCESS"));
  assert.ok(f.operators.includes("SCMP_CMP_MASKED_EQ"));
  assert.ok(f.archs.includes("SCMP_ARCH_X86_64"));
  assert.deepEqual(f.actions, [...f.actions].sort());
  assert.deepEqual(f.knownFlags, [
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
  ]);
  assert.equal(f.actions.length, Object.keys(ACTIONS).length);
  assert.equal(f.operators.length, Object.keys(OPERATORS).length);
  if (lib) {
    assert.equal(f.enabled, true);
    assert.ok(f.supportedFlags.includes("SECCOMP_FILTER_FLAG_TSYNC"));
    assert.ok(f.supportedFlags.every((x) => f.knownFlags.includes(x)));
    assert.match(seccompFeatureAnnotations(lib)["io.github.seccomp.libseccomp.version"], /^\d+\.\d+\.\d+$/);
  }
  const none = seccompFeatures(null, null);
  assert.equal(none.enabled, false);
  assert.deepEqual(none.supportedFlags, []);
  assert.equal(none.archs.length, Object.keys(ARCHS).length);
});

test("arch tokens in the table equal libseccomp's for every arch it knows", (t) => {
  assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)");
  for (const [name, a] of Object.entries(ARCHS)) {
    const token = lib.archResolveName(a.libName);
    if (token !== 0) assert.equal(token, a.token, name);
  }
  assert.ok(Object.values(ARCHS).some((a) => a.token === lib.archNative()), "the native arch is in the table");
});

test("interpreter: loads, ALU, jumps and returns behave as the kernel's", () => {
  const prog = assemble([
    asm.ldAbs(16), // args[0] low word (little endian) or high word (big endian)
    { code: BPF.ALU | BPF.AND | BPF.K, k: 0xff },
    asm.jeq(0x42, "yes", 0),
    asm.ldAbs(0),
    asm.jset(0x100, "yes", "no"),
    asm.label("yes"),
    asm.ret(ALLOW),
    asm.label("no"),
    asm.ret(0x00050001),
  ]);
  const arg = (v: number) => (require_le() ? v : v * 2 ** 32);
  assert.equal(runFilter(prog, { nr: 1, arch: 0, args: [arg(0x1242)] }), ALLOW);
  assert.equal(runFilter(prog, { nr: 0x100, arch: 0, args: [0] }), ALLOW);
  assert.equal(runFilter(prog, { nr: 1, arch: 0, args: [0] }), 0x00050001);
  assert.deepEqual(decode(encode(prog)), prog);
  assert.equal(disassemble(prog).length, prog.length);
  assert.throws(() => runFilter([{ code: BPF.LD | BPF.W | BPF.ABS, jt: 0, jf: 0, k: 64 }], { nr: 0, arch: 0 }), /bad load/);
  assert.throws(() => runFilter([asm.ldAbs(0)].map(() => ({ code: 0, jt: 0, jf: 0, k: 0 })), { nr: 0, arch: 0 }), /fell off/);
});

function require_le(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

test("ENOSYS stub alone: per-arch maxima, x32 bit, s390 nr 0, other arches fall through", () => {
  const stub = enosysStub(
    new Map([
      ["SCMP_ARCH_X86_64", 334],
      ["SCMP_ARCH_X32", X32_SYSCALL_BIT | 334],
      ["SCMP_ARCH_X86", 450],
      ["SCMP_ARCH_S390X", 400],
    ]),
  );
  const prog = [...stub, { code: BPF.RET | BPF.K, jt: 0, jf: 0, k: ALLOW }];
  const x86_64 = ARCHS.SCMP_ARCH_X86_64.auditArch;
  const run = (nr: number, arch: number) => runFilter(prog, { nr, arch });
  assert.equal(run(334, x86_64), ALLOW);
  assert.equal(run(335, x86_64), ENOSYS_RET);
  assert.equal(run(X32_SYSCALL_BIT | 334, x86_64), ALLOW);
  assert.equal(run(X32_SYSCALL_BIT | 335, x86_64), ENOSYS_RET);
  assert.equal(run(450, ARCHS.SCMP_ARCH_X86.auditArch), ALLOW);
  assert.equal(run(451, ARCHS.SCMP_ARCH_X86.auditArch), ENOSYS_RET);
  assert.equal(run(0, ARCHS.SCMP_ARCH_S390X.auditArch), ENOSYS_RET);
  assert.equal(run(5, ARCHS.SCMP_ARCH_S390X.auditArch), ALLOW);
  assert.equal(run(9999, ARCHS.SCMP_ARCH_AARCH64.auditArch), ALLOW, "arch outside the stub: the filter decides");
  const only64 = [...enosysStub(new Map([["SCMP_ARCH_X86_64", 334]])), { code: BPF.RET | BPF.K, jt: 0, jf: 0, k: ALLOW }];
  assert.equal(runFilter(only64, { nr: X32_SYSCALL_BIT | 999, arch: x86_64 }), ALLOW, "x32 calls are left to libseccomp");
  assert.deepEqual(enosysStub(new Map()), []);
});

function runChild(code: string, env: Record<string, string>): string {
  try {
    return execFileSync(process.execPath, ["--input-type=module", "-e", code], {
      env: { ...process.env, ...env },
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (e) {
    throw new Error(`child failed: ${(e as { stderr?: string }).stderr}`);
  }
}

test("without libseccomp: a seccomp config gets one line, a config without seccomp never loads it", () => {
  const mod = JSON.stringify(join(repoRoot, "dist", "src", "seccomp", "compile.js"));
  const load = JSON.stringify(join(repoRoot, "dist", "src", "spec", "load.js"));
  const env = { TSRUN_LIBSECCOMP: "/nonexistent/libseccomp.so.2" };
  const out = runChild(
    `import { compileSeccomp } from ${mod};
     import { parseSpec } from ${load};
     const r = [];
     r.push(String(compileSeccomp(undefined)));
     try { compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] }); }
     catch (e) { r.push(e.name + ": " + e.message); }
     try { parseSpec(JSON.stringify({ ociVersion: "1.2.0", root: { path: "r" }, linux: { seccomp: { defaultAction: "SCMP_ACT_BAD" } } })); } catch (e) { r.push(e.message); }
     console.log(JSON.stringify(r));`,
    env,
  );
  const [none, missing, invalid] = JSON.parse(out) as string[];
  assert.equal(none, "null");
  assert.match(missing, /^TsrunError: seccomp: libseccomp\.so\.2 not found: \S.*$/);
  assert.ok(missing.includes("/nonexistent/libseccomp.so.2"), missing);
  assert.equal(invalid, 'config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_BAD"', "validation needs no libseccomp");
});
