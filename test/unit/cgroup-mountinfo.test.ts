// Finding cgroup hierarchies in mountinfo text, and where a container's cgroup goes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cgroupMode, parseMountinfo } from "../../src/cgroup/mountinfo.js";
import { innerPath, ownInMount, parseProcCgroup, resolvePaths } from "../../src/cgroup/paths.js";

/** This development host: v1 controllers, cgroup2 at /sys/fs/cgroup/unified. */
const HYBRID = `\
22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:27 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

/** A current distribution: cgroup2 only. */
const PURE_V2 = `\
24 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
25 24 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
27 25 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:3 - securityfs securityfs rw
`;

/** systemd's old hybrid layout with co-mounted controllers and optional fields. */
const LEGACY = `\
30 25 0:26 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd
33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
34 25 0:30 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:13 master:7 - cgroup cgroup rw,net_cls,net_prio
35 25 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
36 25 0:32 /docker/abc /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
37 25 0:33 / /mnt/with\\040space rw - cgroup cgroup rw,freezer
`;

test("mountinfo: hybrid host (this machine)", () => {
  const m = parseMountinfo(HYBRID);
  assert.deepEqual(m.v2, { mountpoint: "/sys/fs/cgroup/unified", root: "/" });
  assert.deepEqual([...m.v1.keys()].sort(), ["blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "name=systemd", "pids"]);
  assert.equal(m.v1.get("memory")?.mountpoint, "/sys/fs/cgroup/memory");
  assert.deepEqual(m.v1.get("cpu")?.controllers, ["cpu"]);
  assert.equal(cgroupMode(m), "hybrid");
});

test("mountinfo: pure cgroup v2", () => {
  const m = parseMountinfo(PURE_V2);
  assert.deepEqual(m.v2, { mountpoint: "/sys/fs/cgroup", root: "/" });
  assert.equal(m.v1.size, 0);
  assert.equal(cgroupMode(m), "unified");
});

test("mountinfo: co-mounted v1 controllers, optional fields, mount roots and escapes", () => {
  const m = parseMountinfo(LEGACY);
  assert.equal(m.v2, undefined);
  assert.equal(cgroupMode(m), "legacy");
  const cpu = m.v1.get("cpu");
  assert.ok(cpu);
  assert.equal(m.v1.get("cpuacct"), cpu, "co-mounted controllers share one mount");
  assert.deepEqual(cpu.controllers, ["cpu", "cpuacct"]);
  assert.equal(cpu.mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
  assert.deepEqual(m.v1.get("net_prio")?.controllers, ["net_cls", "net_prio"]);
  assert.deepEqual(m.v1.get("name=systemd")?.controllers, ["name=systemd"], "xattr is a flag, not a controller");
  assert.equal(m.v1.get("pids")?.root, "/docker/abc");
  assert.equal(m.v1.get("freezer")?.mountpoint, "/mnt/with space");
  assert.equal(cgroupMode(parseMountinfo("")), "none");
});

test("cgroupsPath: default (the id, relative, as runc), absolute, containerd and podman shapes", () => {
  assert.equal(innerPath(undefined, "c1"), "c1");
  assert.equal(innerPath("", "c1"), "c1");
  assert.equal(innerPath("/default/c1", "c1"), "/default/c1");
  assert.equal(innerPath("/libpod_parent/libpod-abc/", "abc"), "/libpod_parent/libpod-abc");
  assert.equal(innerPath("//a///b", "x"), "/a/b");
  assert.equal(innerPath("rel/c1", "x"), "rel/c1");
});

test("cgroupsPath: .. and the hierarchy root are refused with one clear line", () => {
  assert.throws(() => innerPath("/a/../../etc", "x"), /^TsrunError: config\.json: linux\.cgroupsPath: "\.\." is not allowed/);
  assert.throws(() => innerPath("..", "x"), /"\.\." is not allowed/);
  assert.throws(() => innerPath("/", "x"), /names the hierarchy root/);
  assert.throws(() => innerPath(undefined, "../x"), /invalid container id/);
});

test("paths: absolute cgroupsPath in every hierarchy of a hybrid host", () => {
  const r = resolvePaths(parseMountinfo(HYBRID), "/default/c1", new Map());
  assert.deepEqual(r.v2, { dir: "/sys/fs/cgroup/unified/default/c1", mountpoint: "/sys/fs/cgroup/unified" });
  assert.equal(r.v1.memory.dir, "/sys/fs/cgroup/memory/default/c1");
  assert.equal(r.v1["name=systemd"].dir, "/sys/fs/cgroup/systemd/default/c1");
});

test("paths: a relative cgroupsPath is below tsrun's own cgroup in v1, below its parent in cgroup2", () => {
  const self = parseProcCgroup("9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/cpu-grp\n0::/user.slice/s1\n");
  assert.equal(self.get("cpuacct"), "/cpu-grp");
  const r = resolvePaths(parseMountinfo(HYBRID), "mine/c1", self, "/fake");
  assert.equal(r.v2?.dir, "/fake/sys/fs/cgroup/unified/user.slice/mine/c1", "s1 holds tsrun itself: no controller can be enabled below it");
  assert.equal(r.v1.memory.dir, "/fake/sys/fs/cgroup/memory/process_api/abc/mine/c1");
  assert.equal(r.v1.cpu.dir, "/fake/sys/fs/cgroup/cpu/cpu-grp/mine/c1");
  assert.equal(r.v1.pids.dir, "/fake/sys/fs/cgroup/pids/mine/c1");
  assert.equal(r.v1.pids.mountpoint, "/fake/sys/fs/cgroup/pids");
});

test("paths: the default cgroup (empty cgroupsPath) nests under the caller, never at the top", () => {
  const self = parseProcCgroup("8:pids:/limited\n4:memory:/m\n0::/\n");
  const r = resolvePaths(parseMountinfo(HYBRID), innerPath("", "c1"), self);
  assert.equal(r.v1.pids.dir, "/sys/fs/cgroup/pids/limited/c1");
  assert.equal(r.v1.memory.dir, "/sys/fs/cgroup/memory/m/c1");
  assert.equal(r.v1.freezer.dir, "/sys/fs/cgroup/freezer/c1", "a caller at a hierarchy's root");
  assert.equal(r.v2?.dir, "/sys/fs/cgroup/unified/c1", "the parent of the cgroup2 root is the root");
  const v2 = resolvePaths(parseMountinfo(PURE_V2), innerPath(undefined, "c1"), parseProcCgroup("0::/user.slice/user-0.slice/session-1.scope\n"));
  assert.equal(v2.v2?.dir, "/sys/fs/cgroup/user.slice/user-0.slice/c1");
});

test("paths: the caller's cgroup is taken relative to the mount's root (a container without a cgroup namespace)", () => {
  const mi = "40 30 0:35 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
  const r = resolvePaths(parseMountinfo(mi), "c1", parseProcCgroup("8:pids:/docker/abc/sub\n"));
  assert.equal(r.v1.pids.dir, "/sys/fs/cgroup/pids/sub/c1");
  assert.equal(ownInMount("/docker/abc", "/docker/abc"), "/");
  assert.throws(() => resolvePaths(parseMountinfo(mi), "c1", parseProcCgroup("8:pids:/other\n")),
    /^TsrunError: cgroup: own cgroup "\/other" \(\/proc\/self\/cgroup\) is outside the mount's root "\/docker\/abc"$/);
  assert.equal(resolvePaths(parseMountinfo(mi), "/abs/c1", new Map()).v1.pids.dir, "/sys/fs/cgroup/pids/abs/c1", "absolute paths are kept as they are");
});

test("paths: pure v2 gives one directory", () => {
  const r = resolvePaths(parseMountinfo(PURE_V2), "/tsrun/c1", new Map());
  assert.equal(r.v2?.dir, "/sys/fs/cgroup/tsrun/c1");
  assert.deepEqual(r.v1, {});
});
