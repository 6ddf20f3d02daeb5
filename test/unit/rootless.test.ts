// Rootless decisions, pure: --rootless auto, the default state root, runc's config checks, the
// cgroups a rootless container keeps or is refused, newuidmap's arguments, the process tree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TsrunError } from "../../src/errors.js";
import { defaultRoot, isInitialUserns, isRootless, parseRootless, checkOomScoreAdj } from "../../src/rootless.js";
import { checkRootlessEuid } from "../../src/userns.js";
import { toolArgs, writeMapsUnprivileged, findTool } from "../../src/userns-tools.js";
import { rootlessPaths, withoutDevices } from "../../src/cgroup/rootless.js";
import { descendants } from "../../src/cgroup/process-tree.js";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { OpFlag } from "../../src/plan/ops.js";
import { defaultSpec } from "../../src/spec/default.js";

const INITIAL = "         0          0 4294967295\n";
const PODMAN = "         0       1000          1\n         1     100000      65536\n";

function message(fn: () => unknown): string {
  try { fn(); } catch (e) { assert.ok(e instanceof TsrunError, String(e)); assert.ok(!e.message.includes("\n")); return e.message; }
  assert.fail("expected an error");
}

test("--rootless auto: rootless for a non-zero euid, and for uid 0 inside a user namespace (rootless podman); true/false win", () => {
  assert.equal(isInitialUserns(INITIAL), true);
  assert.equal(isInitialUserns(PODMAN), false);
  assert.equal(isRootless("auto", { euid: 0, uidMap: INITIAL }), false, "real root");
  assert.equal(isRootless("auto", { euid: 1000, uidMap: INITIAL }), true, "a user");
  assert.equal(isRootless("auto", { euid: 0, uidMap: PODMAN }), true, "root in podman's user namespace");
  assert.equal(isRootless(false, { euid: 1000, uidMap: INITIAL }), false);
  assert.equal(isRootless(true, { euid: 0, uidMap: INITIAL }), true);
  assert.equal(parseRootless("auto"), "auto");
  assert.equal(parseRootless("true"), true);
  assert.equal(parseRootless("false"), false);
  assert.equal(message(() => parseRootless("maybe")), 'invalid --rootless value "maybe": want auto, true or false');
});

test("the default root: /run/tsrun, $XDG_RUNTIME_DIR/tsrun when rootless, one line when XDG_RUNTIME_DIR is missing or unusable", () => {
  const ok = () => undefined;
  assert.equal(defaultRoot(false, 0, {}, ok), "/run/tsrun");
  assert.equal(defaultRoot(true, 1000, { XDG_RUNTIME_DIR: "/run/user/1000" }, ok), "/run/user/1000/tsrun");
  assert.equal(defaultRoot(true, 0, { XDG_RUNTIME_DIR: "/run/user/1000", USER: "me" }, ok), "/run/user/1000/tsrun", "podman's uid 0 in its user namespace");
  assert.equal(defaultRoot(true, 0, {}, ok), "/run/tsrun", "uid 0 in a user namespace without XDG_RUNTIME_DIR");
  assert.equal(message(() => defaultRoot(true, 1000, {}, ok)), "rootless: XDG_RUNTIME_DIR is not set: set it to a directory you own, or pass --root");
  assert.equal(message(() => defaultRoot(true, 1000, { XDG_RUNTIME_DIR: "/run/user/0" }, () => "not owned by the current user")),
    "rootless: XDG_RUNTIME_DIR `/run/user/0` is not usable: not owned by the current user: set it to a directory you own, or pass --root");
  assert.match(message(() => defaultRoot(true, 1000, { XDG_RUNTIME_DIR: "run" }, ok)), /not an absolute path/);
});

test("a rootless config needs a user namespace and both maps, in runc's words", () => {
  const base = defaultSpec({ rootless: true, ids: { uid: 1000, gid: 1000 } }) as any;
  checkRootlessEuid(parseSpec(JSON.stringify(base)));
  const noUser = structuredClone(base);
  noUser.linux.namespaces = noUser.linux.namespaces.filter((n: { type: string }) => n.type !== "user");
  delete noUser.linux.uidMappings; delete noUser.linux.gidMappings;
  assert.equal(message(() => checkRootlessEuid(parseSpec(JSON.stringify(noUser)))), "rootless container requires user namespaces");
  const noUid = structuredClone(base);
  delete noUid.linux.uidMappings;
  assert.throws(() => checkRootlessEuid(parseSpec(JSON.stringify(noUid))));
  const gid5 = structuredClone(base);                 // the rootful template's devpts option, with only the user's gid mapped
  gid5.mounts.find((m: { type: string }) => m.type === "devpts").options.push("gid=5");
  assert.equal(message(() => checkRootlessEuid(parseSpec(JSON.stringify(gid5)))),
    "cannot specify gid=5 mount option for rootless container: gid 5 is not mapped in linux.gidMappings");
});

