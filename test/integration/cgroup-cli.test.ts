// pause, resume, ps, update, events and kill --all through tsrun, on real containers on this
// hybrid host: the v1 hierarchies carry the limits, cgroup2 (unified) holds the placement.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot, CGROUP2, processesWith } from "../helpers/harness.js";
import { repoRoot } from "../helpers/rootfs.js";
import { oneLineError } from "../helpers/cli.js";
import { deviceRulesPatch, oomPatch, watchEvents } from "../helpers/cgroup-cases.js";
import { containerCgroup, ownCgroups } from "../helpers/cgpath.js";

const H = "/bin/tsrun-testhelper";
const V1 = "/sys/fs/cgroup";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const v1file = (ctl: string, id: string, file: string, cg = containerCgroup(id, ctl)) => readFileSync(join(V1, ctl, cg, file), "utf8").trim();
const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A detached container running `args`, with `resources`; returns its id and init pid. */
function runDetached(args: string[], resources: object = {}, extra: object = {}): { id: string; pid: number } {
  const b = h.bundle({ process: { args }, linux: { resources, ...extra } }, { busybox: true });
  const id = h.id();
  h.ok(["run", "-d", "--bundle", b, id]);
  return { id, pid: h.state(id).pid };
}

test("placement: init sits in the v1 hierarchies and the cgroup2 dir; limits are in v1 files", () => {
  const { id, pid } = runDetached([H, "pause"], { memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 512 } });
  const cg = ownCgroups(pid);
  for (const c of ["memory", "pids", "cpu", "freezer", "devices", ""]) assert.equal(cg.get(c), containerCgroup(id, c), c || "cgroup2");
  assert.equal(v1file("memory", id, "memory.limit_in_bytes"), String(64 << 20));
  assert.equal(v1file("pids", id, "pids.max"), "20");
  assert.equal(v1file("cpu", id, "cpu.shares"), "512");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("pause → paused (frozen), resume → running; wrong-state errors like runc", () => {
  const { id, pid } = runDetached([H, "pause"]);
  h.ok(["pause", id]);
  assert.equal(h.state(id).status, "paused");
  assert.equal(v1file("freezer", id, "freezer.state"), "FROZEN");
  const again = h.run(["pause", id]);
  assert.ok(oneLineError(again), again.stderr);
  assert.match(again.stderr, /container not running/);
  h.ok(["resume", id]);
  assert.equal(h.state(id).status, "running");
  assert.equal(v1file("freezer", id, "freezer.state"), "THAWED");
  assert.match(readFileSync(`/proc/${pid}/status`, "utf8"), /^State:\s+S/m);
  const r = h.run(["resume", id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /container not paused/);
  // A paused container is killed by delete --force (the freezer is thawed for SIGKILL).
  h.ok(["pause", id]);
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
  const gone = h.run(["pause", id]);
  assert.ok(oneLineError(gone));
  assert.match(gone.stderr, /does not exist/);
});

test("ps: -f json is the pid list with nothing on stderr; the table is ps filtered to the container", () => {
  const { id, pid } = runDetached(["sh", "-c", "sleep 1000 & exec sleep 1001"]);
  let pids: number[] = [];
  for (let i = 0; i < 50 && pids.length < 2; i++) {
    const r = h.ok(["ps", "-f", "json", id]);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^\[[0-9,]*\]\n$/);
    pids = JSON.parse(r.stdout);
  }
  assert.equal(pids.length, 2);
  assert.ok(pids.includes(pid));
  const t = h.ok(["ps", id]).stdout.trimEnd().split("\n");
  assert.match(t[0], /\bPID\b/);
  assert.equal(t.length, 3, t.join("\n"));
  assert.ok(t.some((l) => l.includes("sleep 1001") && l.includes(String(pid))));
  const o = h.ok(["ps", id, "-o", "pid,comm"]).stdout.trimEnd().split("\n");
  assert.deepEqual(o.slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).sort(), [...pids].sort());
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("kill --all reaches every process, also without a pid namespace", () => {
  const marker = String(5000 + (process.pid % 4000));
  const { id } = runDetached(["sh", "-c", `sleep ${marker} & sleep ${marker} & exec sleep ${marker}`], {}, {
    namespaces: [{ type: "ipc" }, { type: "uts" }, { type: "mount" }],
  });
  for (let i = 0; i < 50 && processesWith(`sleep\0${marker}`).length < 3; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  assert.equal(processesWith(`sleep\0${marker}`).length, 3);
  h.ok(["kill", "--all", id, "KILL"]);
  for (let i = 0; i < 100 && processesWith(`sleep\0${marker}`).length > 0; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  assert.deepEqual(processesWith(`sleep\0${marker}`), []);
  assert.equal(h.state(id).status, "stopped");
  h.ok(["delete", id]);
  h.assertGone(id);
});

test("state says stopped when init is gone but processes remain; delete kills them", async () => {
  const marker = String(9000 + (process.pid % 900));
  const { id } = runDetached(["sh", "-c", `sleep ${marker} & exit 0`], {}, { namespaces: [{ type: "uts" }, { type: "mount" }] });
  for (let i = 0; i < 50 && h.state(id).status !== "stopped"; i++) await sleepMs(20);
  const s = h.state(id);
  assert.equal(s.status, "stopped");
  assert.equal(s.pid, 0);
  assert.equal(processesWith(`sleep\0${marker}`).length, 1, "the orphan is still there");
  const k = h.run(["kill", id, "KILL"]);
  assert.match(k.stderr, /container not running/, "plain kill refuses a stopped container");
  h.ok(["kill", "--all", id, "KILL"]);
  for (let i = 0; i < 100 && processesWith(`sleep\0${marker}`).length > 0; i++) await sleepMs(20);
  assert.deepEqual(processesWith(`sleep\0${marker}`), [], "kill --all reaches processes left after init exited");
  // and delete kills leftovers itself
  const again = runDetached(["sh", "-c", `sleep ${marker} & exit 0`], {}, { namespaces: [{ type: "uts" }, { type: "mount" }] });
  for (let i = 0; i < 50 && h.state(again.id).status !== "stopped"; i++) await sleepMs(20);
  h.ok(["delete", again.id]);
  h.assertGone(again.id);
  h.ok(["delete", id]);
  assert.deepEqual(processesWith(`sleep\0${marker}`), []);
  h.assertGone(id);
});

test("a 32 MiB memory limit OOM-kills a 64 MiB allocation through the v1 driver", () => {
  const b = h.bundle({ process: { args: [H, "alloc", "64"] }, linux: { resources: { memory: { limit: 32 << 20, swap: 32 << 20 } } } });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.equal(r.status, 137, `status ${r.status}: ${r.stdout} ${r.stderr}`);
  assert.doesNotMatch(r.stdout, /allocated/);
  h.assertGone(id);
  const ok = h.bundle({ process: { args: [H, "alloc", "8"] }, linux: { resources: { memory: { limit: 32 << 20 } } } });
  const r2 = h.run(["run", "--bundle", ok, h.id()]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, /allocated/);
});

test("a pids limit of 10 stops fork", () => {
  const b = h.bundle({ process: { args: [H, "fork", "50"] }, linux: { resources: { pids: { limit: 10 } } } });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.equal(r.status, 0, r.stderr);
  const m = /forked (\d+) EAGAIN/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) < 10 && Number(m[1]) >= 5, r.stdout);
  h.assertGone(id);
});

test("podman's config.json runs with its pids limit under /libpod_parent", () => {
  const pod = JSON.parse(readFileSync(join(repoRoot, "spec-fixtures", "clients", "podman-config.json"), "utf8"));
  const id = h.id("pod");
  const cgPath = `/libpod_parent/libpod-${id}`;
  const b = h.bundle({
    process: { ...pod.process, args: [H, "pause"] },
    mounts: pod.mounts.filter((m: { type: string }) => m.type !== "bind"),
    hostname: pod.hostname, annotations: pod.annotations,
    linux: { ...pod.linux, cgroupsPath: cgPath },
  });
  h.ok(["create", "--bundle", b, id]);
  h.ok(["start", id]);
  const { pid, status } = h.state(id);
  assert.equal(status, "running");
  assert.equal(v1file("pids", id, "pids.max", cgPath), "2048");
  assert.ok(v1file("pids", id, "cgroup.procs", cgPath).split("\n").map(Number).includes(pid));
  assert.ok(existsSync(join(CGROUP2, cgPath)));
  assert.deepEqual(JSON.parse(h.ok(["ps", "-f", "json", id]).stdout), [pid]);
  h.ok(["delete", "--force", id]);
  h.assertGone(id, cgPath);
  assert.ok(!existsSync(join(V1, "pids", "libpod_parent", `libpod-${id}`)));
});

test("update -r - and update flags change live limits; bad input changes nothing", () => {
  const { id } = runDetached([H, "pause"], { memory: { limit: 64 << 20 }, pids: { limit: 20 } });
  h.ok(["update", "-r", "-", id], { input: JSON.stringify({ memory: { limit: 32 << 20 }, pids: { limit: 30 } }) });
  assert.equal(v1file("memory", id, "memory.limit_in_bytes"), String(32 << 20));
  assert.equal(v1file("pids", id, "pids.max"), "30");
  h.ok(["update", "--memory", "48m", "--pids-limit", "40", "--cpu-share", "256", "--cpu-quota", "50000", "--cpu-period", "100000", id]);
  assert.equal(v1file("memory", id, "memory.limit_in_bytes"), String(48 << 20));
  assert.equal(v1file("pids", id, "pids.max"), "40");
  assert.equal(v1file("cpu", id, "cpu.shares"), "256");
  assert.equal(v1file("cpu", id, "cpu.cfs_quota_us"), "50000");
  const f = join(h.tmp, "res.json");
  writeFileSync(f, JSON.stringify({ pids: { limit: 50 } }));
  h.ok(["update", `--resources=${f}`, id]);
  assert.equal(v1file("pids", id, "pids.max"), "50");
  for (const bad of [["--memory", "lots"], ["--pids-limit", "x"], ["-r", join(h.tmp, "missing.json")]]) {
    const r = h.run(["update", ...bad, id]);
    assert.ok(oneLineError(r), `${bad.join(" ")}: ${r.stderr}`);
  }
  const r = h.run(["update", "-r", "-", id], { input: "{not json" });
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /invalid JSON/);
  assert.equal(v1file("pids", id, "pids.max"), "50");
  assert.equal(v1file("memory", id, "memory.limit_in_bytes"), String(48 << 20));
  h.ok(["delete", "--force", id]);
  const stopped = h.run(["update", "--memory", "10m", id]);
  assert.match(stopped.stderr, /does not exist/);
  h.assertGone(id);
});

test("events --stats prints one runc-shaped line with real numbers; a stopped container is refused", () => {
  const { id } = runDetached(["sh", "-c", "sleep 1000 & exec sleep 1001"], { memory: { limit: 64 << 20 }, pids: { limit: 20 } });
  const r = h.ok(["events", "--stats", id]);
  assert.equal(r.stderr, "");
  const lines = r.stdout.split("\n");
  assert.equal(lines.length, 2, "exactly one line");
  const ev = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(ev), ["type", "id", "data"]);
  assert.equal(ev.type, "stats");
  assert.equal(ev.id, id);
  for (const k of ["cpu", "memory", "pids", "blkio", "hugetlb"]) assert.ok(k in ev.data, k);
  assert.ok(ev.data.pids.current >= 1, JSON.stringify(ev.data.pids));
  assert.equal(ev.data.pids.limit, 20);
  assert.ok(ev.data.memory.usage.usage > 0);
  assert.equal(ev.data.memory.usage.limit, 64 << 20);
  assert.ok(ev.data.cpu.usage.total > 0);
  h.ok(["kill", id, "KILL"]);
  for (let i = 0; i < 100 && h.state(id).status !== "stopped"; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  const s = h.run(["events", "--stats", id]);
  assert.ok(oneLineError(s), s.stderr);
  assert.match(s.stderr, /is not running/);
  h.ok(["delete", id]);
  h.assertGone(id);
});

test("device rules through the v1 devices driver: a deny blocks open(), /dev/null stays allowed as in runc", () => {
  const out = (deny: boolean) => {
    const b = h.bundle(deviceRulesPatch(deny), { busybox: true });
    const id = h.id();
    const r = h.run(["run", "--bundle", b, id]);
    h.assertGone(id);
    return r.stdout.trim().split("\n");
  };
  assert.deepEqual(out(true), ["EPERM", "ok"]);
  assert.deepEqual(out(false), ["ok", "ok"]);
});

test("a device rule with access \"rwa\" is accepted as runc accepts it: the v1 list gets \"c 1:4 rw\"", () => {
  const devices = [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 4, access: "rwa" }];
  const { id } = runDetached([H, "pause"], { devices });
  assert.ok(v1file("devices", id, "devices.list").split("\n").includes("c 1:4 rw"), "the unknown letter is dropped, r and w kept");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("a second container created in an occupied cgroup is warned about as runc warns, and still runs", () => {
  const cgroupsPath = `/tsrun-test-shared-${process.pid}`;
  const b = h.bundle({ process: { args: [H, "pause"] }, linux: { cgroupsPath } }, { busybox: true });
  const [first, second] = [h.id(), h.id()];
  const r1 = h.run(["run", "-d", "--bundle", b, first]);
  assert.equal(r1.status, 0, r1.stderr);
  assert.equal(r1.stderr, "", "an empty cgroup: no warning");
  const r2 = h.run(["run", "-d", "--bundle", b, second]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /container's cgroup is not empty: 1 process\(es\) found/);
  assert.equal(r2.stderr.trimEnd().split("\n").length, 1, "one line");
  assert.equal(h.state(second).status, "running");
  h.ok(["delete", "--force", second]);
  h.ok(["delete", "--force", first]);
  h.assertGone(first);
  h.assertGone(second);
  assert.equal(existsSync(join(V1, "pids", cgroupsPath)), false, "the shared cgroup goes with the last one");
});

test("events streams stats every --interval, reports the OOM kill (v1 memory.oom_control) and ends when the container stops", async () => {
  const b = h.bundle(oomPatch(), { busybox: true });
  const id = h.id();
  h.ok(["run", "-d", "--bundle", b, id]);
  const ev = watchEvents(h.root, id, "200ms");
  for (let i = 0; i < 200 && ev.out().split("\n").length < 3; i++) await sleepMs(25);
  const first = ev.out().split("\n").slice(0, 2).map((l) => JSON.parse(l));
  assert.deepEqual(first.map((e) => e.type), ["stats", "stats"], `two stats lines: ${ev.out()} ${ev.err()}`);
  writeFileSync(join(b, "rootfs", "go"), "");
  const code = await ev.exit(20_000);
  assert.equal(code, 0, `events: ${ev.err()}`);
  assert.equal(ev.err(), "");
  const out = ev.out();
  assert.ok(out.trim().split("\n").some((l) => l === `{"type":"oom","id":"${id}"}`), out);
  h.ok(["delete", id]);
  h.assertGone(id);
});
