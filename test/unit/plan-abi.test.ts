// The TS description of native/plan.h (src/plan/ops.ts) against the header itself: a C probe, compiled
// with the header, prints every size, offset and value the TS tables claim, and they must agree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPS, Op, OpFlag, PlanFlag, PLAN_MAGIC, PLAN_VERSION, NOSTR, HEADER, OP_STRUCT, type Struct } from "../../src/plan/ops.js";
import { MsgType, MSG_SIZE, MSG_TEXT, encodeMsg, decodeMsg } from "../../src/sys/sync.js";
import { repoRoot } from "../helpers/rootfs.js";

const native = join(repoRoot, "native");

/** name → value, as the TS side says; the probe prints the same names with C's values */
function claims(): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const struct = (s: Struct): void => {
    out.set(`sizeof(struct ${s.cName})`, BigInt(s.size));
    for (const f of Object.values(s.fields)) {
      out.set(`offsetof(struct ${s.cName}, ${f.name})`, BigInt(f.offset));
      out.set(`sizeof(((struct ${s.cName} *)0)->${f.name})`, BigInt(f.size));
    }
  };
  struct(HEADER);
  struct(OP_STRUCT);
  for (const [k, d] of Object.entries(OPS)) out.set(`OP_${k}`, BigInt(d.code));
  for (const [k, v] of Object.entries(PlanFlag)) out.set(`TSRUN_PF_${k}`, BigInt(v));
  for (const [k, v] of Object.entries(OpFlag)) out.set(`OPF_${k}`, BigInt(v));
  out.set("TSRUN_PLAN_MAGIC", BigInt(PLAN_MAGIC));
  out.set("TSRUN_PLAN_VERSION", BigInt(PLAN_VERSION));
  out.set("TSRUN_NOSTR", BigInt(NOSTR));
  // sync.h: only what holds whatever fields the message grows (src/sys/sync.ts owns the rest)
  out.set("sizeof(struct tsrun_msg)", BigInt(MSG_SIZE));
  out.set("offsetof(struct tsrun_msg, text) + TSRUN_MSG_TEXT", BigInt(MSG_SIZE));
  out.set("TSRUN_MSG_TEXT", BigInt(MSG_TEXT));
  for (const [k, v] of Object.entries(MsgType)) out.set(`MSG_${k}`, BigInt(v));
  return out;
}

function probe(names: string[]): Map<string, bigint> {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-abi-"));
  try {
    const src = [
      "#include <stdio.h>", "#include <stddef.h>", '#include "plan.h"', '#include "sync.h"', "int main(void) {",
      ...names.map((n) => `  printf("%s=%llu\\n", ${JSON.stringify(n)}, (unsigned long long)(${n}));`),
      "  return 0;", "}",
    ].join("\n");
    writeFileSync(join(dir, "probe.c"), src);
    execFileSync("cc", ["-Wall", "-Werror", "-I", native, "-o", join(dir, "probe"), join(dir, "probe.c")], { stdio: "pipe" });
    const out = execFileSync(join(dir, "probe"), { encoding: "utf8" });
    return new Map(out.trim().split("\n").map((l) => { const i = l.lastIndexOf("="); return [l.slice(0, i), BigInt(l.slice(i + 1))]; }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a C probe compiled with plan.h and sync.h agrees with every size, offset and value of the TS tables", () => {
  const want = claims();
  const got = probe([...want.keys()]);
  const wrong = [...want].filter(([k, v]) => got.get(k) !== v).map(([k, v]) => `${k}: TS ${v}, C ${got.get(k)}`);
  assert.deepEqual(wrong, [], "native/plan.h and src/plan/ops.ts disagree");
  assert.equal(HEADER.size, 64, "the header keeps its documented size");
  assert.equal(OP_STRUCT.size, 48, "an op keeps its documented size");
});

test("no opcode of plan.h is missing from the TS table, and OP__COUNT is past them all", () => {
  const body = /enum tsrun_opcode \{([\s\S]*?)\};/.exec(readFileSync(join(native, "plan.h"), "utf8"))![1].replace(/\/\*[\s\S]*?\*\//g, "");
  const cNames = [...body.matchAll(/^\s*(OP_\w+)/gm)].map((m) => m[1]).filter((n) => n !== "OP__COUNT");
  assert.deepEqual(cNames.filter((n) => !(n.slice(3) in OPS)), [], "an opcode exists in plan.h but not in src/plan/ops.ts");
  const count = probe(["OP__COUNT"]).get("OP__COUNT")!;
  assert.ok(count > BigInt(Math.max(...Object.values(Op))), "OP__COUNT is past every opcode");
});

test("every op's slots fit the struct: at most 4 strings, list counts and blob lengths in a number field", () => {
  for (const [k, d] of Object.entries(OPS)) {
    const s = "s" in d ? d.s : [];
    assert.ok(s.length <= OP_STRUCT.fields.s.count!, k);
    for (const slot of s) {
      if (slot.kind === "list") assert.ok(slot.count in d, `${k}: ${slot.name} counts in ${slot.count}, which the op does not describe`);
      if (slot.kind === "blob") assert.ok(slot.len in d, `${k}: ${slot.name} is measured by ${slot.len}, which the op does not describe`);
    }
  }
});

test("sync messages round-trip", () => {
  const m = { type: "error" as const, op: 7, errno: 13, text: "mount /proc" };
  assert.deepEqual(decodeMsg(encodeMsg(m), MSG_SIZE), m);
  assert.deepEqual(decodeMsg(encodeMsg({ type: "pid", pid: 4242 }), MSG_SIZE), { type: "pid", pid: 4242 });
  assert.deepEqual(decodeMsg(Buffer.alloc(0), 0), { type: "eof" });
});
