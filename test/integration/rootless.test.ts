// Rootless: tsrun run by an unprivileged user (a fresh one with /etc/subuid and /etc/subgid
// ranges, made here and removed after), through setpriv, with its state under
// $XDG_RUNTIME_DIR/tsrun, in a bundle written by `tsrun spec --rootless` as that user.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync, chownSync } from "node:fs";
import { join } from "node:path";
import { oneLineError, type CliResult } from "../helpers/cli.js";
import { processesWith, CGROUP2 } from "../helpers/harness.js";
import { makeUser, removeUser, runAs, giveTo, specBundle, type TestUser } from "../helpers/rootless-user.js";
import { sleepMs } from "../../src/state/proc.js";

let u: TestUser;
let n = 0;
const ids: string[] = [];
const delegated = `/sys/fs/cgroup/pids/tsrun-rl-${process.pid}`;
const delegated2 = `${CGROUP2}/tsrun-rl-${process.pid}`;

before(() => { u = makeUser("tsrl"); });
after(() => {
  for (const id of ids) runAs(u, [u.tsrun, "delete", "--force", id]);
  for (const d of [delegated, `${delegated2}/caller`, delegated2]) { try { rmdirSync(d); } catch { /* not made, or removed */ } }
  removeUser(u);
});

/** What systemd does for a user session: a cgroup2 subtree owned by the user, with a "caller" leaf the user's commands run in. */
function delegateV2(): void {
  if (existsSync(`${delegated2}/caller`)) return;
  mkdirSync(`${delegated2}/caller`, { recursive: true });
  for (const f of ["", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads", "/caller", "/caller/cgroup.procs"]) chownSync(delegated2 + f, u.uid, u.gid);
  writeFileSync(`${delegated2}/cgroup.subtree_control`, "+hugetlb");
}

const tsrun = (args: string[], env?: Record<string, string | undefined>): CliResult => runAs(u, [u.tsrun, ...args], { env });
const ok = (args: string[]): CliResult => {
  const r = tsrun(args);
  assert.equal(r.status, 0, `tsrun ${args.join(" ")}: ${r.stderr}`);
  return r;
};
const id = (): string => { const x = `rl${n++}`; ids.push(x); return x; };
const stateRoot = (): string => join(u.xdg, "tsrun");

const bundle = (patch: (c: any) => void): string => specBundle(u, `b${n++}`, patch);

/** Nothing of the container is left: no state dir, no process with the marker. */
function assertGone(cid: string, marker?: string): void {
  assert.ok(!existsSync(join(stateRoot(), cid)), `state dir of ${cid} left behind`);
  if (marker) assert.deepEqual(processesWith(marker), [], "container processes left behind");
  assert.equal(ok(["list", "-q"]).stdout, "");
}

test("run as the user: uid 0 inside, the user's uid in uid_map, list/delete under $XDG_RUNTIME_DIR/tsrun", () => {
  const b = bundle((c) => { c.process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]; });
  const cid = id();
  const r = tsrun(["run", "--bundle", b, cid]);
  assert.equal(r.status, 0, r.stderr);
  const [inside, ...map] = r.stdout.trim().split("\n");
  assert.equal(inside, "0");
  assert.deepEqual(map.map((l) => l.trim().split(/\s+/)), [["0", String(u.uid), "1"]]);
  assert.ok(existsSync(stateRoot()), "the state root is $XDG_RUNTIME_DIR/tsrun");
  assertGone(cid);
});

test("maps beyond the user's own id go through newuidmap/newgidmap within its /etc/subuid range", () => {
  const b = bundle((c) => {
    c.linux.uidMappings = [{ containerID: 0, hostID: u.uid, size: 1 }, { containerID: 1, hostID: u.sub, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: u.gid, size: 1 }, { containerID: 1, hostID: u.sub, size: 65536 }];
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.args = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map"];
  });
  const cid = id();
  const r = tsrun(["run", "--bundle", b, cid]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/).join(" "));
  assert.deepEqual(lines, ["1000", "1000", `0 ${u.uid} 1`, `1 ${u.sub} 65536`, `0 ${u.gid} 1`, `1 ${u.sub} 65536`]);
  assertGone(cid);
});

