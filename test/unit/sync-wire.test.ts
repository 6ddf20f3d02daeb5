// The sync message as both sides lay it out: a C probe compiled against native/sync.h prints
// the struct's size and member offsets, and src/sys/sync.ts must agree; golden bytes pin the
// encoding of the messages the parent and child exchange.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MSG_SIZE, MSG_TEXT, MsgField, MsgType, decodeMsg, encodeMsg, type SyncMsg } from "../../src/sys/sync.js";
import { repoRoot } from "../helpers/rootfs.js";

test("struct tsrun_msg: size, text length and every member's offset match the C compiler's", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-sync-probe-"));
  try {
    const members = Object.keys(MsgField);
    writeFileSync(join(dir, "probe.c"), [
      "#include <stddef.h>", "#include <stdio.h>", '#include "sync.h"',
      "int main(void) {",
      '  printf("size %zu\\n", sizeof(struct tsrun_msg));',
      '  printf("textlen %d\\n", TSRUN_MSG_TEXT);',
      ...members.map((m) => `  printf("${m} %zu\\n", offsetof(struct tsrun_msg, ${m}));`),
      ...Object.keys(MsgType).map((k) => `  printf("MSG_${k} %d\\n", (int)MSG_${k});`),
      "  return 0;", "}", "",
    ].join("\n"));
    execFileSync(process.env.CC ?? "cc", ["-std=c11", "-Wall", "-Werror", "-I", join(repoRoot, "native"), "-o", join(dir, "probe"), join(dir, "probe.c")]);
    const c = new Map(execFileSync(join(dir, "probe"), { encoding: "utf8" }).trim().split("\n").map((l) => {
      const [k, v] = l.split(" ");
      return [k, Number(v)] as const;
    }));
    assert.equal(c.get("size"), MSG_SIZE);
    assert.equal(c.get("textlen"), MSG_TEXT);
    for (const m of members) assert.equal(c.get(m), MsgField[m as keyof typeof MsgField], `offsetof ${m}`);
    for (const [k, v] of Object.entries(MsgType)) assert.equal(c.get(`MSG_${k}`), v, k);
    assert.equal(MsgField.text + MSG_TEXT, MSG_SIZE, "the text runs to the end of the datagram");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hex = (b: Buffer, n = 24): string => b.subarray(0, n).toString("hex");

test("golden: the hook point has its own field; pid stays 0 in a HOOKS message", () => {
  const b = encodeMsg({ type: "hooks", point: 0x102 });
  //                  type     op       err      pid      point    text
  assert.equal(hex(b), "0f000000" + "00000000" + "00000000" + "00000000" + "02010000" + "00000000");
  assert.ok(b.subarray(24).every((x) => x === 0));
  assert.deepEqual(decodeMsg(b, MSG_SIZE), { type: "hooks", point: 0x102 });
  // a message with a pid but no point (MAPS_REQUEST, PID) is not a hook point
  assert.equal(hex(encodeMsg({ type: "pid", pid: 4242 })), "03000000" + "00000000" + "00000000" + "92100000" + "00000000" + "00000000");
});

test("golden: an error carries op, errno and NUL-terminated text after the point", () => {
  const b = encodeMsg({ type: "error", op: 3, errno: 19, text: "/x" });
  assert.equal(hex(b, 24), "05000000" + "03000000" + "13000000" + "00000000" + "00000000" + "2f780000");
  assert.deepEqual(decodeMsg(b, MSG_SIZE), { type: "error", op: 3, errno: 19, text: "/x" });
  const long = encodeMsg({ type: "error", op: 1, errno: 2, text: "é".repeat(200) });   // 400 bytes of UTF-8
  const back = decodeMsg(long, MSG_SIZE) as Extract<SyncMsg, { type: "error" }>;
  assert.equal(back.text, "é".repeat((MSG_TEXT - 1) >> 1), "cut to whole characters, NUL kept");
  assert.equal(long[MSG_SIZE - 1], 0);
});

test("every message the parent sends or reads round-trips; EOF is a zero-length read", () => {
  const all: SyncMsg[] = [
    { type: "maps-request", pid: 0 }, { type: "go" }, { type: "pid", pid: 77 }, { type: "ready" },
    { type: "error", op: -1, errno: 1, text: "unshare" }, { type: "hooks", point: 1 }, { type: "hooks-done" },
    { type: "seccomp-fd", fd: -1 },
  ];
  for (const m of all) assert.deepEqual(decodeMsg(encodeMsg(m), MSG_SIZE), m, m.type);
  assert.deepEqual(decodeMsg(Buffer.alloc(0), 0), { type: "eof" });
  assert.throws(() => decodeMsg(Buffer.alloc(MSG_SIZE), 100), /sync: short message \(100 bytes\)/);
});