test("oom_score_adj without privileges: raising is fine, lowering is refused before anything is made", () => {
  checkOomScoreAdj(undefined, 0);
  checkOomScoreAdj(500, 0);
  assert.equal(message(() => checkOomScoreAdj(-100, 0)), "config.json: process.oomScoreAdj: -100 is below tsrun's own 0: without privileges it can only be raised");
});

test("unprivileged maps: the caller's own ids are written directly (setgroups denied first), anything more goes to newuidmap/newgidmap", () => {
  const writes: string[] = [], tools: string[] = [];
  const own = [{ containerID: 0, hostID: 1000, size: 1 }];
  const more = [...own, { containerID: 1, hostID: 100000, size: 65536 }];
  const w = (f: string, t: string): void => { writes.push(`${f}: ${t.trim()}`); };
  const tool = (name: string, pid: number, maps: unknown[]): void => { tools.push(`${name} ${pid} ${maps.length}`); };
  writeMapsUnprivileged(7, own, own, w, { euid: 1000, egid: 1000 }, tool);
  assert.deepEqual(writes, ["uid_map: 0 1000 1", "setgroups: deny", "gid_map: 0 1000 1"]);
  assert.deepEqual(tools, []);
  writes.length = 0;
  writeMapsUnprivileged(7, more, more, w, { euid: 1000, egid: 1000 }, tool);
  assert.deepEqual(writes, []);
  assert.deepEqual(tools, ["newuidmap 7 2", "newgidmap 7 2"]);
  assert.equal(findTool("newuidmap", "/nonexistent:relative/dir"), undefined, "only absolute PATH entries, as a missing helper must be reported");
});

test("newuidmap gets the pid, then containerID hostID size per line", () => {
  assert.deepEqual(toolArgs(42, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }]),
    ["42", "0", "1000", "1", "1", "100000", "65536"]);
});

const HYBRID = {
  v2: { dir: "/sys/fs/cgroup/unified/u/c1", mountpoint: "/sys/fs/cgroup/unified" },
  v1: {
    memory: { dir: "/sys/fs/cgroup/memory/u/c1", mountpoint: "/sys/fs/cgroup/memory" },
    pids: { dir: "/sys/fs/cgroup/pids/u/c1", mountpoint: "/sys/fs/cgroup/pids" },
    devices: { dir: "/sys/fs/cgroup/devices/u/c1", mountpoint: "/sys/fs/cgroup/devices" },
  },
};
/** a user who may write only under /sys/fs/cgroup/pids/u (a delegated v1 directory) */
const access = (p: string): string | undefined =>
  p.startsWith("/sys/fs/cgroup/pids/u") ? undefined : /\/c1$/.test(p) ? "ENOENT" : "EACCES";

test("rootless cgroups: without resources every hierarchy it cannot write is left out, a writable (delegated) one is kept, devices never", () => {
  const r = rootlessPaths(HYBRID, withoutDevices({ devices: [{ allow: false, access: "rwm" }] }), access);
  assert.equal(r.v2, undefined);
  assert.deepEqual(Object.keys(r.v1), ["pids"]);
});

test("rootless cgroups: a limit on a hierarchy it cannot write is one error naming the cgroup; one it can write is kept", () => {
  assert.equal(message(() => rootlessPaths(HYBRID, { memory: { limit: 1 << 24 } }, access)),
    "cannot set memory limit: container could not join or create cgroup `/sys/fs/cgroup/memory/u/c1`: EACCES (rootless: the cgroup must be delegated to the user)");
  const r = rootlessPaths(HYBRID, { pids: { limit: 10 } }, access);
  assert.deepEqual(Object.keys(r.v1), ["pids"]);
  assert.match(message(() => rootlessPaths(HYBRID, { unified: { "hugetlb.2MB.max": "0" } }, access)), /^cannot set unified limit: .*`\/sys\/fs\/cgroup\/unified\/u\/c1`: EACCES/);
});

test("a container without a cgroup is followed from init: init and its descendants", () => {
  const parents = new Map([[10, 1], [11, 10], [12, 11], [20, 1], [13, 10]]);
  assert.deepEqual(descendants(10, parents), [10, 11, 12, 13]);
});

test("a rootless container without cgroups on a hybrid host: its cgroup mount is an empty tmpfs (cgroup2 could not be mounted); sysfs may fall back to a bind", () => {
  const s = parseSpec(JSON.stringify(defaultSpec({ rootless: true, ids: { uid: 1000, gid: 1000 } })).replace('"type":"none","source":"/sys","options":["rbind",', '"type":"sysfs","source":"sysfs","options":['));
  const plan = compileInit(s, { rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" as const }, cgroupHierarchies: [] });
  const ops = plan.ops.map((o) => o.describe);
  assert.ok(ops.includes('mount tmpfs for the cgroup v1 hierarchies on "/sys/fs/cgroup"'), ops.join("\n"));
  assert.ok(!ops.some((d) => d.includes("cgroup2")), "no cgroup2 mount");
  const sysfs = plan.ops.find((o) => o.describe === 'mount "sysfs" on "/sys"');
  assert.ok(sysfs && (sysfs.flags & OpFlag.BIND_FALLBACK) !== 0, "sysfs carries the bind fallback");
});
