// The TS mirror of native/plan.h and native/sync.h must match the headers exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Op, OpFlag, PlanFlag, PLAN_MAGIC, PLAN_VERSION, HEADER_SIZE, OP_SIZE } from "../../src/plan/ops.js";
import { MsgType, MSG_SIZE, MSG_TEXT, encodeMsg, decodeMsg } from "../../src/sys/sync.js";
import { repoRoot } from "../helpers/rootfs.js";

const planH = readFileSync(join(repoRoot, "native", "plan.h"), "utf8");
const syncH = readFileSync(join(repoRoot, "native", "sync.h"), "utf8");

function enumValues(text: string, enumName: string): Map<string, number> {
  const body = new RegExp(`enum ${enumName} \\{([\\s\\S]*?)\\};`).exec(text)![1].replace(/\/\*[\s\S]*?\*\//g, "");
  const out = new Map<string, number>();
  let next = 0;
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    const m = /^(\w+)\s*(?:=\s*(\w+))?\s*,?$/.exec(line);
    if (!m) continue;
    next = m[2] !== undefined ? Number(m[2]) : next;
    out.set(m[1], next++);
  }
  return out;
}
function define(text: string, name: string): number {
  return Number(new RegExp(`#define ${name}\\s+(0x[0-9a-f]+|\\d+)u?`).exec(text)![1]);
}

test("every plan opcode in TS equals the C enum, and none is missing", () => {
  const c = enumValues(planH, "tsrun_opcode");
  for (const [name, v] of Object.entries(Op)) assert.equal(c.get(`OP_${name}`), v, `OP_${name}`);
  const cOps = [...c.keys()].filter((k) => k !== "OP__COUNT");
  assert.equal(cOps.length, Object.keys(Op).length, "an opcode exists in plan.h but not in ops.ts");
  const max = Math.max(...Object.values(Op));
  assert.ok(c.get("OP__COUNT")! > max, "OP__COUNT is past every opcode");
});

test("plan header constants and flags match", () => {
  assert.equal(define(planH, "TSRUN_PLAN_MAGIC"), PLAN_MAGIC);
  assert.equal(define(planH, "TSRUN_PLAN_VERSION"), PLAN_VERSION);
  for (const [k, v] of Object.entries(PlanFlag)) assert.equal(define(planH, `TSRUN_PF_${k}`), v, k);
  for (const [k, v] of Object.entries(OpFlag)) assert.equal(define(planH, `OPF_${k}`), v, k);
  assert.equal(HEADER_SIZE, 64);
  assert.equal(OP_SIZE, 48);
});

test("sync message codes and sizes match sync.h, and messages round-trip", () => {
  const c = enumValues(syncH, "tsrun_msg_type");
  for (const [k, v] of Object.entries(MsgType)) assert.equal(c.get(`MSG_${k}`), v, k);
  assert.equal(define(syncH, "TSRUN_MSG_TEXT"), MSG_TEXT);
  assert.equal(MSG_SIZE, 20 + MSG_TEXT);
  const m = { type: "error" as const, op: 7, errno: 13, text: "mount /proc" };
  assert.deepEqual(decodeMsg(encodeMsg(m), MSG_SIZE), m);
  assert.deepEqual(decodeMsg(encodeMsg({ type: "pid", pid: 4242 }), MSG_SIZE), { type: "pid", pid: 4242 });
  assert.deepEqual(decodeMsg(Buffer.alloc(0), 0), { type: "eof" });
});
