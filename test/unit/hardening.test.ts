// Fault points and nesting limits, without root. (The /proc mount rule is the executor's: native/test/executor_test_mountcheck.c.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAULT_POINTS, fault } from "../../src/fault.js";
import { repoRoot } from "../helpers/rootfs.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

test("every fault point is called in src/, and every call names a listed point", () => {
  const text = sources(join(repoRoot, "src")).filter((f) => !f.endsWith("fault.ts")).map((f) => readFileSync(f, "utf8")).join("\n");
  const called = [...text.matchAll(/(?<![\w.])fault\("([a-zA-Z-]+)"\)/g)].map((m) => m[1]);
  const hookTemplate = /fault\(`hook-\$\{kind\}`/.test(text);
  assert.equal(new Set(FAULT_POINTS).size, FAULT_POINTS.length, "no duplicate names");
  for (const p of FAULT_POINTS) {
    if (p.startsWith("hook-")) { assert.ok(hookTemplate, p); continue; }
    assert.ok(called.includes(p), `fault("${p}") is called`);
  }
  for (const c of called) assert.ok((FAULT_POINTS as readonly string[]).includes(c), `${c} is listed`);
});

test("fault() is a no-op without TSRUN_FAULT", () => {
  assert.equal(process.env.TSRUN_FAULT, undefined);
  for (const p of FAULT_POINTS) fault(p);
});

test("configs nested deeper than any real one fail with one line, not a stack overflow", async () => {
  const { parseSpec } = await import("../../src/spec/load.js");
  assert.throws(() => parseSpec(`{"a":${"[".repeat(100000)}${"]".repeat(100000)}}`), { message: "config.json: nested deeper than 200 levels" });
  assert.throws(() => parseSpec(`{"a":"${"[".repeat(1000)}"}`), { message: /ociVersion/ }, "brackets inside strings do not count");
});

test("a cgroup directory is announced before it is made (create records it first: a kill right after the mkdir leaks nothing)", async () => {
  const { mkdirUnder } = await import("../../src/cgroup/cgfs.js");
  const { existsSync } = await import("node:fs");
  const r = mkdtempSync(join(tmpdir(), "cgfs-"));
  try {
    mkdirSync(join(r, "a"));
    const announced: Array<[string, boolean]> = [];
    const created: string[] = [];
    mkdirUnder(r, join(r, "a/b/c"), created, undefined, (d) => announced.push([d, existsSync(d)]));
    assert.deepEqual(announced, [[join(r, "a/b"), false], [join(r, "a/b/c"), false]], "only missing dirs, each before it exists");
    assert.deepEqual(created, [join(r, "a/b"), join(r, "a/b/c")]);
  } finally {
    rmSync(r, { recursive: true, force: true });
  }
});
