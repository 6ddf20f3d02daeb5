// Every bad seccomp profile gets exactly one line that names the JSON path. Validation
// runs before libseccomp is touched, so most cases use a library that must not be called.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileSeccomp } from "../../src/seccomp/compile.js";
import { TsrunError } from "../../src/errors.js";
import { loadLibseccomp, type Libseccomp, type SeccompKernel } from "../../src/sys/libseccomp.js";

const untouchable = new Proxy({} as Libseccomp, {
  get(_t, prop) {
    throw new Error(`libseccomp.${String(prop)} called during validation`);
  },
});

const ok = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" };
const base = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [ok] };

function expectError(profile: unknown, message: string, lib: Libseccomp = untouchable, kernel: SeccompKernel | null = null) {
  assert.throws(
    () => compileSeccomp(profile, lib, { kernel }),
    (e: unknown) => {
      assert.ok(e instanceof TsrunError, `TsrunError, got ${e}`);
      assert.equal(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    },
  );
}

const P = "config.json: linux.seccomp";

test("unknown actions", () => {
  expectError({ ...base, defaultAction: "SCMP_ACT_FOO" }, `${P}.defaultAction: unknown action "SCMP_ACT_FOO"`);
  expectError(
    { ...base, syscalls: [ok, ok, ok, { names: ["open"], action: "SCMP_ACT_FOO" }] },
    `${P}.syscalls[3].action: unknown action "SCMP_ACT_FOO"`,
  );
  expectError({ ...base, syscalls: [{ names: ["open"] }] }, `${P}.syscalls[0].action: must be a string naming an SCMP_ACT_* action`);
  expectError({ syscalls: [ok] }, `${P}.defaultAction: must be a string naming an SCMP_ACT_* action`);
});

test("unknown architecture", () => {
  expectError(
    { ...base, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"] },
    `${P}.architectures[1]: unknown architecture "SCMP_ARCH_Z80"`,
  );
});

test("argument index, operator and values", () => {
  const withArg = (arg: object) => ({ ...base, syscalls: [{ names: ["personality"], action: "SCMP_ACT_ERRNO", args: [arg] }] });
  expectError(withArg({ index: 6, value: 0, op: "SCMP_CMP_EQ" }), `${P}.syscalls[0].args[0].index: must be an argument index from 0 to 5, got 6`);
  expectError(withArg({ index: -1, value: 0, op: "SCMP_CMP_EQ" }), `${P}.syscalls[0].args[0].index: must be an argument index from 0 to 5, got -1`);
  expectError(withArg({ index: 0, value: 0, op: "SCMP_CMP_FOO" }), `${P}.syscalls[0].args[0].op: unknown operator "SCMP_CMP_FOO"`);
  expectError(withArg({ index: 0, value: -1, op: "SCMP_CMP_EQ" }), `${P}.syscalls[0].args[0].value: must be an unsigned 64-bit integer, got -1`);
  expectError(withArg({ index: 0, value: 1, valueTwo: 1.5, op: "SCMP_CMP_MASKED_EQ" }), `${P}.syscalls[0].args[0].valueTwo: must be an unsigned 64-bit integer, got 1.5`);
});

test("empty names", () => {
  expectError({ ...base, syscalls: [{ names: [], action: "SCMP_ACT_ERRNO" }] }, `${P}.syscalls[0].names: must be a non-empty array of syscall names`);
  expectError({ ...base, syscalls: [{ action: "SCMP_ACT_ERRNO" }] }, `${P}.syscalls[0].names: must be a non-empty array of syscall names`);
  expectError({ ...base, syscalls: [{ names: ["open", ""], action: "SCMP_ACT_ERRNO" }] }, `${P}.syscalls[0].names[1]: must be a non-empty string`);
});

test("unknown flag, and a known flag the kernel lacks", () => {
  expectError({ ...base, flags: ["SECCOMP_FILTER_FLAG_FOO"] }, `${P}.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FOO"`);
  const lib = loadLibseccomp();
  if (!lib) return;
  const noLog: SeccompKernel = { filterFlagsSupported: (f) => (f & 2) === 0, actionAvailable: () => true };
  expectError(
    { ...base, flags: ["SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"] },
    `${P}.flags[1]: "SECCOMP_FILTER_FLAG_LOG" is not supported by the running kernel`,
    lib,
    noLog,
  );
});

test("errno values", () => {
  expectError({ ...base, defaultErrnoRet: 70000 }, `${P}.defaultErrnoRet: must be an integer from 0 to 65535, got 70000`);
  expectError({ ...base, syscalls: [{ ...ok, errnoRet: "EPERM" }] }, `${P}.syscalls[0].errnoRet: must be an integer from 0 to 65535, got "EPERM"`);
});

test("notify: not as default, not for write, and only with a listenerPath", () => {
  expectError({ ...base, defaultAction: "SCMP_ACT_NOTIFY" }, `${P}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action`);
  expectError(
    { ...base, listenerPath: "/x", syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_NOTIFY" }] },
    `${P}.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for the write syscall`,
  );
  expectError({ ...base, syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] }, `${P}.listenerPath: required when a rule uses SCMP_ACT_NOTIFY`);
});

test("wrong shapes", () => {
  expectError("SCMP_ACT_ALLOW", `${P}: must be an object`);
  expectError({ ...base, syscalls: {} }, `${P}.syscalls: must be an array`);
  expectError({ ...base, syscalls: [ok, 3] }, `${P}.syscalls[1]: must be an object`);
  expectError({ ...base, architectures: "SCMP_ARCH_X86_64" }, `${P}.architectures: must be an array`);
  expectError({ ...base, listenerPath: 3 }, `${P}.listenerPath: must be a string`);
});

test("the error prefix can name another file", () => {
  assert.throws(() => compileSeccomp({ defaultAction: "X" }, untouchable, { where: "bundle/config.json: linux.seccomp" }), {
    message: 'bundle/config.json: linux.seccomp.defaultAction: unknown action "X"',
  });
});

test("an architecture this libseccomp lacks is named with the libseccomp version", (t) => {
  const lib = loadLibseccomp();
  assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)");
  const lacking = ["SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"].find(
    (a) => lib.archResolveName(a.replace("SCMP_ARCH_", "").toLowerCase()) === 0,
  );
  if (!lacking) return t.skip("this libseccomp knows every spec architecture");
  const v = lib.version();
  expectError(
    { ...base, architectures: [lacking] },
    `${P}.architectures[0]: "${lacking}" is not supported by libseccomp ${v.major}.${v.minor}.${v.micro}`,
    lib,
  );
});

test("uint64 values near 2^64 that JSON.parse rounded up are saturated, not rejected", (t) => {
  const lib = loadLibseccomp();
  assert.ok(lib, "libseccomp.so.2 is not installed (apt-get install libseccomp2)");
  const profile = JSON.parse(
    '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}',
  );
  assert.ok(compileSeccomp(profile, lib, { kernel: null })!.filter.length > 0);
});
