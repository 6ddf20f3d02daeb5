// A container's life through tsrun, as runc clients drive it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot, CGROUP2 } from "../helpers/harness.js";
import { containerCgroup } from "../helpers/cgpath.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

test("create → created → start → running → kill → stopped → delete, with runc's state keys", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  const pidFile = join(h.tmp, "init.pid");
  const c = h.run(["create", "--bundle", b, "--pid-file", pidFile, id]);
  assert.equal(c.status, 0, c.stderr);
  assert.equal(c.stdout, "", "create prints nothing on success");
  const s1 = h.state(id);
  assert.deepEqual(Object.keys(s1), ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"]);
  assert.equal(s1.status, "created");
  assert.equal(s1.bundle, b);
  assert.equal(s1.rootfs, join(b, "rootfs"));
  const pidText = readFileSync(pidFile, "utf8");
  assert.match(pidText, /^\d+$/, "pid file holds digits only, no newline");
  assert.equal(Number(pidText), s1.pid);
  assert.ok(existsSync(join(CGROUP2, containerCgroup(id, ""))), "the container has its cgroup v2 directory");
  const procs = readFileSync(join(CGROUP2, containerCgroup(id, ""), "cgroup.procs"), "utf8").trim().split("\n").map(Number);
  assert.ok(procs.includes(s1.pid), "init is in the container's cgroup before it runs");

  h.ok(["start", id]);
  assert.equal(h.state(id).status, "running");
  const again = h.run(["start", id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already running/);
  const del = h.run(["delete", id]);
  assert.equal(del.status, 1, "a running container is not deleted without --force");
  assert.match(del.stderr, /not stopped/);

  h.ok(["kill", id, "KILL"]);
  for (let i = 0; i < 200 && h.state(id).status !== "stopped"; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  const s3 = h.state(id);
  assert.equal(s3.status, "stopped");
  assert.equal(s3.pid, 0);
  const k = h.run(["kill", id, "9"]);
  assert.equal(k.status, 1);
  assert.match(k.stderr, /container not running/);
  h.ok(["delete", id]);
  h.assertGone(id);
});

test("run passes the exit status through, 128+signal when killed", () => {
  const b = h.bundle({ process: { args: [H, "exit", "3"] } });
  assert.equal(h.run(["run", "--bundle", b, h.id()]).status, 3);
  const b2 = h.bundle({ process: { args: [H, "echo", "out of the box"] } });
  const id2 = h.id();
  const r = h.run(["run", "--bundle", b2, id2]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "out of the box\n", "the container's stdout is the caller's stdout");
  h.assertGone(id2);
  // without a pid namespace the shell is not an init, so SIGKILL to itself is delivered
  const b3 = h.bundle({ process: { args: ["/bin/sh", "-c", "kill -9 $$"] }, linux: { namespaces: [{ type: "mount" }, { type: "uts" }] } }, { busybox: true });
  assert.equal(h.run(["run", "--bundle", b3, h.id()]).status, 137);
});

test("--root keeps separate sets of containers apart, and list shows them", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const other = new Harness();
  try {
    assert.equal(other.run(["list", "-q"]).stdout, "");
    assert.equal(other.run(["state", id]).status, 1);
  } finally { other.cleanup(); }
  const list = h.ok(["list"]).stdout.split("\n");
  assert.match(list[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
  assert.ok(list.some((l) => l.startsWith(id) && /\bcreated\b/.test(l)), list.join("\n"));
  const json = JSON.parse(h.ok(["list", "-f", "json"]).stdout);
  assert.equal(json.find((c: { id: string }) => c.id === id).status, "created");
  assert.ok(h.ok(["list", "-q"]).stdout.split("\n").includes(id));
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("delete --force removes a running container and everything it owns", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  h.ok(["run", "-d", "--bundle", b, id]);
  const pid = h.state(id).pid;
  h.ok(["delete", "--force", id]);
  assert.ok(!existsSync(`/proc/${pid}/stat`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"), "init is gone");
  h.assertGone(id);
});

test("kill <id> 0 is a liveness check: exit 0 while running, the container untouched; 'container not running' once stopped", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  h.ok(["run", "-d", "--bundle", b, id]);
  const alive = h.run(["kill", id, "0"]);
  assert.equal(alive.status, 0, alive.stderr);
  assert.equal(alive.stderr, "");
  assert.equal(h.state(id).status, "running", "signal 0 delivers nothing");
  h.ok(["kill", id, "KILL"]);
  for (let i = 0; i < 200 && h.state(id).status !== "stopped"; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  const gone = h.run(["kill", id, "0"]);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /container not running/);
  h.ok(["delete", id]);
  h.assertGone(id);
});
