// Spec shapes podman sends: a cgroup mount on a v1/hybrid host (tmpfs plus the container's own
// hierarchies, as runc shows them), device fileModes with type bits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMountinfo } from "../../src/cgroup/mountinfo.js";
import { cgroupHierarchies } from "../../src/plan/cgroup-mount.js";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";

const HYBRID = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");
const paths = {
  v2: "/sys/fs/cgroup/unified/p/c1",
  v1: { cpu: "/sys/fs/cgroup/cpu,cpuacct/p/c1", cpuacct: "/sys/fs/cgroup/cpu,cpuacct/p/c1", memory: "/sys/fs/cgroup/memory/p/c1", "name=systemd": "/sys/fs/cgroup/systemd/p/c1" },
};

test("each hierarchy once, co-mounted controllers as links, the hybrid cgroup2 part as unified", () => {
  assert.deepEqual(cgroupHierarchies(parseMountinfo(HYBRID), paths), [
    { name: "cpu,cpuacct", source: "/sys/fs/cgroup/cpu,cpuacct/p/c1", links: ["cpu", "cpuacct"] },
    { name: "memory", source: "/sys/fs/cgroup/memory/p/c1", links: [] },
    { name: "systemd", source: "/sys/fs/cgroup/systemd/p/c1", links: [] },
    { name: "unified", source: "/sys/fs/cgroup/unified/p/c1", links: [] },
  ]);
});

test("a pure cgroup v2 host keeps the cgroup2 mount", () => {
  const v2 = "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate";
  assert.deepEqual(cgroupHierarchies(parseMountinfo(v2), { v2: "/sys/fs/cgroup/p/c1" }), []);
});

test("a read-only cgroup mount compiles to tmpfs, read-only binds of the container's cgroups, links, then ro", () => {
  const spec = parseSpec(JSON.stringify({
    ociVersion: "1.0.2", root: { path: "rootfs" }, process: { args: ["true"], cwd: "/" },
    linux: { namespaces: [{ type: "mount" }] },
    mounts: [{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "ro"] }],
  }));
  const plan = compileInit(spec, {
    rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" },
    cgroupHierarchies: cgroupHierarchies(parseMountinfo(HYBRID), paths),
  });
  const ops = plan.ops.map((o) => o.describe);
  const from = ops.findIndex((d) => d.startsWith("mount tmpfs for the cgroup v1"));
  assert.ok(from > 0, ops.join("\n"));
  assert.deepEqual(ops.slice(from, from + 8), [
    'mount tmpfs for the cgroup v1 hierarchies on "/sys/fs/cgroup"',
    'bind mount cgroup "/sys/fs/cgroup/cpu,cpuacct/p/c1" on "/sys/fs/cgroup/cpu,cpuacct"',
    'symlink "/sys/fs/cgroup/cpu" -> "cpu,cpuacct"',
    'symlink "/sys/fs/cgroup/cpuacct" -> "cpu,cpuacct"',
    'bind mount cgroup "/sys/fs/cgroup/memory/p/c1" on "/sys/fs/cgroup/memory"',
    'bind mount cgroup "/sys/fs/cgroup/systemd/p/c1" on "/sys/fs/cgroup/systemd"',
    'bind mount cgroup "/sys/fs/cgroup/unified/p/c1" on "/sys/fs/cgroup/unified"',
    'remount "/sys/fs/cgroup" read-only',
  ]);
  const bind = plan.ops[from + 1];
  assert.equal(Number(bind.b) & 1, 1, "the binds are read-only");
  assert.ok(!ops.some((d) => /cgroup2/.test(d)), "no cgroup2 mount of the host's tree");
});

test("a device fileMode with the file type bits (podman sends S_IFCHR|0644 = 8612) is accepted; the permission bits are used", () => {
  const spec = parseSpec(JSON.stringify({
    ociVersion: "1.0.2", root: { path: "rootfs" }, process: { args: ["true"], cwd: "/" },
    linux: { namespaces: [{ type: "mount" }], devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 8612, uid: 0, gid: 0 }] },
  }));
  const plan = compileInit(spec, { rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" } });
  const op = plan.ops.find((o) => o.describe === 'mknod "/dev/fuse"');
  assert.ok(op);
  assert.equal(Number(op.a), 0o20644);
});

test('rootfsPropagation "rslave" / "rshared" (podman with bind-propagation) is accepted, as runc does', () => {
  for (const [prop, describe] of [["rslave", "make / a slave mount"], ["rshared", "make / shared"]]) {
    const spec = parseSpec(JSON.stringify({
      ociVersion: "1.0.2", root: { path: "rootfs" }, process: { args: ["true"], cwd: "/" },
      linux: { namespaces: [{ type: "mount" }], rootfsPropagation: prop },
    }));
    const ops = compileInit(spec, { rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" } }).ops.map((o) => o.describe);
    assert.ok(ops.includes(describe), `${prop}: ${ops.join(", ")}`);
  }
});
