// The default cgroup stays inside the caller's limits (issue 13, finding 8). A caller put in a
// v1 pids cgroup with pids.max=40 runs tsrun with an empty linux.cgroupsPath and a process that
// forks 200 children: as with runc, the container's cgroup is made under the caller's own, so
// the fork stops before 40 and nothing is made at the top of any hierarchy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { TSRUN, oneLineError } from "../helpers/cli.js";
import { containerCgroupLeft, hierarchies } from "../helpers/leftovers.js";
import { ownCgroups } from "../helpers/cgpath.js";

const H = "/bin/tsrun-testhelper";
const PIDS = "/sys/fs/cgroup/pids";
const LIMIT = 40;
const CALLER = `/tsrun-caller-${process.pid}`;
let h: Harness;

before(() => {
  requireRoot();
  h = new Harness();
  mkdirSync(join(PIDS, CALLER));
  writeFileSync(join(PIDS, CALLER, "pids.max"), String(LIMIT));
});
after(() => {
  h.cleanup();
  if (existsSync(join(PIDS, CALLER))) rmdirSync(join(PIDS, CALLER));
});

/** tsrun `args`, run by a shell that first moves itself into the limited caller cgroup. */
function fromLimitedCaller(args: string[]): { status: number; out: string } {
  const dir = mkdtempSync(join(h.tmp, "out-"));
  const fd = openSync(join(dir, "out"), "w+");
  try {
    const r = spawnSync("/bin/sh", ["-c", `echo $$ > ${PIDS}${CALLER}/cgroup.procs && exec "$@"`, "sh", TSRUN, "--root", h.root, ...args],
      { stdio: ["ignore", fd, fd], timeout: 60_000 });
    return { status: r.status ?? 137, out: readFileSync(join(dir, "out"), "utf8") };
  } finally {
    closeSync(fd);
  }
}

/** Where tsrun used to put the container (/tsrun/<id>), and <id> at the top of the pids hierarchy. */
const atTop = (id: string): string[] => [...hierarchies().map((d) => join(d, "tsrun", id)), join(PIDS, id)].filter((d) => existsSync(d));

test("run from a caller limited to 40 pids: the container's fork stops below 40, inside the caller's cgroup", () => {
  const id = h.id("nest");
  const b = h.bundle({ process: { args: [H, "fork", "200"] } });
  const r = fromLimitedCaller(["run", "--bundle", b, id]);
  assert.equal(r.status, 0, r.out);
  const m = /forked (\d+) EAGAIN/.exec(r.out);
  assert.ok(m, `the fork was stopped by the caller's pids.max: ${r.out}`);
  assert.ok(Number(m[1]) < LIMIT, `forked ${m[1]} children, the caller allows ${LIMIT} pids in all`);
  assert.deepEqual(atTop(id), [], "nothing at the top of any hierarchy");
  h.assertGone(id);
  assert.deepEqual(containerCgroupLeft(id), []);
});

test("run -d from the limited caller: state, exec and delete from elsewhere find the nested cgroup", () => {
  const id = h.id("nest");
  const r = fromLimitedCaller(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  assert.equal(r.status, 0, r.out);
  const st = h.state(id);
  assert.equal(st.status, "running");
  const dir = join(PIDS, CALLER, id);
  // the caller is this process's child: its cgroups are ours, but for pids
  const caller = new Map(ownCgroups()).set("pids", CALLER);
  for (const [key, own] of ownCgroups(st.pid)) {
    const want = key === "" ? join(dirname(caller.get("")!), id) : join(caller.get(key)!, id);
    assert.equal(own, want, `init's ${key || "cgroup2"} cgroup is nested under the caller's`);
  }
  assert.ok(readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").includes(String(st.pid)));
  // this test process is not in the limited cgroup, but what it execs joins the container's
  const ex = h.run(["exec", id, H, "fork", "200"]);
  assert.equal(ex.status, 0, ex.stderr);
  const m = /forked (\d+) EAGAIN/.exec(ex.stdout);
  assert.ok(m && Number(m[1]) < LIMIT, `exec'd fork is limited by the caller's cgroup: ${ex.stdout}`);
  assert.deepEqual(atTop(id), [], "nothing at the top of any hierarchy");
  h.ok(["delete", "--force", id]);
  assert.ok(!existsSync(dir), "delete removed the container's cgroup");
  assert.ok(existsSync(join(PIDS, CALLER)), "and not the caller's, which it did not make");
  h.assertGone(id);
});

test("cgroup2: a caller whose parent cgroup holds processes gets one line naming the EBUSY, and nothing is left", () => {
  // on this hybrid host cgroup2 has hugetlb only: the parent of the caller's cgroup2 cgroup has a
  // process (a sleep), so hugetlb cannot be enabled below it, as in the pure v2 case (runc: EBUSY)
  const U = "/sys/fs/cgroup/unified";
  const parent = join(U, `tsrun-busy-${process.pid}`);
  mkdirSync(join(parent, "caller"), { recursive: true });
  const sleeper = spawn("/bin/sleep", ["600"], { stdio: "ignore" });
  try {
    writeFileSync(join(parent, "cgroup.procs"), String(sleeper.pid));
    const id = h.id("busy");
    const b = h.bundle({ process: { args: [H, "true"] }, linux: { resources: { hugepageLimits: [{ pageSize: "2MB", limit: 2 << 20 }] } } });
    const dir = mkdtempSync(join(h.tmp, "out-"));
    const fd = openSync(join(dir, "err"), "w+");
    const r = spawnSync("/bin/sh", ["-c", `echo $$ > ${parent}/caller/cgroup.procs && exec "$@"`, "sh", TSRUN, "--root", h.root, "run", "--bundle", b, id],
      { stdio: ["ignore", "ignore", fd], timeout: 60_000 });
    closeSync(fd);
    const err = readFileSync(join(dir, "err"), "utf8");
    assert.ok(oneLineError({ status: r.status ?? 137, stdout: "", stderr: err }), err);
    assert.equal(err.trim(), `cgroup: hugetlb controller not available (hugetlb.2MB.limit_in_bytes): enabling it failed: write \`${parent}/cgroup.subtree_control\`: EBUSY`);
    assert.ok(!existsSync(join(parent, id)), "the container's cgroup2 dir was removed");
    h.assertGone(id);
  } finally {
    sleeper.kill("SIGKILL");
    for (let i = 0; i < 100 && readFileSync(join(parent, "cgroup.procs"), "utf8").trim() !== ""; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    rmdirSync(join(parent, "caller"));
    rmdirSync(parent);
  }
});
