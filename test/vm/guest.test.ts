// The pure cgroup v2 tier: runs INSIDE the qemu guest (test/vm/vm-run.sh; `npm run test:vm`),
// where /sys/fs/cgroup is a cgroup2 hierarchy with every controller. Real limits, real stats.
// TCG is slow and every tsrun call is a node start, so the cases share containers and calls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync, writeFileSync, mkdirSync, chownSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { Harness } from "../helpers/harness.js";
import { deviceRulesPatch, oomPatch, watchEvents } from "../helpers/cgroup-cases.js";
import { containerCgroup } from "../helpers/cgpath.js";
import { makeUser, removeUser, runAs, specBundle } from "../helpers/rootless-user.js";

const H = "/bin/tsrun-testhelper";
const CG = "/sys/fs/cgroup";
let h: Harness;

before(() => {
  assert.equal(process.getuid?.(), 0);
  assert.ok(!existsSync(join(CG, "unified")), "runs in the pure cgroup v2 guest (npm run test:vm), not on the hybrid host");
  const ctl = readFileSync(join(CG, "cgroup.subtree_control"), "utf8");
  for (const c of ["memory", "pids", "cpu", "io"]) assert.match(ctl, new RegExp(`\\b${c}\\b`), `${c} enabled at the root`);
  h = new Harness();
});
after(() => h.cleanup());

const cgFile = (id: string, f: string) => readFileSync(join(CG, containerCgroup(id, ""), f), "utf8").trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function assertNoCgroup(id: string): void {
  assert.ok(!existsSync(join(CG, containerCgroup(id, ""))), `cgroup ${containerCgroup(id, "")} left behind`);
  assert.ok(!existsSync(join(h.root, id)), `state of ${id} left behind`);
}

test("a 32 MiB memory limit OOM-kills a 64 MiB allocation, and events reports the OOM", async () => {
  const b = h.bundle(oomPatch(), { busybox: true });
  const id = h.id();
  h.ok(["run", "-d", "--bundle", b, id]);
  assert.equal(cgFile(id, "memory.max"), String(32 << 20));
  // events streams until the container stops; the first stats line means it is watching.
  const ev = watchEvents(h.root, id, "60s");
  for (let i = 0; i < 600 && !ev.out().includes("\n"); i++) await sleep(50);
  assert.match(ev.out(), /^\{"type":"stats"/, `events printed no stats line: ${ev.err()}`);
  writeFileSync(join(b, "rootfs", "go"), "");
  const code = await ev.exit(60_000);
  assert.equal(code, 0, `events: ${ev.err()}`);
  const out = ev.out();
  const lines = out.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.some((e) => e.type === "oom" && e.id === id), out);
  assert.match(cgFile(id, "memory.events"), /^oom_kill [1-9]/m);
  h.ok(["delete", id]); // refused unless stopped: events ended because the container stopped
  assertNoCgroup(id);
});

test("pids.limit 10 stops fork", () => {
  const b = h.bundle({ process: { args: [H, "fork", "50"] }, linux: { resources: { pids: { limit: 10 } } } });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.equal(r.status, 0, r.stderr);
  const m = /forked (\d+) EAGAIN/.exec(r.stdout);
  assert.ok(m && Number(m[1]) < 10, r.stdout);
  assertNoCgroup(id);
});

test("a device deny rule (eBPF) blocks opening a device; /dev/null stays allowed as in runc", () => {
  // runc appends its default allow list (/dev/null, zero, full, random, urandom, tty, ptmx,
  // pts, net/tun) after the config's rules, so a deny for 1:3 is overridden; 10:183 is not in it.
  const b = h.bundle(deviceRulesPatch(), { busybox: true });
  const id = h.id();
  const r = h.run(["run", "--bundle", b, id]);
  assert.deepEqual(r.stdout.trim().split("\n"), ["EPERM", "ok"], r.stderr);
  assertNoCgroup(id);
});

