// Plan compilation for tmpcopyup, idmapped mounts in spec order, and startContainer hook labels and timeouts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit, idmapPlan } from "../../src/plan/compile.js";
import { dumpPlan } from "../../src/plan/builder.js";
import { Op } from "../../src/plan/ops.js";
import { repoRoot } from "../helpers/rootfs.js";

const host = { sourceKind: (p: string) => (p.endsWith(".conf") || p.includes("/etc/host") ? "file" as const : "dir" as const) };
type Spec = ReturnType<typeof parseSpec>;
const fixture = (): Spec => parseSpec(readFileSync(join(repoRoot, "spec-fixtures", "rootfs-hooks", "config.json"), "utf8"));
const compile = (spec: Spec) => compileInit(spec, { rootfs: "/r", bundle: "/b", noPivot: false, host });
const withMounts = (mounts: NonNullable<Spec["mounts"]>): Spec => { const s = fixture(); s.mounts = mounts; delete s.hooks; return s; };
/** the dump lines of the ops whose description matches */
const lines = (spec: Spec, re: RegExp): string[] => dumpPlan(compile(spec)).split("\n").filter((l) => re.test(l));

test("tmpcopyup on a tmpfs compiles to one MOUNT_COPYUP op, the option left out of the data", () => {
  const spec = withMounts([{ destination: "/var/lib/x", type: "tmpfs", source: "tmpfs", options: ["nosuid", "ro", "tmpcopyup", "size=1m"] }]);
  assert.deepEqual(lines(spec, /tmpcopyup/), [
    ' 4 MOUNT_COPYUP f=0x0 0x2 0x1 0 "tmpfs" "/var/lib/x" "tmpfs" "size=1m"  # mounts[0]: tmpcopyup mount "tmpfs" on "/var/lib/x"',
  ]);
  const ops = compile(spec).ops;
  const op = ops.find((o) => o.code === Op.MOUNT_COPYUP)!;
  assert.equal(op.a, 0x2n, "nosuid: mounted writable; ro comes once every submount is there (as runc)");
  const ro = ops.findIndex((o) => o.describe === 'remount "/var/lib/x" read-only');
  assert.ok(ro > ops.findIndex((o) => o.code === Op.PIVOT_ROOT), "made read-only after pivot_root, with the other read-only remounts");
  assert.equal(op.b, 1n, "no mode= in the data: the tmpfs root takes the directory's mode");
});

test("tmpcopyup with mode=: the data's mode wins; other mounts stay plain OP_MOUNT", () => {
  const spec = withMounts([
    { destination: "/a", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "mode=1777"] },
    { destination: "/b", type: "tmpfs", source: "tmpfs", options: ["size=1m"] },
  ]);
  const ops = compile(spec).ops;
  const a = ops.find((o) => o.describe === 'tmpcopyup mount "tmpfs" on "/a"')!;
  assert.equal(a.code, Op.MOUNT_COPYUP);
  assert.equal(a.b, 0n);
  assert.equal(ops.find((o) => o.describe === 'mount "tmpfs" on "/b"')!.code, Op.MOUNT);
});

test("tmpcopyup on anything but a tmpfs is an error naming the mount", () => {
  const spec = withMounts([{ destination: "/p", type: "proc", source: "proc", options: ["tmpcopyup"] }]);
  assert.throws(() => compile(spec), /config\.json: mounts\[0\]\.options: tmpcopyup needs a tmpfs mount, not "proc"$/);
});

test("idmapped mounts stay in spec order: mount point, then a sync point, then the next mount; a file source gets a file", () => {
  const spec = withMounts([
    { destination: "/a", type: "tmpfs", source: "tmpfs" },
    { destination: "/idm", type: "bind", source: "/srv", options: ["rbind", "idmap"] },
    { destination: "/idm/sub", type: "tmpfs", source: "tmpfs" },
    { destination: "/etc/my.conf", type: "bind", source: "/srv/my.conf", options: ["bind", "idmap"] },
  ]);
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const ops = compile(spec).ops;
  const from = ops.findIndex((o) => o.describe === 'mount "tmpfs" on "/a"');
  assert.deepEqual(ops.slice(from, from + 6).map((o) => o.describe), [
    'mount "tmpfs" on "/a"',
    'mkdir "/idm"', 'wait for the idmapped mount of mounts[1] on "/idm"',
    'mount "tmpfs" on "/idm/sub"',
    'create file "/etc/my.conf"', 'wait for the idmapped mount of mounts[3] on "/etc/my.conf"',
  ]);
  assert.equal(ops[from + 2].a, 0x101n, "the sync point names the mount: 0x100 + its index");
  assert.equal(ops[from + 4].flags & 0x1, 0x1, "MKFILE");
  assert.ok(!ops.some((o) => /createRuntime/.test(o.describe)), "no hooks: no create sync point");
  const helper = idmapPlan(spec, "/proc/1/ns/mnt", { rootfs: "/r", bundle: "/b", noPivot: false, host, idmapUserns: new Map([[3, "/proc/9/ns/user"]]) }, 3)!;
  assert.deepEqual(helper.ops.map((o) => o.describe), [
    'join mount namespace "/proc/1/ns/mnt"', 'open rootfs "/r"', 'idmapped bind mount "/srv/my.conf" on "/etc/my.conf"',
  ]);
});

test("startContainer hooks carry their error label and timeout; init keeps the fifo open only when there are some", () => {
  const spec = fixture();
  spec.hooks = { startContainer: [{ path: "/bin/a" }, { path: "/bin/b", args: ["b", "x"], timeout: 7 }] };
  const ops = compile(spec).ops;
  const hooks = ops.filter((o) => o.code === Op.HOOK_EXEC);
  assert.deepEqual(hooks.map((o) => [o.describe, o.c]), [['startContainer hook #0 "/bin/a"', 0n], ['startContainer hook #1 "/bin/b"', 7n]]);
  assert.match(lines(spec, /HOOK_EXEC.*\/bin\/b/)[0], /"error running hook #1 \(startContainer\) `\/bin\/b`"/);
  assert.equal(ops.find((o) => o.code === Op.WAIT_START)!.a, 1n);
  delete spec.hooks;
  assert.equal(compile(spec).ops.find((o) => o.code === Op.WAIT_START)!.a, 0n);
});

test("a read-only /dev tmpfs is mounted writable and made read-only after its submounts, the devices and the console", () => {
  const s = fixture();
  delete s.hooks;
  s.process!.terminal = true;
  s.root = { ...s.root!, readonly: true };
  s.mounts = [
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755", "ro"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "newinstance", "ptmxmode=0666"] },
  ];
  const ops = compile(s).ops;
  const at = (d: string) => ops.findIndex((o) => o.describe === d);
  assert.equal(ops[at('mount "tmpfs" on "/dev"')].a & 1n, 0n, "no MS_RDONLY at mount time");
  const ro = at('remount "/dev" read-only');
  assert.ok(ro > at('mount "devpts" on "/dev/pts"'));
  assert.ok(ro > ops.findIndex((o) => o.code === Op.MKNOD), "after the devices");
  assert.ok(ro > ops.findIndex((o) => o.code === Op.SETUP_CONSOLE), "after the console");
  assert.ok(ro < at("remount / read-only"), "then the root, as runc's finalizeRootfs");
});