test("run -d, exec, ps, kill and delete by the same user; pause says there is no cgroup; nothing left", () => {
  const marker = `rl-detached-${process.pid}`;
  const b = bundle((c) => { c.process.args = ["sh", "-c", `sleep 1000; : ${marker}`]; });
  const cid = id();
  ok(["run", "-d", "--bundle", b, cid]);
  const st = JSON.parse(ok(["state", cid]).stdout);
  assert.equal(st.status, "running");
  assert.equal(readFileSync(`/proc/${st.pid}/status`, "utf8").match(/^Uid:\s+(\d+)/m)?.[1], String(u.uid), "init runs as the user on the host");
  assert.match(ok(["list"]).stdout, new RegExp(`^${cid}\\s+${st.pid}\\s+running\\s+.*\\s${u.name}$`, "m"), "list names the owner");
  assert.equal(ok(["exec", cid, "sh", "-c", "echo hello from exec; id -u"]).stdout, "hello from exec\n0\n");
  assert.ok((JSON.parse(ok(["ps", "-f", "json", cid]).stdout) as number[]).includes(st.pid), "ps lists init");
  const p = tsrun(["pause", cid]);
  assert.ok(oneLineError(p), p.stderr);
  assert.match(p.stderr, /cannot pause: the container has no cgroup/);
  ok(["kill", cid, "KILL"]);
  for (let i = 0; i < 500 && JSON.parse(ok(["state", cid]).stdout).status !== "stopped"; i++) sleepMs(10);
  assert.equal(JSON.parse(ok(["state", cid]).stdout).status, "stopped");
  ok(["delete", cid]);
  assertGone(cid, marker);
});

