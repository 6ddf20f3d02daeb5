// The manager against a fake cgroupfs in a temp dir: driver choice per controller,
// directory creation, files and values, errors before anything is made. The test plays
// the kernel's part through onMkdir (populating each new directory with its files).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { newCgroupManager, loadCgroupManager, type NewOptions } from "../../src/cgroup/manager.js";
import { runDeviceProgram } from "../../src/cgroup/bpf-interp.js";
import { ACC_READ, ACC_WRITE } from "../../src/cgroup/devices.js";

const V1 = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"];

/** Files the kernel puts in a new v1 cgroup, per hierarchy. */
const V1_FILES: Record<string, Record<string, string>> = {
  cpu: { "cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1", "cpu.cfs_burst_us": "0", "cpu.idle": "0", "cpu.stat": "nr_periods 7\nnr_throttled 2\nthrottled_time 900\n" },
  cpuacct: { "cpuacct.stat": "user 3\nsystem 1\n", "cpuacct.usage": "42000000", "cpuacct.usage_percpu": "30000000 12000000 \n", "cpuacct.usage_all": "cpu user system\n0 20000000 10000000\n1 8000000 4000000\n" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
  memory: { "memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "9223372036854771712", "memory.soft_limit_in_bytes": "9223372036854771712", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "memory.swappiness": "60", "memory.usage_in_bytes": "8192", "memory.max_usage_in_bytes": "16384", "memory.failcnt": "1", "memory.stat": "cache 4096\nrss 4096\n" },
  devices: { "devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm" },
  freezer: { "freezer.state": "THAWED" },
  blkio: { "blkio.bfq.weight": "100", "blkio.throttle.read_bps_device": "", "blkio.throttle.io_serviced": "8:0 Read 5\n8:0 Write 6\nTotal 11\n", "blkio.throttle.io_service_bytes": "8:0 Read 512\n" },
  pids: { "pids.max": "max", "pids.current": "1" },
};

/** Files of a new v2 cgroup, per enabled controller (no cgroup.events: see freeze). */
const V2_FILES: Record<string, Record<string, string>> = {
  "": { "cgroup.procs": "", "cgroup.subtree_control": "", "cgroup.freeze": "0", "cgroup.kill": "", "cpu.stat": "usage_usec 5\n" },
  memory: { "memory.max": "max", "memory.low": "0", "memory.high": "max", "memory.swap.max": "max", "memory.current": "0", "memory.events": "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n" },
  pids: { "pids.max": "max", "pids.current": "0" },
  cpu: { "cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0" },
  io: { "io.max": "", "io.weight": "default 100" },
  cpuset: { "cpuset.cpus": "", "cpuset.mems": "" },
  hugetlb: { "hugetlb.2MB.max": "max", "hugetlb.2MB.rsvd.max": "max" },
};

const put = (dir: string, files: Record<string, string>) => {
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), v);
};

interface FakeHost { root: string; opts: NewOptions; cg: (p: string) => string }

function fakeHost(kind: "hybrid" | "v2", v2Controllers: string[], extra: Partial<NewOptions> = {}): FakeHost {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tsrun-cgfake-"));
  const cg = (p: string) => path.join(root, "sys/fs/cgroup", p);
  const mounts: string[] = [];
  const v2mnt = kind === "hybrid" ? "unified" : "";
  if (kind === "hybrid") {
    V1.forEach((h, i) => {
      fs.mkdirSync(cg(h), { recursive: true });
      put(cg(h), { "cgroup.procs": "" });
      mounts.push(`${40 + i} 31 0:${30 + i} / /sys/fs/cgroup/${h} rw,relatime - cgroup cgroup rw,${h}`);
    });
    put(cg("cpuset"), { "cpuset.cpus": "0-3", "cpuset.mems": "0" });
  }
  fs.mkdirSync(cg(v2mnt), { recursive: true });
  put(cg(v2mnt), { "cgroup.controllers": v2Controllers.join(" "), "cgroup.subtree_control": "", "cgroup.procs": "" });
  mounts.push(`60 31 0:60 / /sys/fs/cgroup${v2mnt ? "/" + v2mnt : ""} rw - cgroup2 cgroup2 rw`);
  const onMkdir = (dir: string) => {
    const rel = path.relative(cg(""), dir).split(path.sep);
    if (kind === "hybrid" && rel[0] !== "unified") {
      put(dir, { "cgroup.procs": "", tasks: "", ...V1_FILES[rel[0]] });
      return;
    }
    // cgroup.controllers is what the parent enabled: "+a +b" written to its subtree_control
    const enabled = fs.readFileSync(path.join(path.dirname(dir), "cgroup.subtree_control"), "utf8")
      .split(/\s+/).filter((w) => w !== "").map((w) => w.replace(/^\+/, ""));
    put(dir, { ...V2_FILES[""], "cgroup.controllers": enabled.join(" ") });
    for (const c of enabled) put(dir, V2_FILES[c] ?? {});
  };
  // the caller (tsrun) is in every hierarchy's root cgroup unless a test says otherwise
  return { root, cg, opts: { id: "c1", fsRoot: root, mountinfo: mounts.join("\n") + "\n", selfCgroup: "0::/\n", onMkdir, ...extra } };
}

