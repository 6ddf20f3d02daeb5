// Plan compilation for tmpcopyup, idmapped mounts in spec order, and startContainer hook labels and timeouts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
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
    ' 4 MOUNT_COPYUP f=0x0 0x3 0x1 0 "tmpfs" "/var/lib/x" "tmpfs" "size=1m"  # tmpcopyup mount "tmpfs" on "/var/lib/x"',
  ]);
  const op = compile(spec).ops.find((o) => o.code === Op.MOUNT_COPYUP)!;
  assert.equal(op.a, 0x3n, "ro|nosuid: the executor mounts it writable and makes it read-only after the copy");
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
