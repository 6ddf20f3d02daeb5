// The lifecycle through the library on a recording fake Sys and a fake cgroupfs: create, start,
// exec, kill and delete as a user sees them (state, OCI state object, signals, what is left on
// disk), without root. The "init" is a harmless sleep that does the exec fifo handshake.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeError } from "../../src/lib/index.js";
import { fakeWorld, clientBundle, execProcess, type World } from "../helpers/fake-world.js";

async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const w = fakeWorld();
  try { await fn(w); } finally { await w.close(); }
}

const CG = "default/c1";   // containerd's linux.cgroupsPath

test("create, start, kill, delete: created -> running -> stopped, then nothing is left", () => withWorld(async (w) => {
  const bundle = clientBundle(w, "containerd");
  const c = await w.rt.create("c1", { bundle });
  const created = await c.state();
  const pid = created.pid;
  assert.ok(pid > 0 && w.sys.children.has(pid), "the init's pid is the one spawn returned");
  assert.deepEqual(created, {
    ociVersion: "1.0.2-dev", id: "c1", pid, status: "created", bundle, rootfs: join(bundle, "rootfs"),
    created: created.created, owner: "",
  });
  assert.ok(!Number.isNaN(Date.parse(created.created as string)), "created is a timestamp");
  assert.ok(existsSync(join(w.root, "c1", "exec.fifo")), "the exec fifo waits for start");
  assert.deepEqual(w.cgfs.procs(CG), [pid], "init was cloned into the container's cgroup");
  assert.equal((await w.rt.list()).map((s) => `${s.id} ${s.status}`).join(), "c1 created");

  await c.start();
  assert.equal((await c.state()).status, "running");
  assert.ok(!existsSync(join(w.root, "c1", "exec.fifo")), "start removed the fifo");
  await assert.rejects(c.start(), { message: "cannot start an already running container" });

  await c.kill("SIGTERM");
  assert.ok(w.sys.calls.includes(`pidfdSendSignal ${pid} 15`), "SIGTERM went to init through its pidfd");
  assert.equal(await c.wait(), 128 + 15, "init died of the SIGTERM");
  const stopped = await c.state();
  assert.equal(stopped.status, "stopped");
  assert.equal(stopped.pid, 0, "a stopped container shows pid 0, as runc does");
  await assert.rejects(c.kill("SIGTERM"), { message: "container not running" });

  await c.delete();
  assert.ok(!existsSync(join(w.root, "c1")), "the state dir is gone");
  assert.ok(!existsSync(w.cgfs.cg(CG)), "the container's cgroup is gone");
  assert.ok(!existsSync(w.cgfs.cg("default")), "and the parent tsrun made for it");
  assert.deepEqual(await w.rt.list(), []);
  await assert.rejects(c.state(), { code: "ENOTFOUND" });
}));

test("the OCI state of podman's bundle carries its annotations; its limits are in the fake cgroupfs", () => withWorld(async (w) => {
  const bundle = clientBundle(w, "podman");
  const c = await w.rt.create("p1", { bundle });
  const s = await c.state();
  assert.equal(s.status, "created");
  assert.equal((s.annotations as Record<string, string>)["io.container.manager"], "libpod");
  assert.equal(s.rootfs, join(bundle, "podman/root/overlay/33e2147ab596bb20cf4927ad309efebe0c72875d6d04c4cf98ddef2fae5dcd04/merged"));
  const leaf = w.cgfs.cg("libpod_parent/libpod-1b18ac57f265853ba65e5799e37c2351c18b1166d7723c6dcf88d61ed8ed53f6");
  assert.equal(readFileSync(join(leaf, "pids.max"), "utf8"), "2048", "linux.resources.pids.limit");
  assert.deepEqual(w.cgfs.deviceFilters, [leaf.slice(w.cgfs.cg("").length + 1)], "the device rules went to the cgroup");
  await c.delete({ force: true });
  assert.ok(!existsSync(leaf) && !existsSync(join(w.root, "p1")), "delete --force of a created container removes it all");
  assert.equal((await w.sys.exited(s.pid)).status, 9, "its init was SIGKILLed");
}));