const read = (p: string) => fs.readFileSync(p, "utf8");

test("hybrid: v1 controllers get v1 files, hugetlb (cgroup2-only) gets v2 files", (t) => {
  const h = fakeHost("hybrid", ["hugetlb"]);
  t.after(() => fs.rmSync(h.root, { recursive: true, force: true }));
  const m = newCgroupManager({ ...h.opts, cgroupsPath: "/default/c1" });
  assert.equal(m.paths.v2, h.cg("unified/default/c1"));
  assert.equal(m.paths.v1?.memory, h.cg("memory/default/c1"));
  m.create({
    memory: { limit: 1 << 20, swap: 2 << 20 },
    pids: { limit: 42 },
    cpu: { shares: 512, quota: 20000, period: 100000, mems: "0" },
    blockIO: { weight: 300 },
    hugepageLimits: [{ pageSize: "2MB", limit: 4194304 }],
    devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: 229, access: "rw" }],
  });
  assert.equal(read(h.cg("memory/default/c1/memory.limit_in_bytes")), "1048576");
  assert.equal(read(h.cg("memory/default/c1/memory.memsw.limit_in_bytes")), "2097152");
  assert.equal(read(h.cg("pids/default/c1/pids.max")), "42");
  assert.equal(read(h.cg("cpu/default/c1/cpu.shares")), "512");
  assert.equal(read(h.cg("cpu/default/c1/cpu.cfs_quota_us")), "20000");
  assert.equal(read(h.cg("blkio/default/c1/blkio.bfq.weight")), "300");
  assert.equal(read(h.cg("unified/default/c1/hugetlb.2MB.max")), "4194304");
  assert.equal(read(h.cg("unified/default/c1/hugetlb.2MB.rsvd.max")), "4194304");
  assert.equal(read(h.cg("unified/cgroup.subtree_control")), "+hugetlb");
  assert.equal(read(h.cg("unified/default/cgroup.subtree_control")), "+hugetlb", "enabled down to the parent");
  // v1 devices: the last write is the last default rule (writes replace in a fake fs)
  assert.equal(read(h.cg("devices/default/c1/devices.allow")), "c 10:200 rwm");
  // v1 cpuset: cpus copied down from the root into both new levels, mems as asked
  assert.equal(read(h.cg("cpuset/default/cpuset.cpus")), "0-3");
  assert.equal(read(h.cg("cpuset/default/c1/cpuset.cpus")), "0-3");
  assert.equal(read(h.cg("cpuset/default/c1/cpuset.mems")), "0");
  assert.deepEqual(m.paths.created?.filter((d) => d.includes("/memory/")), [h.cg("memory/default"), h.cg("memory/default/c1")]);
  assert.equal(m.paths.created?.length, 2 * 9, "two levels in 8 v1 hierarchies and cgroup2");

  m.addProcess(1234, { v2: false });
  assert.equal(read(h.cg("pids/default/c1/cgroup.procs")), "1234");
  assert.equal(read(h.cg("unified/default/c1/cgroup.procs")), "", "clone3 placed it in v2 already");
  m.freeze();
  assert.equal(read(h.cg("freezer/default/c1/freezer.state")), "FROZEN", "the v1 freezer, not cgroup.freeze");
  assert.equal(m.state(), "frozen");
  m.thaw();
  assert.equal(m.state(), "thawed");
  assert.equal(m.oomCount(), 3, "memory.oom_control oom_kill (v1 memory)");

  // update through a manager loaded from state.json
  const again = loadCgroupManager(JSON.parse(JSON.stringify(m.paths)));
  again.apply({ pids: { limit: -1 }, memory: { limit: -1 } });
  assert.equal(read(h.cg("pids/default/c1/pids.max")), "max");
  assert.equal(read(h.cg("memory/default/c1/memory.limit_in_bytes")), "-1");
  assert.equal(read(h.cg("devices/default/c1/devices.allow")), "c 10:200 rwm", "update without devices leaves them");
});

