// The systemd cgroup driver against a real systemd: runs INSIDE the qemu guest booted with VM_SYSTEMD=1
// (systemd 252 as PID 1, D-Bus at /run/dbus/system_bus_socket, this file in vmrun.service with
// Delegate=yes; `npm run test:vm` boots it after the plain guest). Each container is a transient scope
// tsrun asked systemd for; runc 1.1.5 (--systemd-cgroup) is the reference for unit name and properties.
// TCG is slow and every tsrun call is a process start: few cases, few calls.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync, readdirSync, mkdtempSync, copyFileSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Harness } from "../helpers/harness.js";
import { tsrunAsync } from "../helpers/acli.js";
import { repoRoot, baseConfigPath } from "../helpers/rootfs.js";
import { Containerd } from "../e2e/harness/containerd.js";
import { buildImage } from "../e2e/harness/image.js";

const CG = "/sys/fs/cgroup";
let h: Harness;

const sh = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};
/** `systemctl show UNIT -p A -p B` as {A: value} */
function show(unit: string, ...props: string[]): Record<string, string> {
  const out = sh("systemctl", ["show", unit, ...props.flatMap((p) => ["-p", p])]);
  return Object.fromEntries(out.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}
/** the units systemctl lists for a pattern, loaded or not */
const units = (pattern: string): string[] =>
  sh("systemctl", ["list-units", "--all", "--plain", "--no-legend", pattern]).trim().split("\n").filter((l) => l !== "").map((l) => l.split(/\s+/)[0]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function assertNoUnit(unit: string, id: string): void {
  assert.deepEqual(units(unit), [], `unit ${unit} left behind`);
  assert.ok(!existsSync(join(CG, "system.slice", unit)), `cgroup of ${unit} left behind`);
  assert.ok(!existsSync(join(h.root, id)), `state of ${id} left behind`);
}

before(() => {
  assert.equal(process.getuid?.(), 0);
  assert.equal(readFileSync("/proc/1/comm", "utf8").trim(), "systemd", "runs in the VM_SYSTEMD=1 guest (npm run test:vm), not on the host");
  assert.equal(sh("systemctl", ["is-system-running"]).trim(), "running");
  h = new Harness();
});
after(() => {
  h.cleanup();
  assert.deepEqual(units("tsrun*"), [], "no tsrun unit is left");
  assert.deepEqual(readdirSync(join(CG, "system.slice")).filter((d) => d.startsWith("tsrun")), [], "no tsrun cgroup is left");
});

test("run -d with system.slice:tsrun:t1 and 32 MiB: the scope has MemoryMax, the container sees its cgroup, delete -f stops the unit", async () => {
  const id = h.id("t1");
  const b = h.bundle({
    root: { path: "rootfs", readonly: false }, process: { args: ["/bin/sh", "-c", "cat /proc/1/cgroup > /cg; exec sleep 1000"] },
    linux: { cgroupsPath: "system.slice:tsrun:t1", resources: { memory: { limit: 32 << 20 } } },
  }, { busybox: true });
  h.ok(["--systemd-cgroup", "run", "-d", "--bundle", b, id]);
  assert.deepEqual(show("tsrun-t1.scope", "MemoryMax", "ActiveState", "ControlGroup", "Delegate"),
    { MemoryMax: "33554432", ActiveState: "active", ControlGroup: "/system.slice/tsrun-t1.scope", Delegate: "yes" });
  const pid = h.state(id).pid;
  assert.equal(readFileSync(join(CG, "system.slice/tsrun-t1.scope/cgroup.procs"), "utf8").trim(), String(pid), "init is in the scope");
  const cg = join(b, "rootfs", "cg");
  for (let i = 0; i < 200 && !(existsSync(cg) && readFileSync(cg, "utf8").endsWith("\n")); i++) await sleep(50);
  assert.equal(readFileSync(cg, "utf8"), "0::/system.slice/tsrun-t1.scope\n", "/proc/1/cgroup in the container");
  h.ok(["delete", "-f", id]);
  assertNoUnit("tsrun-t1.scope", id);
});

test("update, events --stats, pause/resume, ps, kill --all and delete work on the unit's cgroup; update goes through systemd", async () => {
  const id = h.id("life");
  const unit = `tsrun-${id}.scope`;
  const b = h.bundle({
    process: { args: ["/bin/sh", "-c", "sleep 1000 & exec sleep 1001"] },
    linux: { cgroupsPath: `system.slice:tsrun:${id}`, resources: { memory: { limit: 64 << 20 }, pids: { limit: 32 } } },
  }, { busybox: true });
  h.ok(["--systemd-cgroup", "run", "-d", "--bundle", b, id]);
  h.ok(["update", "--memory", "48M", "--pids-limit", "20", "--cpu-quota", "50000", "--cpu-period", "100000", id]);
  assert.deepEqual(show(unit, "MemoryMax", "TasksMax", "CPUQuotaPerSecUSec"), { MemoryMax: String(48 << 20), TasksMax: "20", CPUQuotaPerSecUSec: "500ms" });
  const dir = join(CG, "system.slice", unit);
  assert.equal(readFileSync(join(dir, "memory.max"), "utf8").trim(), String(48 << 20));
  assert.equal(readFileSync(join(dir, "cpu.max"), "utf8").trim(), "50000 100000");
  const stats = JSON.parse(h.ok(["events", "--stats", id]).stdout) as { data: { memory: { usage: { limit: number } }; pids: { current: number } } };
  assert.equal(stats.data.memory.usage.limit, 48 << 20, "events --stats reads the unit's cgroup");
  assert.equal(stats.data.pids.current, 2);
  h.ok(["pause", id]);
  assert.equal(h.state(id).status, "paused");
  assert.equal(readFileSync(join(dir, "cgroup.freeze"), "utf8").trim(), "1");
  h.ok(["resume", id]);
  assert.equal(h.state(id).status, "running");
  const ps = h.ok(["ps", "--format", "json", id]).stdout;
  assert.equal((JSON.parse(ps) as number[]).length, 2, `both sleeps are in the unit: ${ps}`);
  h.ok(["kill", "--all", id, "KILL"]);
  for (let i = 0; i < 200 && h.state(id).status !== "stopped"; i++) await sleep(50);
  assert.equal(h.state(id).status, "stopped");
  h.ok(["delete", id]);
  assertNoUnit(unit, id);
});

test("run in the foreground: the exit status comes back and the unit goes with the container", () => {
  const id = h.id("fg");
  const b = h.bundle({ process: { args: ["/bin/sh", "-c", "grep -c '^0::/system.slice/tsrun-' /proc/self/cgroup; exit 3"] } }, { busybox: true });
  const r = h.run(["--systemd-cgroup", "run", "--bundle", b, id]);
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, "1\n", "the default cgroupsPath is :tsrun:<id>");
  assertNoUnit(`tsrun-${id}.scope`, id);
});

test("tsrun SIGKILLed during create, init waiting in the unit: delete --force stops the unit and kills init", async () => {
  const id = h.id("fault");
  const unit = `tsrun-${id}.scope`;
  const b = h.bundle({ linux: { cgroupsPath: `system.slice:tsrun:${id}` } }, { busybox: true });
  const res = await tsrunAsync(["--root", h.root, "--systemd-cgroup", "create", "--bundle", b, id], { env: { ...process.env, TSRUN_FAULT: "create-after-ready" }, timeoutMs: 60_000 });
  assert.equal(res.signal, "SIGKILL", `tsrun killed itself at the fault point: ${res.stderr}`);
  assert.deepEqual(units(unit), [unit], "the unit was started, with init in it");
  const procs = readFileSync(join(CG, "system.slice", unit, "cgroup.procs"), "utf8").trim().split("\n").filter((l) => l !== "");
  assert.equal(procs.length, 1, "init, waiting for start");
  h.ok(["delete", "--force", id]);
  assertNoUnit(unit, id);
  assert.ok(!existsSync(`/proc/${procs[0]}/status`) || /State:\s+Z/.test(readFileSync(`/proc/${procs[0]}/status`, "utf8")), "init is gone");
});

test("the same bundle under runc --systemd-cgroup and tsrun: the same unit, MemoryMax, TasksMax and CPUWeight", () => {
  const id = h.id("cmp");
  // cpu.shares 262144: runc 1.1.5's linear shares->weight and the curve of runc >= 1.3.2 (tsrun's) meet at 2 and 262144
  const b = h.bundle({
    process: { args: ["/bin/sh", "-c", "exec sleep 1000"] },
    linux: { cgroupsPath: `system.slice:cmp:${id}`, resources: { memory: { limit: 40 << 20 }, pids: { limit: 25 }, cpu: { shares: 262144 } } },
  }, { busybox: true });
  const unit = `cmp-${id}.scope`;
  const props = ["MemoryMax", "TasksMax", "CPUWeight", "Delegate", "Slice"];
  const runcRoot = join(h.tmp, "runc");
  sh("runc", ["--root", runcRoot, "--systemd-cgroup", "run", "-d", "--bundle", b, id]);
  const byRunc = { units: units("cmp-*"), ...show(unit, ...props) };
  sh("runc", ["--root", runcRoot, "delete", "-f", id]);
  assert.deepEqual(units("cmp-*"), [], "runc's unit is gone");
  h.ok(["--systemd-cgroup", "run", "-d", "--bundle", b, id]);
  const byTsrun = { units: units("cmp-*"), ...show(unit, ...props) };
  h.ok(["delete", "-f", id]);
  assert.deepEqual(byTsrun, byRunc);
  assert.deepEqual(byTsrun, { units: [unit], MemoryMax: String(40 << 20), TasksMax: "25", CPUWeight: "10000", Delegate: "yes", Slice: "system.slice" });
  assertNoUnit(unit, id);
});

test("containerd's shim with SystemdCgroup = true, its calls replayed on dist/tsrun installed alone: a pod slice's scope", async () => {
  const alone = mkdtempSync(join(tmpdir(), "tsrun-alone-"));
  copyFileSync(join(repoRoot, "dist", "tsrun"), join(alone, "tsrun"));
  chmodSync(join(alone, "tsrun"), 0o755);
  const id = h.id("cri");
  const slice = "kubepods-besteffort-pod0a1b.slice";
  const b = h.bundle({ process: { args: ["/bin/sh", "-c", "exec sleep 1000"] }, linux: { cgroupsPath: `${slice}:cri-containerd:${id}` } }, { busybox: true });
  const root = join(h.tmp, "k8s.io");
  // go-runc's argv: global flags, then --systemd-cgroup, before every subcommand
  const shim = (...args: string[]) => {
    const r = spawnSync(join(alone, "tsrun"), ["--root", root, "--log", join(b, "log.json"), "--log-format", "json", "--systemd-cgroup", ...args],
      { encoding: "utf8", cwd: alone, timeout: 60_000 });
    assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
    return r.stdout;
  };
  shim("create", "--bundle", b, "--pid-file", join(b, "init.pid"), id);
  const unit = `cri-containerd-${id}.scope`;
  assert.deepEqual(show(unit, "ControlGroup", "Slice"),
    { ControlGroup: `/kubepods.slice/kubepods-besteffort.slice/${slice}/${unit}`, Slice: slice }, "nested slices, as systemd nests them");
  shim("start", id);
  const pid = readFileSync(join(b, "init.pid"), "utf8").trim();
  assert.equal(JSON.parse(shim("state", id)).status, "running");
  assert.equal(readFileSync(`/proc/${pid}/cgroup`, "utf8"), `0::/kubepods.slice/kubepods-besteffort.slice/${slice}/${unit}\n`);
  shim("kill", id, "9");
  for (let i = 0; i < 200 && JSON.parse(shim("state", id)).status !== "stopped"; i++) await sleep(50);
  shim("delete", id);
  assert.deepEqual(units(unit), [], "the scope is gone");
  rmSync(alone, { recursive: true, force: true });
});

test("containerd with SystemdCgroup: `ctr run --runc-systemd-cgroup` runs a container through tsrun in its scope", { timeout: 300_000 }, async () => {
  const c = new Containerd();
  try {
    await c.start();
    const img = buildImage(join(c.dir, "image.tar"));
    const imp = await c.ctr(["images", "import", join(c.dir, "image.tar")]);
    assert.equal(imp.code, 0, `ctr images import: ${imp.stderr}`);
    const id = c.id("ctr");
    const r = await c.ctr(["run", "--rm", ...c.runtimeFlags, "--runc-systemd-cgroup", "--cgroup", `system.slice:tsrun:${id}`, img, id,
      "sh", "-c", "cat /proc/self/cgroup; exit 5"], { timeoutMs: 120_000 });
    assert.equal(r.code, 5, `ctr run: ${r.stderr}\n${c.daemonLog()}`);
    assert.equal(r.stdout, `0::/system.slice/tsrun-${id}.scope\n`);
    assert.deepEqual(units(`tsrun-${id}.scope`), [], "the scope went with the task");
  } finally {
    await c.stop();
  }
});

test("two containers with one cgroupsPath: the second joins the first's scope, as runc does, with the not-empty warning", () => {
  const [a, b2] = [h.id("sha"), h.id("shb")];
  const unit = `tsrun-shared${process.pid}.scope`;
  const b = h.bundle({ process: { args: ["/bin/sh", "-c", "exec sleep 1000"] }, linux: { cgroupsPath: `system.slice:tsrun:shared${process.pid}` } }, { busybox: true });
  h.ok(["--systemd-cgroup", "run", "-d", "--bundle", b, a]);
  const second = h.ok(["--systemd-cgroup", "run", "-d", "--bundle", b, b2]);
  assert.match(second.stderr, /container's cgroup is not empty: 1 process\(es\) found/);
  const procs = readFileSync(join(CG, "system.slice", unit, "cgroup.procs"), "utf8").trim().split("\n").map(Number).sort();
  assert.deepEqual(procs, [h.state(a).pid, h.state(b2).pid].sort());
  h.ok(["delete", "-f", b2]);
  h.run(["delete", "-f", a]);
  assertNoUnit(unit, a);
  assert.ok(!existsSync(join(h.root, b2)));
});

test("checkpoint under --systemd-cgroup ends the unit; restore --detach starts it again around criu: the counter goes on, in the unit, with MemoryMax; delete -f leaves nothing", { timeout: 300_000 }, async () => {
  const id = h.id("ck");
  const name = `ck${process.pid}`;
  const unit = `tsrun-${name}.scope`;
  const data = mkdtempSync(join(h.tmp, "ck-data-"));
  const b = h.bundle({
    root: { readonly: false },
    process: { args: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i >> /data/log; sleep 0.2; done"] },
    mounts: [...JSON.parse(readFileSync(baseConfigPath, "utf8")).mounts, { destination: "/data", type: "bind", source: data, options: ["rbind", "rw"] }],
    linux: { cgroupsPath: `system.slice:tsrun:${name}`, resources: { memory: { limit: 96 << 20 } } },
  }, { busybox: true });
  const values = (): number[] => {
    try { return readFileSync(join(data, "log"), "utf8").split("\n").filter(Boolean).map(Number); } catch { return []; }
  };
  const countPast = async (n: number): Promise<number> => {
    for (;;) {
      const v = values().at(-1) ?? 0;
      if (v > n) return v;
      await sleep(100);
    }
  };
  h.ok(["--systemd-cgroup", "run", "-d", "--bundle", b, id]);
  await countPast(3);
  const img = join(h.tmp, "img-ck");
  h.ok(["--systemd-cgroup", "checkpoint", "--image-path", img, id]);
  assert.equal(h.state(id).status, "stopped");
  const at = values().at(-1) ?? 0;
  for (let i = 0; i < 100 && units(unit).length; i++) await sleep(100);
  assert.deepEqual(units(unit), [], "the checkpointed container's unit is gone");

  // criu fails after the unit was started with its pid: one line, no unit, cgroup or state left
  const junk = mkdtempSync(join(h.tmp, "img-junk-"));
  writeFileSync(join(junk, "inventory.img"), "not an image");
  const bad = h.run(["--systemd-cgroup", "restore", "--detach", "--image-path", junk, "--bundle", b, `${id}-x`]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr.trim(), /^[^\n]*restore: criu restore failed: [^\n]*$/);
  assertNoUnit(unit, `${id}-x`);

  h.ok(["--systemd-cgroup", "restore", "--detach", "--image-path", img, "--bundle", b, id]);
  const pid = h.state(id).pid;
  assert.equal(h.state(id).status, "running");
  assert.deepEqual(show(unit, "MemoryMax", "ActiveState"), { MemoryMax: String(96 << 20), ActiveState: "active" });
  assert.equal(readFileSync(`/proc/${pid}/cgroup`, "utf8"), `0::/system.slice/${unit}\n`, "the restored init is in the unit");
  // the restored init and its `sleep`, nothing else: criu is gone
  const procs = readFileSync(join(CG, "system.slice", unit, "cgroup.procs"), "utf8").trim().split("\n").map(Number);
  const ppid = (p: number): number => { try { return Number(readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1].split(" ")[1]); } catch { return pid; } };
  assert.ok(procs.includes(pid) && procs.every((p) => p === pid || ppid(p) === pid), `processes in ${unit}: ${procs.join(" ")} (init ${pid})`);
  await countPast(at);
  const all = values();
  assert.deepEqual(all, all.map((_, i) => i + 1), `the counter's values: ${all.join(" ")} (checkpointed at ${at})`);

  h.ok(["delete", "-f", id]);
  assertNoUnit(unit, id);
  assert.deepEqual(units("tsrun*"), []);
});
