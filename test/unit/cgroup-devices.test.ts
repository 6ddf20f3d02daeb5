// Device rules: the generated cgroup v2 BPF program, run through our own interpreter,
// and the v1 devices.allow/deny lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ACC_ALL, ACC_MKNOD, ACC_READ, ACC_WRITE, DEFAULT_ALLOWED_DEVICES, evaluateRules, normalizeDeviceRules, v1DeviceLine,
  type DeviceRule,
} from "../../src/cgroup/devices.js";
import { decodeProgram, encodeProgram, generateDeviceProgram, OP } from "../../src/cgroup/devices-bpf.js";
import { BpfError, runBpf, runDeviceProgram } from "../../src/cgroup/bpf-interp.js";
import { mapV1DevicesFromSpec } from "../../src/cgroup/resources-v1.js";
import type { LinuxDeviceCgroup } from "../../src/cgroup/types.js";

const RW = ACC_READ | ACC_WRITE;

function prog(spec: LinuxDeviceCgroup[]) {
  const rules = normalizeDeviceRules(spec);
  // Through the byte encoding, as the kernel would get it.
  const bytes = encodeProgram(generateDeviceProgram(rules));
  return {
    rules,
    allows: (type: "b" | "c", major: number, minor: number, access: number) => runDeviceProgram(bytes, type, major, minor, access),
  };
}

test("default list only (docker/podman's usual deny-all first rule)", () => {
  const p = prog([{ allow: false, access: "rwm" }]);
  assert.equal(p.allows("c", 1, 3, RW), true, "/dev/null");
  assert.equal(p.allows("c", 1, 5, ACC_READ), true, "/dev/zero");
  assert.equal(p.allows("c", 1, 9, RW), true, "/dev/urandom");
  assert.equal(p.allows("c", 5, 0, RW), true, "/dev/tty");
  assert.equal(p.allows("c", 5, 2, RW), true, "/dev/ptmx");
  assert.equal(p.allows("c", 136, 7, RW), true, "/dev/pts/7");
  assert.equal(p.allows("c", 10, 200, RW), true, "/dev/net/tun");
  assert.equal(p.allows("c", 5, 1, RW), false, "/dev/console is not in runc's list");
  assert.equal(p.allows("b", 8, 0, ACC_READ), false, "/dev/sda");
  assert.equal(p.allows("c", 1, 1, ACC_READ), false, "/dev/mem");
  assert.equal(p.allows("b", 8, 0, ACC_MKNOD), true, "mknod of any block node");
  assert.equal(p.allows("c", 4, 1, ACC_MKNOD), true, "mknod of any char node");
  assert.equal(p.allows("c", 4, 1, ACC_MKNOD | ACC_READ), false, "mknod+read is more than mknod");
});

test("no rules at all: default deny plus the defaults", () => {
  const p = prog([]);
  assert.equal(p.allows("c", 1, 3, RW), true);
  assert.equal(p.allows("b", 7, 0, ACC_READ), false);
});

test("allow-all (privileged): an 'a' rule ends the program", () => {
  const p = prog([{ allow: true, access: "rwm" }]);
  assert.equal(p.allows("b", 8, 0, RW), true);
  assert.equal(p.allows("c", 1, 1, ACC_ALL), true);
  const insns = generateDeviceProgram(p.rules);
  const ends = insns.filter((i) => i.code === OP.EXIT).length;
  assert.equal(ends, DEFAULT_ALLOWED_DEVICES.length + 1, "one EXIT per default rule plus the 'a' rule, no default-deny tail");
});

test("wildcards: major only, minor only, type only", () => {
  const p = prog([
    { allow: false, access: "rwm" },
    { allow: true, type: "b", major: 8, access: "r" },
    { allow: true, type: "c", minor: 42, access: "rw" },
    { allow: true, type: "b", access: "w" },
  ]);
  assert.equal(p.allows("b", 8, 0, ACC_READ), true, "b 8:* r");
  assert.equal(p.allows("b", 8, 17, ACC_READ), true);
  assert.equal(p.allows("b", 8, 0, RW), false, "r and w are granted by different rules: neither covers both");
  assert.equal(p.allows("b", 9, 0, ACC_WRITE), true, "b *:* w");
  assert.equal(p.allows("b", 9, 0, ACC_READ), false);
  assert.equal(p.allows("c", 99, 42, RW), true, "c *:42 rw");
  assert.equal(p.allows("c", 99, 43, ACC_READ), false);
  assert.equal(p.allows("c", 8, 0, ACC_READ), false, "type matters");
});