test("hybrid: a controller found nowhere is refused before any mkdir, naming controller and file", (t) => {
  const h = fakeHost("hybrid", []);
  t.after(() => fs.rmSync(h.root, { recursive: true, force: true }));
  const m = newCgroupManager(h.opts);
  assert.throws(() => m.create({ pids: { limit: 5 }, hugepageLimits: [{ pageSize: "2MB", limit: 1 }] }),
    /^TsrunError: cgroup: hugetlb controller not available \(hugetlb\.2MB\.limit_in_bytes\)$/);
  assert.throws(() => m.create({ network: { classID: 7 } }), /^TsrunError: cgroup: net_cls controller not available \(net_cls\.classid\)$/);
  assert.throws(() => m.create({ unified: { "memory.high": "1" } }),
    /^TsrunError: invalid configuration: cannot use unified on cgroup v1 \(linux\.resources\.unified sets "memory\.high": the memory controller is not on cgroup2 here\)$/);
  assert.equal(fs.existsSync(h.cg("memory/c1")), false, "nothing was made");
  assert.deepEqual(m.paths.created ?? [], []);
});

test("pure v2: files, conversions, controllers enabled, devices as a BPF program", (t) => {
  let attached: { dir: string; prog: Buffer; license: string } | undefined;
  const h = fakeHost("v2", ["cpuset", "cpu", "io", "memory", "pids", "hugetlb"], {
    attachDeviceFilter: (dir, prog, license) => { attached = { dir, prog, license }; },
  });
  t.after(() => fs.rmSync(h.root, { recursive: true, force: true }));
  const m = newCgroupManager({ ...h.opts, cgroupsPath: "/tsrun/c1" });
  assert.equal(m.paths.v2, h.cg("tsrun/c1"));
  assert.equal(m.paths.v1, undefined);
  m.create({
    memory: { limit: 1 << 20, swap: 3 << 20, reservation: 4096 },
    pids: { limit: 0 },
    cpu: { shares: 1024, quota: 50000, cpus: "0-1" },
    blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] },
    unified: { "memory.high": "2000000" },
    devices: [{ allow: false, access: "rwm" }, { allow: true, type: "b", major: 8, minor: 0, access: "r" }],
  });
  const f = (n: string) => read(h.cg(`tsrun/c1/${n}`));
  assert.equal(read(h.cg("cgroup.subtree_control")), "+cpuset +cpu +io +memory +pids +hugetlb");
  assert.equal(read(h.cg("tsrun/cgroup.subtree_control")), "+cpuset +cpu +io +memory +pids +hugetlb");
  assert.equal(f("cgroup.subtree_control"), "", "never in the container's own cgroup");
  assert.equal(f("memory.max"), "1048576");
  assert.equal(f("memory.swap.max"), "2097152");
  assert.equal(f("memory.low"), "4096");
  assert.equal(f("memory.high"), "2000000");
  assert.equal(f("pids.max"), "1");
  assert.equal(f("cpu.weight"), "100");
  assert.equal(f("cpu.max"), "50000 100000");
  assert.equal(f("cpuset.cpus"), "0-1");
  assert.equal(f("io.max"), "8:0 rbps=1000");
  assert.ok(attached);
  assert.equal(attached.dir, h.cg("tsrun/c1"));
  assert.equal(attached.license, "Apache");
  assert.equal(runDeviceProgram(attached.prog, "b", 8, 0, ACC_READ), true);
  assert.equal(runDeviceProgram(attached.prog, "b", 8, 0, ACC_WRITE), false);
  assert.equal(runDeviceProgram(attached.prog, "c", 1, 3, ACC_READ | ACC_WRITE), true, "/dev/null from the defaults");
  assert.deepEqual(m.paths.created, [h.cg("tsrun"), h.cg("tsrun/c1")]);

  m.addProcess(77);
  assert.equal(f("cgroup.procs"), "77");
  assert.deepEqual(m.pids(), [77]);
  m.freeze();
  assert.equal(f("cgroup.freeze"), "1");
  assert.equal(m.state(), "frozen");
  m.thaw();
  assert.equal(m.state(), "thawed");
  assert.equal(m.oomCount(), 1, "memory.events oom_kill");
  m.killAll(9);
  assert.equal(f("cgroup.kill"), "1", "SIGKILL goes through cgroup.kill");
  attached = undefined;
  m.apply({ cpu: { quota: -1 } });
  assert.equal(f("cpu.max"), "max 100000");
  assert.equal(attached, undefined, "devices untouched by an update without devices");
});

