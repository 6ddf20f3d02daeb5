// Planning a container without a mount namespace (src/plan/no-mountns.ts) and finding the mounts
// stacked on its rootfs (src/host-mounts.ts): pure, no root needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { compileExec } from "../../src/plan/exec.js";
import { Op } from "../../src/plan/ops.js";
import { mountsAt } from "../../src/host-mounts.js";
import { repoRoot } from "../helpers/rootfs.js";

const host = { sourceKind: () => "dir" as const };

function spec(patch: (s: Record<string, any>) => void) {
  const s = JSON.parse(readFileSync(join(repoRoot, "spec-fixtures", "clients", "containerd-config.json"), "utf8"));
  s.linux.namespaces = s.linux.namespaces.filter((n: { type: string }) => n.type !== "mount");
  delete s.linux.maskedPaths;
  delete s.linux.readonlyPaths;
  patch(s);
  return parseSpec(JSON.stringify(s));
}

test("no mount namespace: no propagation change, the rootfs bound on the container's own dir, chroot instead of pivot_root", () => {
  for (const noPivot of [false, true]) {
    const plan = compileInit(spec(() => {}), { rootfs: "/bundle/rootfs", bundle: "/bundle", noPivot, host, mountAt: "/run/tsrun/c1/rootfs" });
    const codes = plan.ops.map((o) => o.code);
    assert.ok(!codes.includes(Op.PRIVATE_ROOT), "the host's / keeps its propagation");
    assert.ok(!codes.includes(Op.PIVOT_ROOT), "no pivot_root in the host's namespace");
    const root = plan.ops.filter((o) => o.code === Op.MOVE_ROOT);
    assert.equal(root.length, 1);
    assert.match(root[0].describe, /^chroot "\/run\/tsrun\/c1\/rootfs" \(no mount namespace\)/, "chroot only, even with --no-pivot (no MS_MOVE)");
    const opened = plan.ops.filter((o) => o.code === Op.OPEN_ROOT).map((o) => o.describe);
    assert.deepEqual(opened, ['open rootfs "/run/tsrun/c1/rootfs"', 'open rootfs "/run/tsrun/c1/rootfs"'], "the mounts go on the container's own dir");
    assert.ok(plan.ops.some((o) => o.describe === 'bind mount rootfs "/bundle/rootfs"'), "which holds a bind of the rootfs");
    assert.ok(plan.ops.findIndex((o) => /^mount "proc"/.test(o.describe)) < plan.ops.indexOf(root[0]));
  }
});

test("no mount namespace: exec chroots into init's root", () => {
  const plan = compileExec(spec(() => {}), { initPid: 42 });
  const root = plan.ops.find((o) => o.code === Op.MOVE_ROOT);
  assert.ok(root, "exec enters /proc/<init>/root");
  assert.ok(plan.ops.indexOf(root!) < plan.ops.findIndex((o) => o.code === Op.EXEC));
});

test("no mount namespace: what cannot be honoured is refused with the field named", () => {
  const opts = { rootfs: "/bundle/rootfs", bundle: "/bundle", noPivot: false, host };
  const cases: Array<[(s: Record<string, any>) => void, RegExp]> = [
    [(s) => { s.linux.maskedPaths = ["/proc/kcore"]; }, /config\.json: linux\.maskedPaths: paths cannot be masked without a mount namespace/],
    [(s) => { s.linux.readonlyPaths = ["/proc/sys"]; }, /config\.json: linux\.readonlyPaths: /],
    [(s) => { s.linux.rootfsPropagation = "private"; }, /config\.json: linux\.rootfsPropagation: /],
    [(s) => { s.linux.namespaces.push({ type: "user" }); }, /config\.json: linux\.namespaces: a new user namespace/],
    [(s) => { s.mounts.push({ destination: "/m", type: "bind", source: "/tmp", options: ["bind", "idmap"] }); }, /config\.json: mounts\[\d+\]: idmapped/],
  ];
  for (const [patch, re] of cases) assert.throws(() => compileInit(spec(patch), opts), re);
  assert.throws(() => compileInit(spec(() => {}), { ...opts, rootfs: "/" }), /config\.json: root\.path: the host's \/ cannot be the rootfs/);
  const withMnt = spec((s) => { s.linux.namespaces.push({ type: "mount" }); s.linux.maskedPaths = ["/proc/kcore"]; });
  assert.ok(compileInit(withMnt, opts).ops.some((o) => o.code === Op.PIVOT_ROOT), "with a mount namespace nothing changes");
});

test("mountsAt: how many mounts are at a path, escapes decoded", () => {
  const mi = [
    "27 1 254:0 / / rw - ext4 /dev/vda rw",
    "90 27 0:50 / /b/root\\040fs rw - overlay overlay rw",
    "95 90 254:0 /b/root\\040fs /b/root\\040fs rw - overlay overlay rw",
    "96 95 0:81 / /b/root\\040fs/proc rw - proc proc rw",
    "97 27 0:82 / /b/root rw - tmpfs tmpfs rw",
  ].join("\n");
  assert.equal(mountsAt(mi, "/b/root fs"), 2);
  assert.equal(mountsAt(mi, "/b/root"), 1, "a path that is a prefix of another is counted on its own");
  assert.equal(mountsAt(mi, "/nothing"), 0);
});
