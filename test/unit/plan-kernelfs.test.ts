// Issue 13: which ops check their mount point, which masked paths carry a filesystem, and the
// line a refused mount point becomes (src/plan/kernel-fs.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { Op, OpFlag } from "../../src/plan/ops.js";
import { FS_MAGIC, maskedPathFs } from "../../src/plan/kernel-fs.js";
import type { Plan } from "../../src/plan/builder.js";

const host = { sourceKind: () => "dir" as const };
const spec = (extra: object) => parseSpec(JSON.stringify({
  ociVersion: "1.0.2", root: { path: "rootfs" }, process: { args: ["/bin/true"], cwd: "/" },
  linux: { namespaces: [{ type: "mount" }] }, ...extra,
}));
const compile = (s: ReturnType<typeof spec>, cgroupHierarchies?: Parameters<typeof compileInit>[1]["cgroupHierarchies"]): Plan =>
  compileInit(s, { rootfs: "/r", bundle: "/b", noPivot: false, host, cgroupHierarchies });
const mountOps = (p: Plan) => p.ops.map((o, i) => ({ o, i })).filter(({ o }) => o.code === Op.MOUNT);

test("proc, sysfs, cgroup and cgroup2 mount points are checked; tmpfs and binds are not", () => {
  const p = compile(spec({ mounts: [
    { destination: "/proc", type: "proc", source: "proc" }, { destination: "/dev", type: "tmpfs", source: "tmpfs" },
    { destination: "/sys", type: "sysfs", source: "sysfs" }, { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup" },
    { destination: "/x", type: "cgroup2", source: "cgroup2" }, { destination: "/y", type: "bind", source: "/tmp", options: ["rbind"] },
  ] }));
  const checked = mountOps(p).filter(({ o }) => o.flags & OpFlag.CHECK_PROCFS).map(({ o }) => o.describe);
  assert.deepEqual(checked, ['mount "proc" on "/proc"', 'mount "sysfs" on "/sys"', 'mount "cgroup2" on "/sys/fs/cgroup"', 'mount "cgroup2" on "/x"']);
  const at = mountOps(p).find(({ o }) => o.describe === 'mount "cgroup2" on "/sys/fs/cgroup"')!.i;
  assert.equal(p.explain(at, "ELOOP", '"/sys/fs" is a symlink'),
    'config.json: mounts[3]: filesystem cgroup must be mounted on ordinary directory: "/sys/fs" is a symlink');
  assert.equal(p.failure(at, 40, '"/sys/fs" is a symlink'),
    `config.json: mounts[3]: filesystem cgroup must be mounted on ordinary directory: "/sys/fs" is a symlink: ELOOP (too many levels of symbolic links) (op ${at})`);
  assert.equal(p.explain(at, "EPERM", ""), undefined, "other failures keep the usual line");
});

test("a v1 cgroup mount's tmpfs and binds are checked and name the cgroup mount", () => {
  const p = compile(spec({ mounts: [{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro"] }] }),
    [{ name: "memory", source: "/sys/fs/cgroup/memory/c", links: [] }]);
  const ms = mountOps(p).slice(1);                      // after the rootfs bind
  assert.equal(ms.length, 2);
  for (const { o, i } of ms) {
    assert.ok(o.flags & OpFlag.CHECK_PROCFS, o.describe);
    assert.match(p.explain(i, "ENOTDIR", '"/sys" is not a directory')!, /^config\.json: mounts\[0\]: filesystem cgroup must be mounted on ordinary directory/);
  }
});

test("masked and read-only paths carry the filesystem of the proc or sysfs mount that covers them", () => {
  const s = spec({
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }, { destination: "/sys", type: "sysfs", source: "sysfs" },
      { destination: "/sys/fs/cgroup", type: "cgroup2", source: "cgroup" }, { destination: "/data", type: "tmpfs", source: "tmpfs" }],
  });
  assert.equal(maskedPathFs(s, "/proc/kcore"), FS_MAGIC.proc);
  assert.equal(maskedPathFs(s, "/proc/../proc/sys/"), FS_MAGIC.proc, "cleaned first");
  assert.equal(maskedPathFs(s, "/sys/firmware"), FS_MAGIC.sysfs);
  assert.equal(maskedPathFs(s, "/sys/fs/cgroup/x"), 0, "the deeper cgroup2 mount covers it");
  assert.equal(maskedPathFs(s, "/proc"), 0, "the mount point itself is the parent's");
  assert.equal(maskedPathFs(s, "/data/secret"), 0);
  assert.equal(maskedPathFs(s, "/procfoo/x"), 0);
  const rootless = spec({ mounts: [{ destination: "/sys", type: "bind", source: "/sys", options: ["rbind"] }] });
  assert.equal(maskedPathFs(rootless, "/sys/firmware"), 0, "a bind of /sys is not checked (yet)");
  const p = compile(spec({ mounts: [{ destination: "/proc", type: "proc", source: "proc" }], linux: { namespaces: [{ type: "mount" }], maskedPaths: ["/proc/kcore", "/etc/x"], readonlyPaths: ["/proc/sys"] } }));
  const a = (code: number) => p.ops.filter((o) => o.code === code).map((o) => Number(o.a));
  assert.deepEqual(a(Op.MASK_PATH), [FS_MAGIC.proc, 0]);
  assert.deepEqual(a(Op.READONLY_PATH), [FS_MAGIC.proc]);
});