test("last match wins: a later deny overrides an earlier allow, and back", () => {
  const p = prog([
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 4, access: "rwm" },
    { allow: false, type: "c", major: 4, minor: 1, access: "w" },
  ]);
  assert.equal(p.allows("c", 4, 0, RW), true);
  assert.equal(p.allows("c", 4, 1, ACC_READ), true, "the deny names only w");
  assert.equal(p.allows("c", 4, 1, ACC_WRITE), false);
  assert.equal(p.allows("c", 4, 1, RW), false, "a deny matches when any requested bit is denied");

  const q = prog([
    { allow: false, access: "rwm" },
    { allow: false, type: "c", major: 4, minor: 1, access: "rwm" },
    { allow: true, type: "c", major: 4, access: "rwm" },
  ]);
  assert.equal(q.allows("c", 4, 1, RW), true, "the later, wider allow wins");
});

test("a deny-all in the middle hides everything before it", () => {
  const p = prog([
    { allow: true, type: "b", major: 8, minor: 0, access: "rwm" },
    { allow: false, access: "rwm" },
    { allow: true, type: "b", major: 8, minor: 1, access: "r" },
  ]);
  assert.equal(p.allows("b", 8, 0, ACC_READ), false);
  assert.equal(p.allows("b", 8, 1, ACC_READ), true);
  // Blacklist mode: allow all, then deny one device.
  const q = prog([{ allow: true, access: "rwm" }, { allow: false, type: "b", major: 8, minor: 0, access: "rw" }]);
  assert.equal(q.allows("b", 8, 0, ACC_READ), false);
  assert.equal(q.allows("b", 8, 0, ACC_MKNOD), true, "b *:* m from the defaults comes later");
  assert.equal(q.allows("b", 8, 16, ACC_READ), true);
});

test("the program agrees with the reference semantics on many requests", () => {
  const specs: LinuxDeviceCgroup[][] = [
    [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, access: "r" }, { allow: false, type: "c", minor: 5, access: "m" }],
    [{ allow: true, access: "rwm" }, { allow: false, type: "b", access: "rw" }, { allow: true, type: "b", major: 8, minor: 3, access: "rm" }],
    [{ allow: false, type: "c", major: 1, minor: 3, access: "w" }],
  ];
  let n = 0;
  for (const spec of specs) {
    const rules = normalizeDeviceRules(spec);
    const bytes = encodeProgram(generateDeviceProgram(rules));
    for (const type of ["b", "c"] as const)
      for (const major of [1, 5, 8, 136, 4095])
        for (const minor of [0, 3, 5, 8])
          for (let access = 1; access <= ACC_ALL; access++) {
            assert.equal(runDeviceProgram(bytes, type, major, minor, access), evaluateRules(rules, type, major, minor, access),
              `${JSON.stringify(spec)} ${type} ${major}:${minor} ${access}`);
            n++;
          }
  }
  assert.equal(n, 3 * 2 * 5 * 4 * 7);
});

test("encoding round-trips and has the layout the kernel wants", () => {
  const insns = generateDeviceProgram(normalizeDeviceRules([{ allow: false, access: "rwm" }]));
  const bytes = encodeProgram(insns);
  assert.equal(bytes.length, insns.length * 8);
  assert.deepEqual(decodeProgram(bytes), insns);
  // r2 = *(u32 *)(r1 + 0): code 0x61, dst 2 in the low nibble, src 1 in the high one
  assert.deepEqual([...bytes.subarray(0, 8)], [0x61, 0x12, 0, 0, 0, 0, 0, 0]);
  assert.equal(insns.at(-1)?.code, OP.EXIT);
});

test("validation: one line naming the field", () => {
  assert.throws(() => normalizeDeviceRules([{ allow: true, type: "x", access: "r" }]), /^TsrunError: linux\.resources\.devices\[0\]\.type: invalid device type "x"/);
  assert.throws(() => normalizeDeviceRules([{ allow: true, access: "" }]), /devices\[0\]\.access: must not be empty/);
  assert.throws(() => normalizeDeviceRules([{ allow: true }]), /devices\[0\]\.access: must not be empty/);
  assert.throws(() => normalizeDeviceRules([{ allow: true, access: "xyz" }]), /devices\[0\]\.access: "xyz" grants none of r, w, m/);
  assert.throws(() => normalizeDeviceRules([{ allow: true, type: "c", major: -5, access: "r" }]), /devices\[0\]\.major: invalid device number -5/);
});

