import { test } from "node:test";
import assert from "node:assert/strict";
import { deriveStatus, parseProcStat } from "../../src/state/status.js";
import { validateId } from "../../src/state/ids.js";
import { parseSignal } from "../../src/signals.js";

const alive = { state: "S", startTime: 100 };
const base = { phase: "created" as const, pid: 42, startTime: 100, proc: alive, fifoExists: false, frozen: false };

test("status is derived from the process, the fifo and the freezer, never stored", () => {
  assert.equal(deriveStatus({ ...base, fifoExists: true }), "created");
  assert.equal(deriveStatus(base), "running");
  assert.equal(deriveStatus({ ...base, frozen: true }), "paused");
  assert.equal(deriveStatus({ ...base, proc: undefined }), "stopped");
  assert.equal(deriveStatus({ ...base, proc: { state: "Z", startTime: 100 } }), "stopped", "a zombie init is stopped");
  assert.equal(deriveStatus({ ...base, proc: { state: "S", startTime: 999 } }), "stopped", "a recycled pid is stopped");
  assert.equal(deriveStatus({ ...base, pid: 0 }), "stopped");
  assert.equal(deriveStatus({ ...base, phase: "creating" }), "creating");
  assert.equal(deriveStatus({ ...base, phase: "creating", proc: undefined }), "stopped", "a creator that died leaves a stopped container");
});

test("/proc/pid/stat is parsed even when comm has spaces and parens", () => {
  const line = "1234 (evil) name (x) R 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615";
  assert.deepEqual(parseProcStat(line), { state: "R", startTime: 987654, ppid: 1 });
  assert.equal(parseProcStat("garbage"), undefined);
});

test("container ids: runc's alphabet, never . or .., checked before any path is built", () => {
  for (const ok of ["a", "c1", "A_b+c.d-e", "x".repeat(200), "..."]) assert.equal(validateId(ok), ok);
  for (const bad of ["", ".", "..", "a/b", "../x", "a b", "a\0b", "é", "a:b", "/abs"]) {
    assert.throws(() => validateId(bad), (e: Error) => !e.message.includes("\n") && /container id/.test(e.message), JSON.stringify(bad));
  }
});

test("signals: number, name, or SIG-name; junk is refused", () => {
  assert.equal(parseSignal("9"), 9);
  assert.equal(parseSignal("KILL"), 9);
  assert.equal(parseSignal("SIGKILL"), 9);
  assert.equal(parseSignal("term"), 15);
  assert.equal(parseSignal(undefined), 15);
  assert.equal(parseSignal("SIGRTMIN+2"), 36);
  assert.equal(parseSignal("0"), 0, "0 is the liveness check, as in runc");
  for (const bad of ["65", "FOO", "-9", "9x", ""]) assert.throws(() => parseSignal(bad), /invalid signal/);
});
