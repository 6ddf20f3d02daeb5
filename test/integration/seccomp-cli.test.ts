// Bad seccomp profiles through `tsrun create` (one line, exit 1, nothing left), and what
// `tsrun features` says about seccomp.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const rule = (extra: Record<string, unknown>) => ({ names: ["personality"], action: "SCMP_ACT_ERRNO", ...extra });
const bad: Array<[string, Record<string, unknown>, string]> = [
  ["an unknown action", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule({ action: "SCMP_ACT_FOO" })] },
    'config.json: linux.seccomp.syscalls[0].action: unknown seccomp action "SCMP_ACT_FOO"'],
  ["an unknown default action", { defaultAction: "SCMP_ACT_MAYBE" },
    'config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_MAYBE"'],
  ["an unknown arch", { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"] },
    'config.json: linux.seccomp.architectures[1]: unknown seccomp architecture "SCMP_ARCH_VAX"'],
  ["an arg index greater than 5", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule({ args: [{ index: 6, value: 1, op: "SCMP_CMP_EQ" }] })] },
    "config.json: linux.seccomp.syscalls[0].args[0].index: expected a non-negative integer at most 5, got 6"],
  ["an unknown operator", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule({ args: [{ index: 0, value: 1, op: "SCMP_CMP_ABOUT" }] })] },
    'config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_ABOUT"'],
  ["NOTIFY without listenerPath", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule({ action: "SCMP_ACT_NOTIFY" })] },
    "config.json: linux.seccomp.listenerPath: is required when a rule uses SCMP_ACT_NOTIFY"],
  ["an errnoRet the filter cannot carry (16 bits)", { defaultAction: "SCMP_ACT_ALLOW", syscalls: [rule({ errnoRet: 65536 })] },
    "config.json: linux.seccomp.syscalls[0].errnoRet: expected a non-negative integer at most 65535, got 65536"],
];

for (const [what, seccomp, line] of bad) {
  test(`a profile with ${what}: create fails with one line and leaves nothing`, () => {
    const b = h.bundle({ process: { args: ["/bin/tsrun-testhelper", "echo", "hi"] }, linux: { seccomp } });
    const id = h.id();
    const r = h.run(["create", "--bundle", b, id]);
    assert.ok(oneLineError(r), `status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    assert.equal(r.stderr, `${line}\n`);
    h.assertGone(id);
  });
}

test("features lists the seccomp actions, operators, archs and flags, and libseccomp's version", () => {
  const f = JSON.parse(h.ok(["features"]).stdout);
  const s = f.linux.seccomp;
  assert.equal(s.enabled, true);
  for (const a of ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"]) assert.ok(s.actions.includes(a), a);
  assert.deepEqual(s.operators, ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"]);
  for (const a of ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"]) assert.ok(s.archs.includes(a), a);
  assert.deepEqual(s.knownFlags, ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]);
  assert.ok(s.supportedFlags.includes("SECCOMP_FILTER_FLAG_LOG"), "kernel 6.x has SECCOMP_FILTER_FLAG_LOG");
  assert.match(f.annotations["io.github.seccomp.libseccomp.version"], /^2\.\d+\.\d+$/);
});