test("cpu quota 10% throttles; events --stats has real numbers; update changes memory.max and cpu.max live", () => {
  const b = h.bundle({
    process: { args: ["sh", "-c", "while :; do :; done"] },
    linux: { resources: { cpu: { quota: 10_000, period: 100_000 }, memory: { limit: 64 << 20 }, pids: { limit: 30 } } },
  }, { busybox: true });
  const id = h.id();
  h.ok(["run", "-d", "--bundle", b, id]);
  assert.equal(cgFile(id, "cpu.max"), "10000 100000");
  const t0 = Date.now();
  while (Date.now() - t0 < 1500) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  const r = h.ok(["events", "--stats", id]);
  const ev = JSON.parse(r.stdout);
  assert.equal(ev.type, "stats");
  const cpu = ev.data.cpu;
  assert.ok(cpu.throttling.periods > 0, JSON.stringify(cpu));
  assert.ok(cpu.throttling.throttledPeriods > 0, JSON.stringify(cpu));
  assert.ok(cpu.throttling.throttledTime > 0, JSON.stringify(cpu));
  assert.ok(cpu.usage.total > 0 && cpu.usage.user > 0, JSON.stringify(cpu.usage));
  // 10% of one cpu: well under the wall time that passed (TCG or not)
  const cgroupUsec = Number(/^usage_usec (\d+)/m.exec(cgFile(id, "cpu.stat"))![1]);
  assert.ok(cgroupUsec * 1000 < (Date.now() - t0 + 5000) * 1e6 * 0.5, `usage ${cgroupUsec}us`);
  assert.ok(ev.data.memory.usage.usage > 0);
  assert.equal(ev.data.memory.usage.limit, 64 << 20);
  assert.equal(ev.data.pids.current, 1);
  assert.equal(ev.data.pids.limit, 30);

  h.ok(["update", "--memory", "48m", "--cpu-quota", "20000", "--pids-limit", "40", id]);
  assert.equal(cgFile(id, "memory.max"), String(48 << 20));
  assert.equal(cgFile(id, "cpu.max"), "20000 100000");
  assert.equal(cgFile(id, "pids.max"), "40");
  h.ok(["delete", "--force", id]);
  assertNoCgroup(id);
});

// Rootless on pure cgroup v2 (issue 18): a fresh user runs tsrun through setpriv. Without a cgroup it may write,
// the container runs without one (its cgroup mount, with no cgroup namespace, is the host's /sys/fs/cgroup bound);
// in a delegated subtree, as systemd gives a user session, the limit is set and the cgroup removed afterwards.
test("rootless: no cgroup, then a delegated cgroup2 subtree with a memory limit", () => {
  const u = makeUser("tsvm");
  const sub = join(CG, `tsrun-rl-${process.pid}`);
  try {
    const b = specBundle(u, "b", (c) => { c.process.args = ["sh", "-c", "id -u; grep '^0::' /proc/self/cgroup; cat /sys/fs/cgroup/cgroup.controllers"]; });
    let r = runAs(u, [u.tsrun, "run", "--bundle", b, "rl1"], { cwd: u.dir });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n").slice(0, 2), ["0", "0::/"]);
    assert.match(r.stdout, /\bmemory\b/, "the host's cgroup2 tree, bound");
    mkdirSync(join(sub, "caller"), { recursive: true });
    for (const f of ["", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads", "caller", "caller/cgroup.procs"]) chownSync(join(sub, f), u.uid, u.gid);
    writeFileSync(join(sub, "cgroup.subtree_control"), "+memory +pids");
    const c = JSON.parse(readFileSync(join(b, "config.json"), "utf8"));
    c.linux.cgroupsPath = `/tsrun-rl-${process.pid}/c1`;
    c.linux.resources = { memory: { limit: 64 << 20 }, pids: { limit: 30 } };
    c.process.args = ["sh", "-c", `grep '^0::' /proc/self/cgroup; cat /sys/fs/cgroup/tsrun-rl-${process.pid}/c1/memory.max /sys/fs/cgroup/tsrun-rl-${process.pid}/c1/pids.max`];
    writeFileSync(join(b, "config.json"), JSON.stringify(c));
    r = runAs(u, [u.tsrun, "run", "--bundle", b, "rl2"], { cgroup: join(sub, "caller") });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `0::/tsrun-rl-${process.pid}/c1\n${64 << 20}\n30\n`);
    assert.ok(!existsSync(join(sub, "c1")), "the container's cgroup is removed");
    assert.equal(runAs(u, [u.tsrun, "list", "-q"]).stdout, "");
  } finally {
    for (const d of [join(sub, "caller"), sub]) { try { rmdirSync(d); } catch { /* not made */ } }
    removeUser(u);
  }
});
