// The cgroup manager on this (hybrid) host, as root: real limits, freezer, kill, OOM,
// fork limits, device rules (v1 devices and the v2 BPF program) and clean removal.
// Everything lives under /tsrun-test-<pid> in each hierarchy and is removed even on failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { newCgroupManager, type CgroupManager } from "../../src/cgroup/manager.js";

const PREFIX = `tsrun-test-${process.pid}`;
const CG = "/sys/fs/cgroup";
const children = new Set<ChildProcess>();

assert.equal(process.getuid?.(), 0, "cgroup integration tests run as root");

/** Kill whatever is left in our test cgroups and remove them, in every hierarchy. */
function cleanup(): void {
  for (const c of children) { try { c.kill("SIGKILL"); } catch { /* gone */ } }
  const rm = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rm(path.join(dir, e.name));
    for (const f of ["cgroup.freeze", "freezer.state"]) {
      try { fs.writeFileSync(path.join(dir, f), f === "cgroup.freeze" ? "0" : "THAWED"); } catch { /* not there */ }
    }
    const procs = fs.existsSync(path.join(dir, "cgroup.procs")) ? fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8") : "";
    for (const p of procs.split("\n").filter(Boolean)) { try { process.kill(Number(p), 9); } catch { /* gone */ } }
    for (let i = 0; i < 50; i++) {
      try { fs.rmdirSync(dir); return; } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); }
    }
  };
  for (const h of fs.readdirSync(CG)) rm(path.join(CG, h, PREFIX));
}
test.after(cleanup);

function leftovers(): string[] {
  return fs.readdirSync(CG).map((h) => path.join(CG, h, PREFIX)).filter((d) => fs.existsSync(d));
}

/** A shell that waits for a line on stdin before running `script` (so it is in the cgroup first). */
async function gated(script: string): Promise<{ c: ChildProcess; go: () => void; exit: Promise<[number | null, string | null]>; out: () => string }> {
  const c = spawn("sh", ["-c", `read _; ${script}`], { stdio: ["pipe", "pipe", "pipe"] });
  children.add(c);
  let out = "";
  c.stdout!.on("data", (d) => (out += d));
  c.stderr!.on("data", (d) => (out += d));
  const exit = new Promise<[number | null, string | null]>((r) => c.on("exit", (code, sig) => r([code, sig])));
  await new Promise((r) => c.on("spawn", r));
  return { c, go: () => c.stdin!.write("go\n"), exit, out: () => out };
}

/** The device cgroup is checked at open(): open /dev/kmsg (1:11) for reading, read nothing. */
const OPEN_KMSG = "( exec 3</dev/kmsg ) 2>/dev/null && echo kmsg-read-ok || echo kmsg-read-denied";

const procState = (pid: number) => /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];

function manager(name: string, extra: { mountinfo?: string } = {}): CgroupManager {
  return newCgroupManager({ id: name, cgroupsPath: `/${PREFIX}/${name}`, ...extra });
}

test("limits, placement, freeze/thaw, kill and removal in the v1 hierarchies", async (t) => {
  const m = manager("c1");
  t.after(() => { try { m.destroy(); } catch { /* cleanup() has it */ } });
  m.create({ pids: { limit: 20 }, memory: { limit: 64 << 20 }, cpu: { shares: 256 } });
  assert.equal(fs.readFileSync(path.join(m.paths.v1!.pids, "pids.max"), "utf8").trim(), "20");
  assert.equal(fs.readFileSync(path.join(m.paths.v1!.memory, "memory.limit_in_bytes"), "utf8").trim(), String(64 << 20));
  assert.equal(fs.readFileSync(path.join(m.paths.v1!.cpu, "cpu.shares"), "utf8").trim(), "256");
  assert.ok(fs.existsSync(m.paths.v2!), "the cgroup2 directory exists too (CLONE_INTO_CGROUP target)");

  const sleeper = spawn("sleep", ["60"]);
  children.add(sleeper);
  await new Promise((r) => sleeper.on("spawn", r));
  const exited = new Promise<string | null>((r) => sleeper.on("exit", (_c, sig) => r(sig)));
  m.addProcess(sleeper.pid!);
  assert.deepEqual(m.pids(), [sleeper.pid]);
  for (const c of ["memory", "pids", "freezer", "cpu"]) {
    assert.match(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, "utf8"), new RegExp(`:${c}:/${PREFIX}/c1$`, "m"), c);
  }
  assert.match(fs.readFileSync(`/proc/${sleeper.pid}/cgroup`, "utf8"), new RegExp(`^0::/${PREFIX}/c1$`, "m"));

  m.freeze();
  assert.equal(m.state(), "frozen");
  assert.equal(fs.readFileSync(path.join(m.paths.v1!.freezer, "freezer.state"), "utf8").trim(), "FROZEN");
  assert.ok(["D", "T"].includes(procState(sleeper.pid!) ?? ""), `frozen task state ${procState(sleeper.pid!)}`);
  m.thaw();
  assert.equal(m.state(), "thawed");
  assert.equal(procState(sleeper.pid!), "S");

  const line = JSON.parse((await import("../../src/cgroup/stats.js")).runcStatsEvent("c1", m.stats()));
  assert.equal(line.type, "stats");
  assert.equal(line.data.pids.current, 1);
  assert.equal(line.data.pids.limit, 20);
  assert.equal(line.data.memory.usage.limit, 64 << 20);

  m.killAll(9);
  assert.equal(await exited, "SIGKILL");
  m.destroy();
  assert.deepEqual(leftovers(), [], "no directory left in any hierarchy");
});

