// Seccomp compilation through the real libseccomp, checked by running the exported BPF
// through the interpreter in src/seccomp/bpf.ts. No root needed: nothing is loaded into
// the kernel here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileSeccomp } from "../../src/seccomp/compile.js";
import { runFilter, BPF_MAXINSNS } from "../../src/seccomp/bpf.js";
import { ARCHS, archNameForToken, X32_SYSCALL_BIT } from "../../src/seccomp/tables.js";
import { loadLibseccomp, type SeccompKernel } from "../../src/sys/libseccomp.js";
import { repoRoot } from "../helpers/rootfs.js";
import type { LinuxSeccomp } from "../../src/spec/schema.js";

const lib = loadLibseccomp();
// libseccomp2 is a dependency (.ci/run installs it): without it these tests fail, they do not skip
test("libseccomp.so.2 is installed", () => assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)"));
const kernelAll: SeccompKernel = { filterFlagsSupported: () => true, actionAvailable: () => true };

const ALLOW = 0x7fff0000;
const KILL_THREAD = 0;
const errno = (e: number) => (0x00050000 | e) >>> 0;
const EPERM = 1;
const ENOSYS = 38;

function native() {
  const token = lib!.archNative();
  const name = archNameForToken(token)!;
  return { name, audit: ARCHS[name].auditArch };
}
const nr = (name: string) => {
  const n = lib!.syscallResolveName(name);
  assert.ok(n >= 0, `${name} resolves on this arch`);
  return n;
};
function run(filter: Buffer, syscall: string | number, args: (number | bigint)[] = [], arch = native().audit): number {
  return runFilter(filter, { nr: typeof syscall === "number" ? syscall : nr(syscall), arch, args });
}

test("podman's profile compiles to a BPF program with the expected verdicts", () => {
  const cfg = JSON.parse(readFileSync(join(repoRoot, "spec-fixtures", "clients", "podman-config.json"), "utf8"));
  const out = compileSeccomp(cfg.linux.seccomp, lib!, { kernel: kernelAll })!;
  assert.ok(out.filter.length > 0);
  assert.equal(out.filter.length % 8, 0);
  assert.ok(out.filter.length / 8 <= BPF_MAXINSNS);
  assert.equal(out.notify, false);
  // no `flags` field: runc's default SPEC_ALLOW when the kernel takes it
  assert.equal(out.flags, 1 << 2);
  // the default is already ERRNO(ENOSYS): no stub
  assert.equal(out.stubLength, 0);
  const f = out.filter;
  assert.equal(run(f, "mkdir"), ALLOW);
  assert.equal(run(f, "openat"), ALLOW);
  assert.equal(run(f, "open_by_handle_at"), errno(EPERM));
  assert.equal(run(f, "sethostname"), errno(EPERM));
  assert.equal(run(f, 5000), errno(ENOSYS), "a syscall the profile does not name gets the default");
  assert.equal(run(f, "personality", [0xffffffff]), ALLOW);
  assert.equal(run(f, "personality", [8]), ALLOW);
  assert.equal(run(f, "personality", [0x1234]), errno(ENOSYS));
  assert.equal(run(f, "mkdir", [], 0x1234), KILL_THREAD, "an arch outside the filter is killed");
  if (native().name === "SCMP_ARCH_X86_64") {
    assert.equal(run(f, 39, [], ARCHS.SCMP_ARCH_X86.auditArch), ALLOW, "i386 mkdir");
    assert.equal(run(f, X32_SYSCALL_BIT | 83, [], ARCHS.SCMP_ARCH_X86_64.auditArch), ALLOW, "x32 mkdir");
  }
});

test("deny-mkdir: mkdir gets ERRNO(EPERM) by default errnoRet, open is allowed", () => {
  const out = compileSeccomp(
    { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }] },
    lib!,
    { kernel: null },
  )!;
  assert.equal(out.flags, 0, "no kernel probe: no default SPEC_ALLOW");
  assert.equal(out.stubLength, 0, "no stub behind a permissive default");
  assert.equal(run(out.filter, "mkdir"), errno(EPERM));
  assert.equal(run(out.filter, "mkdirat"), errno(EPERM));
  assert.equal(run(out.filter, "openat"), ALLOW);
  assert.equal(run(out.filter, 5000), ALLOW);
});

const allowlist = (extra: object[] = []): LinuxSeccomp => ({
  defaultAction: "SCMP_ACT_ERRNO",
  syscalls: [
    { names: ["read", "write", "exit_group"], action: "SCMP_ACT_ALLOW" },
    { names: ["personality"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0xffffffff, op: "SCMP_CMP_EQ" }] },
    ...extra,
  ],
}) as LinuxSeccomp;

test("argument filter: personality(0xffffffff) allowed, other values get the default", () => {
  const out = compileSeccomp(allowlist(), lib!, { kernel: null })!;
  const f = out.filter;
  assert.equal(run(f, "personality", [0xffffffff]), ALLOW);
  assert.equal(run(f, "personality", [0]), errno(EPERM));
  assert.equal(run(f, "personality", [0x1ffffffffn]), errno(EPERM), "the comparison is 64-bit");
  assert.equal(run(f, "read"), ALLOW);
  assert.equal(run(f, "chdir"), errno(EPERM));
});

