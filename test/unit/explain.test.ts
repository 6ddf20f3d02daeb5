// tsrun explain: the plan op by op with config members, the cgroup writes and the hooks, as text and
// JSON pinned by golden files (src/plan/explain.ts); through the CLI it creates nothing. No root.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync, mkdtempSync, mkdirSync, rmSync, copyFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSpec } from "../../src/spec/load.js";
import { explain, explainText, type ExplainOptions } from "../../src/plan/explain.js";
import { tsrun, oneLineError } from "../helpers/cli.js";
import { repoRoot } from "../helpers/rootfs.js";

const tmp = mkdtempSync(join(tmpdir(), "tsrun-explain-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const fixture = join(repoRoot, "spec-fixtures", "rootfs-hooks", "config.json");
const spec = () => parseSpec(readFileSync(fixture, "utf8"));
const opts = (cgroupVersion: "v1" | "v2"): ExplainOptions =>
  ({ rootfs: "/bundle/rootfs", bundle: "/bundle", noPivot: false, host: { sourceKind: () => "dir" }, cgroupVersion });

function golden(name: string, text: string): void {
  const file = join(repoRoot, "test", "golden", name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"), `explain output ${name} changed`);
}

test("explain's text: every op with its config member, the cgroup writes and the hooks (golden)", () => {
  const text = explainText(explain(spec(), opts("v2")));
  assert.match(text, /^ {2}4 MOUNT +mounts\[0\] +mount "proc" on "\/proc"$/m);
  assert.match(text, /^ +\d+ RLIMIT +process\.rlimits\[0\] +setrlimit RLIMIT_NOFILE$/m);
  assert.match(text, /^ {2}cpu\.weight = 100$/m, "cpu.shares 1024 is written as cpu.weight 100 on v2");
  assert.match(text, /^ {2}hooks\.startContainer\[0\] "\/bin\/hook" \["hook" "a"\]: inside the container/m);
  golden("explain-rootfs-hooks.txt", text);
});

test("explain's JSON: the same data, one object per op with named fields (golden)", () => {
  const e = explain(spec(), opts("v2"));
  const mount = e.ops.find((o) => o.where === "mounts[0]")!;
  assert.deepEqual(mount.fields, { "mount flags": "0xe", source: "proc", destination: "/proc", fstype: "proc" });
  assert.deepEqual(mount.flags, ["CHECK_PROCFS"]);
  assert.deepEqual(e.ops.at(-1)!.fields.argv, ["/bin/sleep", "1000"]);
  assert.deepEqual(e.namespaces.clone.sort(), ["ipc", "mount", "network", "pid", "user", "uts"]);
  golden("explain-rootfs-hooks.json", JSON.stringify(e, null, 2) + "\n");
});

test("on a cgroup v1 host the writes are v1's: cpu.shares and the devices allow list", () => {
  const w = explain(spec(), opts("v1")).cgroup.writes;
  assert.deepEqual(w[0], { controller: "cpu", file: "cpu.shares", value: "1024" });
  assert.ok(w.some((x) => x.file === "devices.allow" && x.value === "c 1:3 rwm"));
});

test("tsrun explain prints the plan and creates nothing; bad bundles are one line and exit 1", () => {
  const b = join(tmp, "b");
  mkdirSync(join(b, "rootfs"), { recursive: true });
  copyFileSync(fixture, join(b, "config.json"));
  const root = join(tmp, "root");
  const r = tsrun(["--root", root, "explain", "--bundle", b]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}4 MOUNT +mounts\[0\] +mount "proc" on "\/proc"$/m);
  assert.equal(JSON.parse(tsrun(["--root", root, "explain", "--bundle", b, "--format", "json"]).stdout).rootfs, join(b, "rootfs"));
  assert.ok(!existsSync(root), "explain made no state dir");
  const missing = tsrun(["--root", root, "explain", "--bundle", join(tmp, "nope")]);
  assert.ok(oneLineError(missing), missing.stderr);
  assert.match(missing.stderr, /^bundle `.*nope`: ENOENT$/m);
  writeFileSync(join(b, "config.json"), "{ not json");
  const bad = tsrun(["--root", root, "explain", "--bundle", b]);
  assert.ok(oneLineError(bad), bad.stderr);
  assert.match(bad.stderr, /^config\.json: invalid JSON/);
  const fmt = tsrun(["explain", "--bundle", b, "--format", "yaml"]);
  assert.equal(fmt.status, 1, fmt.stderr);
});

test("explain shows what create does with a bind source the user namespace's root cannot reach: made from the host", () => {
  const b = join(tmp, "unreach");
  const secret = join(tmp, "secret");
  mkdirSync(join(secret, "data"), { recursive: true, mode: 0o700 });
  chmodSync(secret, 0o700);                         // the namespace's root (host uid 100000) cannot search it
  mkdirSync(join(b, "rootfs"), { recursive: true });
  const c = JSON.parse(readFileSync(fixture, "utf8"));
  c.mounts.push({ destination: "/data", type: "bind", source: join(secret, "data"), options: ["rbind", "ro"] });
  writeFileSync(join(b, "config.json"), JSON.stringify(c));
  const r = tsrun(["--root", join(tmp, "root2"), "explain", "--bundle", b]);
  assert.equal(r.status, 0, r.stderr);
  const i = c.mounts.length - 1;
  const lines = r.stdout.split("\n").filter((l) => l.includes(`mounts[${i}]`)).join("\n");
  assert.match(lines, /HOOK_SYNC/, `the mount waits for the host-side helper, as create plans it:\n${lines}`);
  assert.doesNotMatch(lines, / MOUNT +mounts/, "no bind from inside the namespace, which would fail with EACCES");
});

test("explain under the systemd driver names the transient unit and the properties create would send", () => {
  const s = spec();
  s.linux = { ...s.linux, cgroupsPath: "machine.slice:libpod:abc" };
  const e = explain(s, { ...opts("v2"), systemd: { procDevices: "Character devices:\n136 pts\n" } });
  assert.equal(e.cgroup.systemd?.unit, "libpod-abc.scope");
  assert.equal(e.cgroup.systemd?.slice, "machine.slice");
  const text = explainText(e);
  assert.match(text, /^systemd: transient unit libpod-abc\.scope in machine\.slice, Delegate=yes \(\d+ resource properties\):$/m);
  assert.match(text, /^ {2}CPUWeight="100"$/m, "cpu.shares 1024, as the cgroupfs driver converts it");
  assert.equal(explain(spec(), opts("v2")).cgroup.systemd, undefined, "the cgroupfs driver: no unit");
});
