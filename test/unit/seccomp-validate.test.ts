// Every bad linux.seccomp gets exactly one line, `config.json: linux.seccomp...: <message>`, from the
// one validation pipeline (schema + semantic rules) before libseccomp is ever loaded; what depends on
// this host's libseccomp or kernel is said by the compiler in the same words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileSeccomp } from "../../src/seccomp/compile.js";
import { parseSpec } from "../../src/spec/load.js";
import { TsrunError } from "../../src/errors.js";
import { loadLibseccomp, type Libseccomp, type SeccompKernel } from "../../src/sys/libseccomp.js";
import type { LinuxSeccomp } from "../../src/spec/schema.js";

const ok = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" };
const base = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [ok] };
const config = (seccomp: unknown) =>
  JSON.stringify({ ociVersion: "1.2.0", root: { path: "rootfs" }, process: { cwd: "/", args: ["sh"] }, linux: { seccomp } });

function expectError(seccomp: unknown, message: string) {
  assert.throws(() => parseSpec(config(seccomp)), (e: unknown) => {
    assert.ok(e instanceof TsrunError, `TsrunError, got ${e}`);
    assert.equal(e.message, message);
    return true;
  });
}
const P = "config.json: linux.seccomp";

test("unknown actions, and a missing one", () => {
  expectError({ ...base, defaultAction: "SCMP_ACT_FOO" }, `${P}.defaultAction: unknown seccomp action "SCMP_ACT_FOO"`);
  expectError({ ...base, syscalls: [ok, ok, ok, { names: ["open"], action: "SCMP_ACT_FOO" }] },
    `${P}.syscalls[3].action: unknown seccomp action "SCMP_ACT_FOO"`);
  expectError({ ...base, syscalls: [{ names: ["open"] }] }, `${P}.syscalls[0].action: is required`);
  expectError({ syscalls: [ok] }, `${P}.defaultAction: is required`);
  expectError({ defaultAction: "", syscalls: [ok] }, `${P}.defaultAction: must name an action when syscalls are given`);
});

