// Compile logic for hooks, user namespaces, propagation and mount-option rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit, idmapPlan } from "../../src/plan/compile.js";
import { dumpPlan } from "../../src/plan/builder.js";
import { checkIdMaps } from "../../src/plan/idmap.js";
import { checkLsm } from "../../src/plan/lsm.js";
import { repoRoot } from "../helpers/rootfs.js";

const host = { sourceKind: (p: string) => (p.endsWith(".conf") || p.includes("/etc/host") ? "file" as const : "dir" as const) };
const fixture = (): ReturnType<typeof parseSpec> =>
  parseSpec(readFileSync(join(repoRoot, "spec-fixtures", "rootfs-hooks", "config.json"), "utf8"));
const compile = (spec: ReturnType<typeof parseSpec>) => compileInit(spec, { rootfs: "/r", bundle: "/b", noPivot: false, host });

test("hooks, userns and unbindable propagation compile to the golden plan", () => {
  const text = dumpPlan(compile(fixture()));
  const file = join(repoRoot, "test", "golden", "rootfs-hooks.plan");
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden plan ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"));
});

test("the create hooks' sync point is after every mount and before pivot_root; startContainer after start", () => {
  const ops = compile(fixture()).ops.map((o) => o.describe);
  const at = (re: RegExp): number => ops.findIndex((d) => re.test(d));
  const lastMount = ops.map((d, i) => (/^(mount|bind mount|mknod|symlink)/.test(d) ? i : -1)).reduce((a, b) => Math.max(a, b));
  assert.ok(lastMount < at(/^wait for the createRuntime/));
  assert.ok(at(/^wait for the createRuntime/) < at(/^pivot_root/));
  assert.ok(at(/^wait for start/) < at(/^startContainer hook #0 "\/bin\/hook"/));
  assert.equal(at(/^startContainer hook/), ops.length - 2, "right before the final exec");
  assert.ok(at(/^pivot_root/) < at(/^make \/ unbindable/), "unbindable comes after the rootfs bind");
});

test("no hooks, no sync point (plans without hooks are unchanged)", () => {
  const spec = fixture();
  delete spec.hooks;
  assert.ok(!compile(spec).ops.some((o) => /createRuntime|startContainer/.test(o.describe)));
});

test("bind mounts: an unknown bare option is an error, key=value is ignored, recursive options become mount_setattr", () => {
  const withMount = (options: string[]) => {
    const spec = fixture();
    spec.mounts = [{ destination: "/x", type: "bind", source: "/tmp", options }];
    return () => compile(spec);
  };
  assert.throws(withMount(["rbind", "bogus"]), /^Error: config\.json: mounts\[0\]\.options: unknown mount option "bogus" for a bind mount$|unknown mount option "bogus"/);
  assert.doesNotThrow(withMount(["rbind", "mode=755"]));
  const ops = compile(((spec) => { spec.mounts = [{ destination: "/x", type: "bind", source: "/tmp", options: ["rbind", "rro", "rnosuid", "rrw", "rnoatime"] }]; return spec; })(fixture())).ops;
  const attr = ops.find((o) => /^recursive mount options on "\/x"/.test(o.describe))!;
  assert.equal(attr.a, 0x2n | 0x10n, "rro undone by rrw; rnosuid and rnoatime set");
  assert.equal(attr.b, 0x1n | 0x70n, "rdonly cleared, the atime field replaced");
  assert.doesNotThrow(withMount(["rbind", "idmap"]));
  const spec = fixture();
  spec.mounts = [{ destination: "/t", type: "tmpfs", source: "tmpfs", options: ["idmap"] }];
  assert.throws(() => compile(spec), /mounts\[0\]\.options: idmapped mounts must be bind mounts/);
});

test("idmapped binds: the container's plan makes the mount point and waits there; the host-side helper plan mounts", () => {
  const spec = fixture();
  spec.mounts = [{ destination: "/idm", type: "bind", source: "/srv", options: ["rbind", "idmap", "ro"] }];
  const ops = compile(spec).ops.map((o) => o.describe);
  assert.ok(ops.includes('mkdir "/idm"') && !ops.some((d) => /^idmapped/.test(d)));
  assert.equal(ops[ops.indexOf('mkdir "/idm"') + 1], 'wait for the idmapped mount of mounts[0] on "/idm"');
  const helper = idmapPlan(spec, "/proc/1/ns/mnt", { rootfs: "/r", bundle: "/b", noPivot: false, host, idmapUserns: new Map([[0, "/proc/9/ns/user"]]) })!;
  assert.deepEqual(helper.ops.map((o) => o.describe), [
    'join mount namespace "/proc/1/ns/mnt"', 'open rootfs "/r"', 'idmapped bind mount "/srv" on "/idm"', 'mount options on "/idm"',
  ]);
});

test("idmaps: size 0, overlaps and maps without a user namespace are errors", () => {
  assert.throws(() => checkIdMaps([{ containerID: 0, hostID: 1, size: 0 }], "linux.uidMappings"), /size: must be at least 1/);
  assert.throws(() => checkIdMaps([{ containerID: 0, hostID: 1, size: 10 }, { containerID: 9, hostID: 50, size: 2 }], "m"), /overlaps m\[0\]/);
  assert.doesNotThrow(() => checkIdMaps([{ containerID: 0, hostID: 100000, size: 65536 }], "m"));
  const spec = fixture();
  spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== "user");
  assert.throws(() => compile(spec), /mappings need a new user namespace/);
});

test("LSM labels on a host without the LSM are errors naming the field", () => {
  const spec = fixture();
  spec.process!.apparmorProfile = "p";
  assert.throws(() => checkLsm(spec, { apparmor: false, selinux: false }), /process\.apparmorProfile: "p" requested, but AppArmor is not enabled/);
  delete spec.process!.apparmorProfile;
  assert.doesNotThrow(() => checkLsm(spec, { apparmor: false, selinux: false }));
});
