// tsrun as a Node library, as a user installs it: a program outside the repository imports
// { Runtime } from "tsrun" (the package linked from the checkout, resolved through its "exports"),
// creates, starts and waits for a busybox container, reads stats from events(), sees "stopped",
// deletes it, and leaves nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, realpathSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { Harness, requireRoot } from "../helpers/harness.js";
import { repoRoot } from "../helpers/rootfs.js";
import { markEnv, processesMatching, mountsConcerning } from "../helpers/leftovers.js";

const PROGRAM = `
import { Runtime } from "tsrun";
const [root, bundle, id] = process.argv.slice(2);
const rt = new Runtime({ root });
const c = await rt.create(id, { bundle });
const created = (await c.state()).status;
await c.start();
const events = [];
for await (const ev of c.events({ interval: 100 })) events.push(ev);
const code = await c.wait();
const state = await c.state();
await c.delete();
const stats = events.filter((e) => e.type === "stats");
console.log("RESULT " + JSON.stringify({
  created, code, status: state.status, pid: state.pid, stats: stats.length,
  pidsCurrent: stats[0] ? Number(stats[0].stats.pids.current) : -1, left: (await rt.list()).length,
}));
`;

test("a Node program outside the repository runs a busybox container with the library and leaves nothing", () => {
  requireRoot();
  const h = new Harness();
  try {
    const id = h.id("lib");
    const marker = `${h.tmp}/mark-${id}`;
    const bundle = h.bundle({ process: { args: ["sh", "-c", "echo hello from busybox; sleep 0.6; exit 7"], env: ["PATH=/bin", markEnv(marker)] } }, { busybox: true });
    const app = join(h.tmp, "app");
    mkdirSync(app);
    assert.ok(!realpathSync(app).startsWith(realpathSync(repoRoot) + "/"), "the program lives outside the repository");
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "lib-user", private: true, type: "module" }));
    // a link to the checkout, no network, no build scripts: node resolves "tsrun" through package.json "exports"
    const npm = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", repoRoot],
      { cwd: app, encoding: "utf8", timeout: 120_000 });
    assert.equal(npm.status, 0, `npm install of the checkout failed: ${npm.stderr}`);
    assert.ok(existsSync(join(app, "node_modules", "tsrun", "package.json")), "tsrun is installed in the program's node_modules");
    writeFileSync(join(app, "main.mjs"), PROGRAM);

    const r = spawnSync(process.execPath, ["main.mjs", h.root, bundle, id], { cwd: app, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `the program failed: ${r.stderr}`);
    assert.match(r.stdout, /^hello from busybox$/m, "the container's output reached the program's stdout");
    const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    assert.ok(line, `no result line in: ${r.stdout}`);
    const res = JSON.parse(line.slice("RESULT ".length));
    assert.equal(res.created, "created");
    assert.equal(res.code, 7, "wait() gives the init's exit status");
    assert.equal(res.status, "stopped");
    assert.equal(res.pid, 0, "a stopped container's state shows pid 0");
    assert.ok(res.stats >= 2, `events() gave ${res.stats} stats events in 0.6 s at a 100 ms interval`);
    assert.ok(res.pidsCurrent >= 1, "the first stats event counts the container's processes");
    assert.equal(res.left, 0, "list() is empty after delete()");
    assert.equal(r.stderr, "", "the library writes nothing to stderr on success");

    h.assertGone(id);
    assert.deepEqual(h.stateDirs(), [], "no state entries left");
    assert.deepEqual(processesMatching(marker), [], "no container process left");
    assert.deepEqual(mountsConcerning([bundle, h.root]), [], "no mount left");
  } finally {
    h.cleanup();
  }
});
