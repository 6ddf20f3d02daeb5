// tsrun explain on a real busybox bundle, as root: the mounts are listed with their config members,
// and nothing is created (no state dir, no cgroup, no process).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot, CGROUP2 } from "../helpers/harness.js";
import { containerCgroup, CGROUP_ROOT } from "../helpers/cgpath.js";
import { oneLineError } from "../helpers/cli.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("explain lists every mount with its config member, exits 0 and creates nothing", () => {
  const cgroupsPath = `/tsrun-explain-${process.pid}`;
  const b = h.bundle({ linux: { cgroupsPath, resources: { pids: { limit: 64 } } } }, { busybox: true });
  const r = h.run(["explain", "--bundle", b]);
  assert.equal(r.status, 0, r.stderr);
  const mounts = [...r.stdout.matchAll(/^ +\d+ MOUNT +(mounts\[\d+\]) +mount "\w+" on "([^"]+)"$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(mounts.slice(0, 2), [["mounts[0]", "/proc"], ["mounts[1]", "/dev"]]);
  assert.match(r.stdout, /^ {2}pids\.max = 64$/m, "the pids limit is among the cgroup writes");
  const json = JSON.parse(h.ok(["explain", "--bundle", b, "--format", "json"]).stdout);
  assert.equal(json.ops.filter((o: { where?: string }) => o.where?.startsWith("mounts[")).length >= mounts.length, true);
  assert.ok(!existsSync(h.root) || readdirSync(h.root).length === 0, "no state dir");
  assert.ok(!existsSync(join(CGROUP2, containerCgroup("x", "", cgroupsPath))), "no cgroup v2 dir");
  for (const c of ["pids", "memory", "cpu"]) assert.ok(!existsSync(join(CGROUP_ROOT, c, cgroupsPath)), `no ${c} cgroup`);
});

test("explain of a missing bundle or an invalid config is one line and exit 1", () => {
  const missing = h.run(["explain", "--bundle", join(h.tmp, "nope")]);
  assert.ok(oneLineError(missing), missing.stderr);
  assert.match(missing.stderr, /^bundle `.*nope`: ENOENT$/m);
  const b = h.bundle({ mounts: [{ destination: "", type: "tmpfs", source: "tmpfs" }] }, { busybox: true });
  const bad = h.run(["explain", "--bundle", b]);
  assert.ok(oneLineError(bad), bad.stderr);
  assert.match(bad.stderr, /^config\.json: mounts\[\d+\]/);
  assert.ok(!existsSync(h.root) || readdirSync(h.root).length === 0, "no state dir");
});