test("bad configs fail in one line, in runc's words where it has them, and leave nothing", () => {
  const noUser = bundle((c) => { c.linux.namespaces = c.linux.namespaces.filter((x: { type: string }) => x.type !== "user"); delete c.linux.uidMappings; delete c.linux.gidMappings; });
  const a = id();
  let r = tsrun(["run", "--bundle", noUser, a]);
  assert.ok(oneLineError(r), r.stderr);
  assert.equal(r.stderr, "rootless container requires user namespaces\n");
  assertGone(a);

  const outside = bundle((c) => { c.linux.uidMappings.push({ containerID: 1, hostID: u.sub + 65536, size: 10 }); });
  const b = id();
  r = tsrun(["run", "--bundle", outside, b]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^rootless: newuidmap \d+ failed: .*not allowed \(the ranges come from \/etc\/subuid\)$/m);
  assertGone(b);

  const limits = bundle((c) => { c.linux.resources = { memory: { limit: 64 << 20 } }; });
  const d = id();
  r = tsrun(["run", "--bundle", limits, d]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^cannot set memory limit: container could not join or create cgroup `\/sys\/fs\/cgroup\/memory\/[^`]*`: EACCES/);
  assertGone(d);

  const lower = bundle((c) => { c.process.oomScoreAdj = -500; });
  const e = id();
  r = tsrun(["run", "--bundle", lower, e]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^config\.json: process\.oomScoreAdj: -500 is below tsrun's own -?\d+: without privileges it can only be raised$/m);
  assertGone(e);

  const gid5 = bundle((c) => { c.mounts.find((m: { type: string }) => m.type === "devpts").options.push("gid=5"); });
  const f = id();
  r = tsrun(["run", "--bundle", gid5, f]);
  assert.ok(oneLineError(r), r.stderr);
  assert.equal(r.stderr, "cannot specify gid=5 mount option for rootless container: gid 5 is not mapped in linux.gidMappings\n");
  assertGone(f);

  r = tsrun(["list"], { XDG_RUNTIME_DIR: undefined });
  assert.ok(oneLineError(r), r.stderr);
  assert.equal(r.stderr, "rootless: XDG_RUNTIME_DIR is not set: set it to a directory you own, or pass --root\n");
});

test("what the unprivileged kernel refuses: sysfs is bound from the host, devices are bound, a read-only root keeps the locked flags", () => {
  const b = bundle((c) => {
    const sys = c.mounts.findIndex((m: { destination: string }) => m.destination === "/sys");
    c.mounts[sys] = { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] };
    c.process.args = ["sh", "-c", "grep -E ' /sys | / ' /proc/self/mountinfo; ls -l /dev/null; echo x > /dev/null && echo wrote"];
  });
  const cid = id();
  const r = tsrun(["run", "--bundle", b, cid]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, / \/sys ro,nosuid,nodev,noexec\S* - sysfs /, "the host's sysfs, bound read-only");
  assert.match(r.stdout, / \/ ro[, ]/, "root.readonly");
  assert.match(r.stdout, /^crw-rw-rw-.* \/dev\/null$/m, "the host's /dev/null bound");
  assert.match(r.stdout, /^wrote$/m);
  assertGone(cid);
});

test("a delegated writable cgroup is used: a pids limit lands in the user's v1 pids directory, delete removes the container's cgroup", () => {
  mkdirSync(delegated);
  giveTo(u, delegated);
  const b = bundle((c) => {
    c.linux.cgroupsPath = `/tsrun-rl-${process.pid}/c1`;
    c.linux.resources = { pids: { limit: 42 } };
    c.process.args = ["sleep", "1000"];
  });
  const cid = id();
  ok(["run", "-d", "--bundle", b, cid]);
  const st = JSON.parse(ok(["state", cid]).stdout);
  assert.equal(readFileSync(join(delegated, "c1", "pids.max"), "utf8").trim(), "42");
  assert.ok(readFileSync(join(delegated, "c1", "cgroup.procs"), "utf8").split("\n").includes(String(st.pid)), "init joined it");
  assert.deepEqual(JSON.parse(ok(["ps", "-f", "json", cid]).stdout), [st.pid]);
  ok(["delete", "--force", cid]);
  assert.deepEqual(readdirSync(delegated, { withFileTypes: true }).filter((f) => f.isDirectory()).map((f) => f.name), [], "the container's cgroup is gone");
  assertGone(cid);
});

test("a delegated cgroup2 subtree is used: the container joins it with its limit, the v1 hierarchies it cannot write are left out", () => {
  delegateV2();
  const b = bundle((c) => {
    c.linux.cgroupsPath = `/tsrun-rl-${process.pid}/c1`;
    c.linux.resources = { unified: { "hugetlb.2MB.max": "2097152" } };
    c.process.args = ["sh", "-c", "grep '^0::' /proc/self/cgroup; cat /sys/fs/cgroup/unified/hugetlb.2MB.max"];
  });
  const cid = id();
  const r = runAs(u, [u.tsrun, "--debug", "run", "--bundle", b, cid], { cgroup: `${delegated2}/caller` });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `0::/tsrun-rl-${process.pid}/c1\n2097152\n`);
  assert.match(r.stderr, /rootless: cgroup `\/sys\/fs\/cgroup\/memory\/tsrun-rl-\d+\/c1` not used: EACCES/, "--debug says which cgroups it left out");
  assert.ok(!existsSync(`${delegated2}/c1`), "run removed the container's cgroup");
  assertGone(cid);
});

test("pause and resume work where a delegated cgroup exists; kill and delete then leave nothing", () => {
  const marker = `rl-paused-${process.pid}`;
  delegateV2();
  const b = bundle((c) => {
    c.linux.cgroupsPath = `/tsrun-rl-${process.pid}/c2`;
    c.process.args = ["sh", "-c", `sleep 1000; : ${marker}`];
  });
  const cid = id();
  const r = runAs(u, [u.tsrun, "run", "-d", "--bundle", b, cid], { cgroup: `${delegated2}/caller` });
  assert.equal(r.status, 0, r.stderr);
  ok(["pause", cid]);
  assert.equal(JSON.parse(ok(["state", cid]).stdout).status, "paused");
  assert.equal(readFileSync(`${delegated2}/c2/cgroup.freeze`, "utf8").trim(), "1");
  ok(["resume", cid]);
  assert.equal(JSON.parse(ok(["state", cid]).stdout).status, "running");
  ok(["kill", cid, "KILL"]);
  ok(["delete", "--force", cid]);
  assert.ok(!existsSync(`${delegated2}/c2`), "the container's cgroup is gone");
  assertGone(cid, marker);
});