test("a memory limit that really OOM-kills (v1 memory)", async (t) => {
  const m = manager("oom");
  t.after(() => { try { m.destroy(); } catch { /* cleanup() has it */ } });
  m.create({ memory: { limit: 32 << 20, swap: 32 << 20 } });
  assert.equal(m.oomCount(), 0);
  const g = await gated('x=0123456789abcdef; while :; do x="$x$x"; done');
  m.addProcess(g.c.pid!);
  g.go();
  const [, sig] = await g.exit;
  assert.equal(sig, "SIGKILL");
  assert.ok(m.oomCount() >= 1, `oom_kill ${m.oomCount()}`);
  const mem = m.stats().memory.usage;
  assert.equal(mem.limit, BigInt(32 << 20));
  assert.equal(mem.max, mem.limit, "peak usage reached the limit");
  m.destroy();
});

test("a pids limit stops fork", async (t) => {
  const m = manager("pids");
  t.after(() => { try { m.destroy(); } catch { /* cleanup() has it */ } });
  m.create({ pids: { limit: 4 } });
  const g = await gated("for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; sleep 30");
  m.addProcess(g.c.pid!);
  g.go();
  for (let i = 0; i < 100 && !/fork/i.test(g.out()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(g.out(), /fork/i);
  assert.ok(m.pids().length <= 4, `pids ${m.pids().length}`);
  assert.equal(m.stats().pids.limit, 4n);
  m.killAll(9);
  await g.exit;
  m.destroy();
});

test("v1 device rules: deny-all plus the defaults", async (t) => {
  const m = manager("dev1");
  t.after(() => { try { m.destroy(); } catch { /* cleanup() has it */ } });
  m.create({ devices: [{ allow: false, access: "rwm" }] });
  const list = fs.readFileSync(path.join(m.paths.v1!.devices, "devices.list"), "utf8");
  assert.match(list, /^c 1:3 rwm$/m);
  assert.doesNotMatch(list, /^a \*:\* rwm$/m);
  const g = await gated(`echo x > /dev/null && echo null-ok; ${OPEN_KMSG}`);
  m.addProcess(g.c.pid!);
  g.go();
  await g.exit;
  assert.match(g.out(), /null-ok/);
  assert.match(g.out(), /kmsg-read-denied/);
  m.destroy();
});

test("cgroup2 driver on this host: BPF device filter, cgroup.freeze, cgroup.kill", async (t) => {
  // Pretend the host is pure v2 by showing the manager only the cgroup2 mount.
  const v2only = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  const m = manager("v2", { mountinfo: v2only });
  t.after(() => { try { m.destroy(); } catch { /* cleanup() has it */ } });
  assert.equal(m.paths.v1, undefined);
  m.create({ devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 11, access: "w" }] });
  const g = await gated(`echo x > /dev/null && echo null-ok; ${OPEN_KMSG}; ( exec 3>/dev/kmsg ) 2>/dev/null && echo kmsg-write-ok; sleep 60`);
  m.addProcess(g.c.pid!);
  g.go();
  for (let i = 0; i < 100 && !/kmsg-write/.test(g.out()); i++) await new Promise((r) => setTimeout(r, 20));
  assert.match(g.out(), /null-ok/);
  assert.match(g.out(), /kmsg-read-denied/);
  assert.match(g.out(), /kmsg-write-ok/, "c 1:11 w is allowed");

  // a second apply replaces the program instead of stacking a new one
  m.apply({ devices: [{ allow: true, access: "rwm" }] });
  const after = await gated(OPEN_KMSG);
  m.addProcess(after.c.pid!);
  after.go();
  await after.exit;
  assert.match(after.out(), /kmsg-read-ok/);

  m.freeze();
  assert.equal(m.state(), "frozen");
  assert.match(fs.readFileSync(path.join(m.paths.v2!, "cgroup.events"), "utf8"), /^frozen 1$/m);
  m.thaw();
  assert.equal(m.state(), "thawed");
  m.killAll(9);
  assert.equal((await g.exit)[1], "SIGKILL");
  m.destroy();
  assert.deepEqual(leftovers(), []);
});

test("an unavailable controller fails before anything is created", () => {
  const m = manager("none");
  assert.throws(() => m.create({ network: { classID: 0x100001 } }), /^TsrunError: cgroup: net_cls controller not available \(net_cls\.classid\)$/);
  assert.deepEqual(leftovers(), []);
});