test("access letters runc does not know are ignored, as runc ignores them: \"rwa\" is \"rw\"", () => {
  const [rule] = normalizeDeviceRules([{ allow: true, type: "c", major: 1, minor: 4, access: "rwa" }]);
  assert.equal(rule.access, RW);
  assert.equal(v1DeviceLine(rule), "c 1:4 rw", "the v1 line runc writes for it");
  const p = prog([{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 4, access: "rwa" }]);
  assert.equal(p.allows("c", 1, 4, RW), true, "the v2 filter lets read+write through");
  const q = prog([{ allow: true, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 4, access: "wa" }]);
  assert.equal(q.allows("c", 1, 4, ACC_WRITE), false, "a deny of \"wa\" denies write");
  assert.equal(q.allows("c", 1, 4, ACC_READ), true, "and leaves read alone");
});

test("v1 lines: reset to deny-all, then each rule in order", () => {
  const w = mapV1DevicesFromSpec([
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 10, minor: 229, access: "rwm" },
    { allow: false, type: "b", major: 8, access: "w" },
  ]);
  assert.deepEqual(w.slice(0, 4).map((x) => `${x.file} ${x.value}`), [
    "devices.deny a",
    "devices.deny a",
    "devices.allow c 10:229 rwm",
    "devices.deny b 8:* w",
  ]);
  assert.deepEqual(w.slice(4).map((x) => x.value), DEFAULT_ALLOWED_DEVICES.map(v1DeviceLine));
  assert.equal(v1DeviceLine(DEFAULT_ALLOWED_DEVICES[0]), "c *:* m");
  assert.equal(v1DeviceLine({ allow: true, type: "c", major: 136, minor: -1, access: ACC_ALL } as DeviceRule), "c 136:* rwm");
});

test("interpreter: ALU/JMP semantics and verifier-like refusals", () => {
  const ctx = Buffer.alloc(12);
  const I = (code: number, dst = 0, src = 0, off = 0, imm = 0) => ({ code, dst, src, off, imm });
  // r0 = -1 (alu64 mov, sign-extended); r0 >>= 60 (logical) -> 15
  assert.equal(runBpf([I(0xb7, 0, 0, 0, -1), I(0x77, 0, 0, 0, 60), I(OP.EXIT)], ctx), 15);
  // 32-bit ALU zero-extends: r0 = 0xffffffff + 1 -> 0
  assert.equal(runBpf([I(0xb4, 0, 0, 0, -1), I(0x04, 0, 0, 0, 1), I(OP.EXIT)], ctx), 0);
  // division by zero yields 0
  assert.equal(runBpf([I(0xb7, 0, 0, 0, 7), I(0x37, 0, 0, 0, 0), I(OP.EXIT)], ctx), 0);
  // signed vs unsigned compare: -1 > 1 unsigned, not signed
  const cmp = (code: number) => runBpf([I(0xb7, 2, 0, 0, -1), I(0xb7, 0, 0, 0, 0), I(code, 2, 0, 1, 1), I(OP.EXIT), I(0xb7, 0, 0, 0, 1), I(OP.EXIT)], ctx);
  assert.equal(cmp(0x25), 1, "JGT");
  assert.equal(cmp(0x65), 0, "JSGT");
  assert.throws(() => runBpf([I(0xbf, 0, 3), I(OP.EXIT)], ctx), BpfError, "uninitialized r3");
  assert.throws(() => runBpf([I(0x05, 0, 0, 5)], ctx), /outside the program/);
  assert.throws(() => runBpf([I(0x61, 0, 1, 12), I(OP.EXIT)], ctx), /out of bounds/);
  assert.throws(() => runBpf([I(0xb7, 0, 0, 0, 0)], ctx), /outside the program/, "falls off the end");
  assert.throws(() => runBpf([I(0x05, 0, 0, -1)], ctx, 50), /no EXIT after 50 steps/);
});
