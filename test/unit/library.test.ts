// The library without root: a Runtime on its own root, typed errors that name the config member,
// and bad input refused before the kernel is touched (the injected Sys throws if it is used).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Runtime, RuntimeError, TsrunError } from "../../src/lib/index.js";
import type { Sys } from "../../src/sys/types.js";
import { baseConfig } from "../helpers/rootfs.js";

const noKernel = (): Sys => { throw new Error("this test must not reach the kernel"); };

function setup(): { dir: string; rt: Runtime; bundle: (cfg: object) => string } {
  const dir = mkdtempSync(join(tmpdir(), "tsrun-lib-"));
  const rt = new Runtime({ root: join(dir, "state"), sys: noKernel });
  let n = 0;
  const bundle = (cfg: object): string => {
    const b = join(dir, `b${n++}`);
    mkdirSync(join(b, "rootfs"), { recursive: true });
    writeFileSync(join(b, "config.json"), JSON.stringify(cfg));
    return b;
  };
  return { dir, rt, bundle };
}

test("a fresh Runtime lists no containers, and get() of a missing one fails with ENOTFOUND", async () => {
  const { dir, rt } = setup();
  try {
    assert.deepEqual(await rt.list(), []);
    await assert.rejects(rt.get("nope"), (e: unknown) => {
      assert.ok(e instanceof RuntimeError && e instanceof TsrunError);
      assert.equal(e.code, "ENOTFOUND");
      assert.equal(e.op, "get");
      assert.equal(e.message, "container does not exist");
      return true;
    });
    await assert.rejects(rt.container("nope").state(), { code: "ENOTFOUND", op: "state" });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("a config error carries ECONFIG and the config path, and leaves no state behind", async () => {
  const { dir, rt, bundle } = setup();
  try {
    const cfg = baseConfig() as { process: { args: string[] } };
    cfg.process.args = [];
    await assert.rejects(rt.create("c1", { bundle: bundle(cfg), subreaper: false }), (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.equal(e.code, "ECONFIG");
      assert.equal(e.configPath, "process.args");
      assert.equal(e.op, "create");
      assert.match(e.message, /^config\.json: process\.args: /);
      return true;
    });
    assert.ok(!existsSync(join(rt.root, "c1")), "no state dir for a refused config");
    assert.deepEqual(existsSync(rt.root) ? readdirSync(rt.root) : [], []);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("a bad id is refused before anything else, by name", async () => {
  const { dir, rt, bundle } = setup();
  try {
    await assert.rejects(rt.create("../x", { bundle: bundle(baseConfig()) }), (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.match(e.message, /\.\.\/x/);
      return true;
    });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("events() rejects a bad interval as a typed error", async () => {
  const { dir, rt } = setup();
  try {
    await assert.rejects(rt.container("c").events({ interval: -1 }).next(), { op: "events", message: /interval must be positive/ });
    await assert.rejects(rt.container("c").events({ interval: "5 parsecs" }).next(), { op: "events", message: /invalid --interval/ });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
