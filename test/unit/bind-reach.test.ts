// Bind sources the root of a user-namespace container cannot reach are made from the host (src/bind-reach.ts):
// the mode-bit estimate, and what the plans of init and of the host-side helper become.
import { test } from "node:test";
import assert from "node:assert/strict";
import { searchable } from "../../src/bind-reach.js";
import { compileInit, idmapPlan } from "../../src/plan/compile.js";
import { Op } from "../../src/plan/ops.js";
import { HOOK_POINT_IDMAP } from "../../src/plan/hooks.js";

const ids = { uid: 100000, gid: 100000 };
const mapped = (uid: number, gid: number) => uid >= 100000 && uid < 165536 && gid >= 100000 && gid < 165536;

test("searchable: owner, group and other bits as the kernel reads them; capabilities only over mapped owners", () => {
  assert.equal(searchable([{ uid: 0, gid: 0, mode: 0o755 }], ids, mapped), true, "others may search");
  assert.equal(searchable([{ uid: 0, gid: 0, mode: 0o700 }], ids, mapped), false, "root's 0700");
  assert.equal(searchable([{ uid: 0, gid: 100000, mode: 0o710 }], ids, mapped), true, "the group may search");
  assert.equal(searchable([{ uid: 100000, gid: 0, mode: 0o077 }], ids, mapped), false, "the owner's bits decide for the owner");
  assert.equal(searchable([{ uid: 100005, gid: 100005, mode: 0o700 }], ids, mapped), true, "an inode it maps: capabilities count");
  assert.equal(searchable([{ uid: 100005, gid: 0, mode: 0o700 }], ids, mapped), false, "owner mapped but not the group: they do not");
  assert.equal(searchable([{ uid: 0, gid: 0, mode: 0o755 }, { uid: 0, gid: 0, mode: 0o700 }], ids, mapped), false, "every directory counts");
});

const spec = {
  ociVersion: "1.0.2", root: { path: "rootfs" }, process: { args: ["/bin/true"], cwd: "/", user: { uid: 0, gid: 0 } },
  mounts: [{ destination: "/data", type: "bind", source: "/srv/secret/inner", options: ["rbind", "ro"] }],
  linux: {
    namespaces: [{ type: "mount" }, { type: "user" }],
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
  },
};
const opts = (unreachable: boolean) => ({
  rootfs: "/b/rootfs", bundle: "/b", noPivot: false,
  host: { sourceKind: () => "dir" as const, unreachable: () => unreachable },
});

test("an unreachable bind source: init makes the mount point and waits; the host-side helper clones it, no idmap, then its options", () => {
  const { ops } = compileInit(spec as never, opts(true));
  assert.ok(!ops.some((o) => o.code === Op.MOUNT && o.describe.includes("/srv/secret/inner")), "init does not open the source");
  assert.ok(ops.some((o) => o.code === Op.HOOK_SYNC && o.a === BigInt(HOOK_POINT_IDMAP)), "init waits for mounts[0]");
  const helper = idmapPlan(spec as never, "/proc/1/ns/mnt", opts(true), 0)!.ops;
  const m = helper.find((o) => o.code === Op.MOUNT_IDMAP)!;
  assert.equal(m.describe, 'bind mount "/srv/secret/inner" on "/data" from the host (the container\'s root cannot reach it)');
  assert.equal(m.s[2], 0xffffffff, "no user namespace: a plain clone");
  assert.equal(m.a, 0x8000n, "rbind clones the whole tree");
  assert.ok(helper.some((o) => o.code === Op.MOUNT_SETATTR && (o.a & 1n) === 1n), "ro applied on the clone");
});

test("a reachable bind source stays init's own bind mount", () => {
  const { ops } = compileInit(spec as never, opts(false));
  assert.ok(ops.some((o) => o.code === Op.MOUNT && o.describe.includes("/srv/secret/inner")));
  assert.equal(idmapPlan(spec as never, "/proc/1/ns/mnt", opts(false), 0), undefined, "no helper");
});