test("unknown architecture, operator and flag", () => {
  expectError({ ...base, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"] }, `${P}.architectures[1]: unknown seccomp architecture "SCMP_ARCH_Z80"`);
  expectError({ ...base, flags: ["SECCOMP_FILTER_FLAG_FOO"] }, `${P}.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_FOO"`);
  const withArg = (arg: object) => ({ ...base, syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", args: [arg] }] });
  expectError(withArg({ index: 0, value: 0, op: "SCMP_CMP_FOO" }), `${P}.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_FOO"`);
});

// The two validators disagreed here: the schema took any uint32, the seccomp layer 0..5 and 0..65535.
// The kernel decides: struct seccomp_data has args[6], and a filter's return value carries 16 bits of data.
test("limits: argument index 0..5 (seccomp_data.args[6]), errnoRet 0..65535 (SECCOMP_RET_DATA)", () => {
  const withArg = (arg: object) => ({ ...base, syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", args: [arg] }] });
  expectError(withArg({ index: 6, value: 0, op: "SCMP_CMP_EQ" }), `${P}.syscalls[0].args[0].index: expected a non-negative integer at most 5, got 6`);
  expectError(withArg({ index: -1, value: 0, op: "SCMP_CMP_EQ" }), `${P}.syscalls[0].args[0].index: expected a non-negative integer, got -1`);
  expectError(withArg({ index: 0, value: -1, op: "SCMP_CMP_EQ" }), `${P}.syscalls[0].args[0].value: expected a non-negative integer, got -1`);
  expectError(withArg({ index: 0, value: 1, valueTwo: 1.5, op: "SCMP_CMP_MASKED_EQ" }), `${P}.syscalls[0].args[0].valueTwo: expected a non-negative integer, got 1.5`);
  expectError({ ...base, defaultErrnoRet: 65536 }, `${P}.defaultErrnoRet: expected a non-negative integer at most 65535, got 65536`);
  expectError({ ...base, syscalls: [{ ...ok, errnoRet: 70000 }] }, `${P}.syscalls[0].errnoRet: expected a non-negative integer at most 65535, got 70000`);
  expectError({ ...base, syscalls: [{ ...ok, errnoRet: "EPERM" }] }, `${P}.syscalls[0].errnoRet: expected a non-negative integer, got "EPERM"`);
  // the edges are accepted
  const edge = parseSpec(config({ ...base, defaultErrnoRet: 65535, syscalls: [{ ...ok, args: [{ index: 5, value: 0, op: "SCMP_CMP_EQ" }] }] }));
  assert.equal(edge.linux?.seccomp?.defaultErrnoRet, 65535);
});

test("names: at least one, none empty", () => {
  expectError({ ...base, syscalls: [{ names: [], action: "SCMP_ACT_ERRNO" }] }, `${P}.syscalls[0].names: must have at least one element`);
  expectError({ ...base, syscalls: [{ action: "SCMP_ACT_ERRNO" }] }, `${P}.syscalls[0].names: is required`);
  expectError({ ...base, syscalls: [{ names: ["open", ""], action: "SCMP_ACT_ERRNO" }] }, `${P}.syscalls[0].names[1]: must not be empty`);
});

test("notify: not as default, not for write, and only with a listenerPath", () => {
  expectError({ ...base, defaultAction: "SCMP_ACT_NOTIFY" }, `${P}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action`);
  expectError({ ...base, listenerPath: "/x", syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_NOTIFY" }] },
    `${P}.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall`);
  expectError({ ...base, syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }, `${P}.listenerPath: is required when a rule uses SCMP_ACT_NOTIFY`);
});

test("wrong shapes", () => {
  expectError("SCMP_ACT_ALLOW", `${P}: expected an object, got "SCMP_ACT_ALLOW"`);
  expectError({ ...base, syscalls: {} }, `${P}.syscalls: expected an array, got an object`);
  expectError({ ...base, syscalls: [ok, 3] }, `${P}.syscalls[1]: expected an object, got 3`);
  expectError({ ...base, architectures: "SCMP_ARCH_X86_64" }, `${P}.architectures: expected an array, got "SCMP_ARCH_X86_64"`);
  expectError({ ...base, listenerPath: 3 }, `${P}.listenerPath: expected a string, got 3`);
});

test("an empty defaultAction without syscalls is no filter, as runc reads it", () => {
  const spec = parseSpec(config({ defaultAction: "" }));
  assert.equal(compileSeccomp(spec.linux?.seccomp), null);
});

function expectHostError(seccomp: unknown, message: string, lib: Libseccomp, kernel: SeccompKernel | null = null) {
  const parsed = parseSpec(config(seccomp)).linux!.seccomp as LinuxSeccomp;
  assert.throws(() => compileSeccomp(parsed, lib, { kernel }), { message });
}

test("a known flag the kernel lacks is named by the compiler", () => {
  const lib = loadLibseccomp();
  assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)");
  const noLog: SeccompKernel = { filterFlagsSupported: (f) => (f & 2) === 0, actionAvailable: () => true };
  expectHostError({ ...base, flags: ["SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"] },
    `${P}.flags[1]: "SECCOMP_FILTER_FLAG_LOG" is not supported by the running kernel`, lib, noLog);
});

test("an architecture this libseccomp lacks is named with the libseccomp version", (t) => {
  const lib = loadLibseccomp();
  assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)");
  const lacking = ["SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"].find(
    (a) => lib.archResolveName(a.replace("SCMP_ARCH_", "").toLowerCase()) === 0,
  );
  if (!lacking) return t.skip("this libseccomp knows every spec architecture");
  const v = lib.version();
  expectHostError({ ...base, architectures: [lacking] }, `${P}.architectures[0]: "${lacking}" is not supported by libseccomp ${v.major}.${v.minor}.${v.micro}`, lib);
});

test("uint64 values near 2^64 that JSON.parse rounded up are saturated, not rejected", () => {
  const lib = loadLibseccomp();
  assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)");
  const spec = parseSpec(config({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }] }] })
    .replace('"value":0', '"value":18446744073709551615'));
  assert.ok(compileSeccomp(spec.linux!.seccomp, lib, { kernel: null })!.filter.length > 0);
});