test("ENOSYS stub: syscalls above the profile's largest get ENOSYS, smaller unnamed ones the default", () => {
  const out = compileSeccomp(allowlist(), lib!, { kernel: null })!;
  assert.ok(out.stubLength > 0);
  const max = Math.max(nr("read"), nr("write"), nr("exit_group"), nr("personality"));
  assert.equal(run(out.filter, max + 1), errno(ENOSYS));
  assert.equal(run(out.filter, 4000), errno(ENOSYS));
  assert.ok(nr("chdir") < max);
  assert.equal(run(out.filter, "chdir"), errno(EPERM));
  const off = compileSeccomp(allowlist(), lib!, { kernel: null, enosysStub: false })!;
  assert.equal(off.stubLength, 0);
  assert.equal(run(off.filter, 4000), errno(EPERM));
  const kill = compileSeccomp({ ...allowlist(), defaultAction: "SCMP_ACT_KILL_PROCESS" }, lib!, { kernel: null })!;
  assert.equal(run(kill.filter, 4000), errno(ENOSYS), "runc also stubs kill defaults");
  assert.equal(run(kill.filter, "chdir"), 0x80000000);
  const enosys = compileSeccomp({ ...allowlist(), defaultErrnoRet: ENOSYS }, lib!, { kernel: null })!;
  assert.equal(enosys.stubLength, 0);
});

test("ENOSYS stub tells x86_64 from x32 and checks i386 separately", { skip: lib && native().name !== "SCMP_ARCH_X86_64" ? "x86_64 only" : false }, () => {
  const p = { ...allowlist(), architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"] };
  const f = compileSeccomp(p, lib!, { kernel: null })!.filter;
  const x86_64 = ARCHS.SCMP_ARCH_X86_64.auditArch;
  const i386 = ARCHS.SCMP_ARCH_X86.auditArch;
  assert.equal(run(f, 0, [], x86_64), ALLOW, "x86_64 read");
  assert.equal(run(f, 1000, [], x86_64), errno(ENOSYS));
  assert.equal(run(f, X32_SYSCALL_BIT | 0, [], x86_64), ALLOW, "x32 read");
  assert.equal(run(f, X32_SYSCALL_BIT | 1000, [], x86_64), errno(ENOSYS), "x32 beyond its max");
  assert.equal(run(f, 3, [], i386), ALLOW, "i386 read");
  assert.equal(run(f, 39, [], i386), errno(EPERM), "i386 mkdir: below the max, default");
  assert.equal(run(f, 2000, [], i386), errno(ENOSYS));
});

test("MASKED_EQ uses value as the mask and valueTwo as the datum", () => {
  const p = allowlist([
    { names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] },
  ]);
  const f = compileSeccomp(p, lib!, { kernel: null })!.filter;
  assert.equal(run(f, "clone", [0x11]), ALLOW);
  assert.equal(run(f, "clone", [0x10000000 | 0x11]), errno(EPERM), "CLONE_NEWNS-class bit in the mask");
});

test("several comparisons on one argument become separate rules, as runc does", () => {
  const p = allowlist([
    {
      names: ["fchmod"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 1, value: 0o644, op: "SCMP_CMP_EQ" }, { index: 1, value: 0o600, op: "SCMP_CMP_EQ" }],
    },
  ]);
  const f = compileSeccomp(p, lib!, { kernel: null })!.filter;
  assert.equal(run(f, "fchmod", [3, 0o644]), ALLOW);
  assert.equal(run(f, "fchmod", [3, 0o600]), ALLOW);
  assert.equal(run(f, "fchmod", [3, 0o777]), errno(EPERM));
});

test("unknown syscall names are skipped and reported; a rule equal to the default is dropped", () => {
  const out = compileSeccomp(
    allowlist([
      { names: ["no_such_syscall_xyz", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 },
      { names: ["chdir"], action: "SCMP_ACT_ERRNO" },
    ]),
    lib!,
    { kernel: null },
  )!;
  assert.deepEqual(out.skipped, ["no_such_syscall_xyz"]);
  assert.equal(run(out.filter, "mkdirat"), errno(13));
  assert.equal(run(out.filter, "chdir"), errno(EPERM));
});

test("flags: explicit ones map to seccomp(2) bits; TSYNC is dropped; NOTIFY adds NEW_LISTENER", () => {
  const base = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] };
  const flags = (f: string[] | undefined, extra: object = {}) =>
    compileSeccomp({ ...base, flags: f, ...extra }, lib!, { kernel: kernelAll })!;
  assert.equal(flags([]).flags, 0, "an empty list means none, not runc's default");
  assert.equal(flags(undefined).flags, 4);
  assert.equal(flags(["SECCOMP_FILTER_FLAG_LOG"]).flags, 2);
  assert.equal(flags(["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]).flags, 6);
  const tsync = flags(["SECCOMP_FILTER_FLAG_TSYNC"]);
  assert.equal(tsync.flags, 0);
  assert.ok(tsync.notes.some((n) => n.includes("TSYNC")));
  assert.equal(flags(["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]).flags, 0, "meaningless without a listener");
  const notify = flags(["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], {
    listenerPath: "/run/agent.sock",
    listenerMetadata: "m",
    syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
  });
  assert.equal(notify.notify, true);
  assert.equal(notify.flags, (1 << 5) | (1 << 3));
  assert.equal(notify.listenerPath, "/run/agent.sock");
  assert.equal(notify.listenerMetadata, "m");
  assert.equal(run(notify.filter, "mkdir"), 0x7fc00000);
});

test("no defaultAction and no syscalls means no filter", () => {
  assert.equal(compileSeccomp(undefined), null);
  assert.equal(compileSeccomp({ defaultAction: "" }), null);
  assert.equal(compileSeccomp({ defaultAction: "", architectures: ["SCMP_ARCH_X86_64"], syscalls: [] }), null);
});