test("hybrid: an empty cgroupsPath makes only the leaves, under the caller's cgroups", (t) => {
  const h = fakeHost("hybrid", ["hugetlb"], { selfCgroup: "8:pids:/lim\n4:memory:/lim\n0::/lim/self\n" });
  t.after(() => fs.rmSync(h.root, { recursive: true, force: true }));
  for (const d of ["pids/lim", "memory/lim", "unified/lim"]) fs.mkdirSync(h.cg(d));
  put(h.cg("unified/lim"), { "cgroup.controllers": "hugetlb", "cgroup.subtree_control": "", "cgroup.procs": "" });
  const m = newCgroupManager(h.opts);
  assert.equal(m.paths.v1?.pids, h.cg("pids/lim/c1"));
  assert.equal(m.paths.v1?.cpu, h.cg("cpu/c1"));
  assert.equal(m.paths.v2, h.cg("unified/lim/c1"));
  m.create({ pids: { limit: 5 } });
  assert.equal(read(h.cg("pids/lim/c1/pids.max")), "5");
  assert.ok((m.paths.created ?? []).includes(h.cg("pids/lim/c1")));
  assert.ok(!(m.paths.created ?? []).some((d) => d.endsWith("/lim")), "the caller's cgroups are not recorded as made by tsrun");
});

test("pure v2: missing controllers and v2-only refusals", (t) => {
  const h = fakeHost("v2", ["cpu", "pids"]);
  t.after(() => fs.rmSync(h.root, { recursive: true, force: true }));
  const m = newCgroupManager(h.opts);
  assert.throws(() => m.create({ memory: { limit: 1 } }), /^TsrunError: cgroup: memory controller not available \(memory\.max\)$/);
  assert.throws(() => m.create({ cpu: { cpus: "0" } }), /^TsrunError: cgroup: cpuset controller not available \(cpuset\.cpus\)$/);
  assert.throws(() => m.create({ network: { classID: 1 } }), /network is not supported on cgroup v2/);
  assert.throws(() => m.create({ cpu: { realtimeRuntime: 5 } }), /realtimeRuntime is not supported on cgroup v2/);
  assert.throws(() => m.create({ unified: { "../x.y": "1" } }), /unified: invalid key "\.\.\/x\.y"/);
  assert.equal(fs.existsSync(h.cg("c1")), false);
});

test("stats from fake v1 files, in runc's shape", (t) => {
  const h = fakeHost("hybrid", ["hugetlb"]);
  t.after(() => fs.rmSync(h.root, { recursive: true, force: true }));
  const m = newCgroupManager(h.opts);
  m.create({ pids: { limit: 9 } });
  const s = m.stats();
  assert.equal(s.cpu.usage.total, 42000000n);
  assert.equal(s.cpu.usage.user, 30000000n, "3 ticks at USER_HZ 100");
  assert.deepEqual(s.cpu.usage.percpu, [30000000n, 12000000n]);
  assert.deepEqual(s.cpu.usage.percpuKernel, [10000000n, 4000000n]);
  assert.equal(s.cpu.throttling.throttledTime, 900n);
  assert.deepEqual(s.cpuset.cpus, [0, 1, 2, 3]);
  assert.equal(s.memory.usage.limit, 9223372036854771712n);
  assert.equal(s.memory.cache, 4096n);
  assert.equal(s.pids.limit, 9n);
  assert.deepEqual(s.blkio.ioServicedRecursive.map((e) => `${e.major}:${e.minor} ${e.op} ${e.value}`), ["8:0 Read 5", "8:0 Write 6"]);
});