test("a child error through the sync channel: create fails with the one config-path line, nothing is left", () => withWorld(async (w) => {
  const bundle = clientBundle(w, "containerd");
  w.sys.failNext = { op: "MOUNT", errno: 19, text: "" };      // the first mount: root.path's bind
  await assert.rejects(w.rt.create("c1", { bundle }), (e: unknown) => {
    assert.ok(e instanceof RuntimeError);
    assert.match(e.message, /^config\.json: root\.path: bind mount rootfs "[^"]+": ENODEV \(no such device\) \(op 2\)$/);
    assert.equal(e.message.split("\n").length, 1, "one line");
    assert.equal(e.configPath, "root.path");
    return true;
  });
  assert.deepEqual(readdirSync(w.root), [], "no state dir");
  assert.ok(!existsSync(w.cgfs.cg(CG)) && !existsSync(w.cgfs.cg("default")), "no cgroup dir");
  const [pid] = w.sys.children.keys();
  assert.equal((await w.sys.exited(pid)).status, 9, "the half-set-up init was SIGKILLed");
  assert.ok(w.sys.calls.includes("  sync child error op=2 errno=19"));
}));

test("exec: its own spawn with the exec plan, into the container's cgroup; delete takes it down too", () => withWorld(async (w) => {
  const c = await w.rt.create("c1", { bundle: clientBundle(w, "containerd") });
  const init = (await c.state()).pid;
  await c.start();
  const before = w.sys.calls.length;
  const r = await c.exec(execProcess("containerd") as never, { detach: true });
  const calls = w.sys.calls.slice(before);
  const spawn = calls.find((l) => l.startsWith("spawn "))!;
  assert.match(spawn, /flags=FORK_INIT\|SETSID cgroup=\S+\/default\/c1 stateDir=- /, "exec forks into the pid namespace, no exec fifo");
  const ops = calls[calls.indexOf(spawn) + 1];
  assert.match(ops, /^ {2}ops NSJOIN NSJOIN NSJOIN NSJOIN NSJOIN .*EXEC$/, "it joins init's namespaces and ends in exec");
  assert.doesNotMatch(ops, /MOUNT|PIVOT_ROOT|WAIT_START/, "no rootfs setup and no wait for start");
  assert.deepEqual(calls.filter((l) => l.startsWith("  sync")), ["  sync parent go", `  sync child pid ${r.pid}`, "  sync child ready"],
    "GO, then the pid of the process forked into the pid namespace, then READY");
  assert.equal(r.code, 0);
  assert.notEqual(r.pid, init);
  assert.deepEqual(w.cgfs.procs(CG), [init, r.pid].sort((a, b) => a - b), "the exec'd process is in the container's cgroup");
  assert.deepEqual((await c.ps()).sort(), [init, r.pid].sort());

  await c.kill("SIGKILL");
  assert.equal(await c.wait(), 137);
  await c.delete();
  assert.equal((await w.sys.exited(r.pid)).status, 9, "delete killed what was left in the cgroup");
  assert.ok(!existsSync(w.cgfs.cg(CG)) && !existsSync(join(w.root, "c1")));
}));

test("exec into a stopped container is refused before anything is spawned", () => withWorld(async (w) => {
  const c = await w.rt.create("c1", { bundle: clientBundle(w, "containerd") });
  await c.kill("SIGKILL");
  await c.wait();
  const spawns = w.sys.calls.filter((l) => l.startsWith("spawn ")).length;
  await assert.rejects(c.exec(execProcess("containerd") as never, { detach: true }), { message: /cannot exec in a stopped container/ });
  assert.equal(w.sys.calls.filter((l) => l.startsWith("spawn ")).length, spawns);
  await c.delete();
}));
