// The same TypeScript under node (>= 20): what the library and development use, next to the compiled
// executable every other integration test runs. One lifecycle, end to end, with no engine-specific code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { repoRoot } from "../helpers/rootfs.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const node = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [join(repoRoot, "dist", "src", "main.js"), "--root", h.root, ...args],
    { encoding: "utf8", timeout: 60_000, input, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  return { status: r.status ?? 137, out: r.stdout, err: r.stderr };
};

test("node runs the CLI: run with stdio relayed, create/start/exec/state/kill/delete, and one-line errors", () => {
  assert.match(node(["--version"]).out, new RegExp(`^tsrun version .*\nnode: ${process.version.replace(/\./g, "\\.")}\n$`, "s"));
  const r = node(["run", "--bundle", h.bundle({ process: { args: [H, "cat"] } }), h.id("n")], "through node\n");
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, "through node\n");
  const id = h.id("n");
  assert.equal(node(["create", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]).status, 0);
  assert.equal(JSON.parse(node(["state", id]).out).status, "created");
  assert.equal(node(["start", id]).status, 0);
  const x = node(["exec", id, H, "echo", "exec under node"]);
  assert.equal(x.out, "exec under node\n", x.err);
  assert.equal(node(["kill", id, "KILL"]).status, 0);
  assert.equal(node(["delete", "--force", id]).status, 0);
  h.assertGone(id);
  const bad = node(["state", "no/such"]);
  assert.equal(bad.status, 1);
  assert.equal(bad.err.trim().split("\n").length, 1, bad.err);
});
