// tsrun exec: joining a running container, as containerd's shim, podman's conmon and a person do it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync, openSync, closeSync, readlinkSync, existsSync, mkdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError, TSRUN } from "../helpers/cli.js";
import { repoRoot } from "../helpers/rootfs.js";
import { loadCgroupManager } from "../../src/cgroup/manager.js";
import { containerCgroup } from "../helpers/cgpath.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
let id: string;          // one running busybox container shared by the tests
before(() => {
  requireRoot();
  h = new Harness();
  id = h.id("exec");
  const b = h.bundle({ hostname: "exec-host", process: { args: ["/bin/sleep", "1000"] } }, { busybox: true });
  h.ok(["run", "-d", "--bundle", b, id]);
});
after(() => h.cleanup());

/** exec with our own stdio files; returns what a caller sees */
function ex(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = h.run(["exec", ...args], input !== undefined ? { input } : {});
  return r;
}

/** Wait (bounded) until a detached process has gone. */
function waitGone(pid: number): void {
  for (let i = 0; i < 2000 && existsSync(`/proc/${pid}`); i++) spawnSync("sleep", ["0.01"]);
  assert.ok(!existsSync(`/proc/${pid}`), `process ${pid} exited`);
}

test("exec sees init's hostname, mount namespace and pid namespace", () => {
  const init = h.state(id).pid;
  assert.equal(ex([id, "hostname"]).stdout, "exec-host\n");
  const r = ex([id, "sh", "-c", "readlink /proc/self/ns/mnt; readlink /proc/self/ns/pid; cat /proc/1/cmdline | tr '\\0' ' '"]);
  assert.equal(r.status, 0, r.stderr);
  const [mnt, pidns, cmd] = r.stdout.split("\n");
  assert.equal(mnt, readlinkSync(`/proc/${init}/ns/mnt`), "same mount namespace as init");
  assert.equal(pidns, readlinkSync(`/proc/${init}/ns/pid`), "same pid namespace as init");
  assert.equal(cmd.trim(), "/bin/sleep 1000", "pid 1 in its view is the container's init");
  const inCg = ex([id, "cat", "/proc/self/cgroup"]);
  assert.equal(inCg.stdout, readFileSync(`/proc/${init}/cgroup`, "utf8"), "the exec'd process is in every cgroup of init");
  assert.match(inCg.stdout, new RegExp(`^0::${containerCgroup(id, "")}$`, "m"));
});

test("stdin, stdout and stderr pass through; the exit code and 128+signal come back", () => {
  const r = ex([id, "sh", "-c", "cat; echo to-stderr >&2; exit 7"], "from-stdin\n");
  assert.equal(r.stdout, "from-stdin\n");
  assert.equal(r.stderr, "to-stderr\n");
  assert.equal(r.status, 7);
  assert.equal(ex([id, "sh", "-c", "kill -KILL $$"]).status, 137);
  assert.equal(ex([id, "true"]).status, 0);
});

test("exec of a missing binary is one clear line", () => {
  const r = ex([id, "no-such-binary"]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /exec: "no-such-binary": executable file not found in \$PATH/);
  const r2 = ex([id, "/bin/nope"]);
  assert.ok(oneLineError(r2), r2.stderr);
  assert.match(r2.stderr, /no such file or directory/);
});

test("--user, --additional-gids, --env, --cwd, --cap and --no-new-privs are seen from inside", () => {
  assert.equal(ex(["--user", "1000:1001", "-g", "5", "-g", "6", id, H, "id"]).stdout, "uid=1000 gid=1001 groups=5,6\n");
  assert.equal(ex(["-e", "FOO=bar", "--env", "BAZ=qux", id, "sh", "-c", "echo $FOO-$BAZ"]).stdout, "bar-qux\n");
  assert.equal(ex(["--cwd", "/tmp", id, H, "cwd"]).stdout, "/tmp\n");
  const caps = ex(["--cap", "CAP_SYS_PTRACE", id, H, "caps"]).stdout;
  const eff = BigInt("0x" + /CapEff:\t([0-9a-f]+)/.exec(caps)![1]);
  assert.ok(eff & (1n << 19n), "CAP_SYS_PTRACE was added");
  assert.ok(eff & (1n << 5n), "the container's own CAP_KILL is kept");
  const plain = BigInt("0x" + /CapEff:\t([0-9a-f]+)/.exec(ex([id, H, "caps"]).stdout)![1]);
  assert.equal(plain & (1n << 19n), 0n, "without --cap it is not there");
  const b = h.bundle({ process: { args: ["/bin/sleep", "1000"], noNewPrivileges: false } }, { busybox: true });
  const id2 = h.id("nnp");
  h.ok(["run", "-d", "--bundle", b, id2]);
  assert.equal(ex([id2, H, "nnp"]).stdout, "0\n");
  assert.equal(ex(["--no-new-privs", id2, H, "nnp"]).stdout, "1\n");
  h.ok(["delete", "--force", id2]);
});

test("containerd's and podman's argument orders, --detach and the pid file", () => {
  const out = join(h.tmp, "detached.out");
  const proc = join(h.tmp, "process.json");
  for (const order of ["containerd", "podman"]) {
    writeFileSync(proc, readFileSync(join(repoRoot, "spec-fixtures/clients", `${order}-exec-process.json`)));
    const p = JSON.parse(readFileSync(proc, "utf8"));
    p.args = ["/bin/sh", "-c", `echo from-${order}; ls /proc/self/fd; readlink /proc/self/cwd`];
    writeFileSync(proc, JSON.stringify(p));
    const pidFile = join(h.tmp, `${order}.pid`);
    const args = order === "containerd"
      ? ["exec", "--process", proc, "--detach", "--pid-file", pidFile, id]
      : ["exec", "--pid-file", pidFile, "--process", proc, "--detach", id];
    const fd = openSync(out, "w");
    const r = spawnSync(TSRUN, ["--root", h.root, ...args], { stdio: ["ignore", fd, fd], timeout: 30_000 });
    closeSync(fd);
    assert.equal(r.status, 0, readFileSync(out, "utf8"));
    const pidText = readFileSync(pidFile, "utf8");
    assert.match(pidText, /^\d+$/, "the pid file holds digits only");
    waitGone(Number(pidText));
    assert.equal(readFileSync(out, "utf8"), `from-${order}\n0\n1\n2\n3\n/\n`, "only stdio (3 is ls's own directory) and no host cwd");
  }
});

test("no host fd and no host cwd reach an exec'd process; --preserve-fds 2 passes exactly 3 and 4", () => {
  const extra = [openSync("/etc/hostname", "r"), openSync("/etc/hostname", "r"), openSync("/etc/hostname", "r")];
  try {
    const run = (args: string[]): string => {
      const o = join(h.tmp, "fds.out");
      const fd = openSync(o, "w");
      // the caller hands over fds 3, 4 and 5, and runs from a host directory
      const r = spawnSync(TSRUN, ["--root", h.root, "exec", ...args], { stdio: ["ignore", fd, "pipe", ...extra], cwd: h.tmp, timeout: 30_000 });
      closeSync(fd);
      assert.equal(r.status, 0, String(r.stderr));
      return readFileSync(o, "utf8");
    };
    const fds = (s: string): string[] => s.trim().split("\n").map((l) => l.split(" -> ")[0]);
    assert.deepEqual(fds(run([id, H, "fds"])), ["0", "1", "2"]);
    assert.deepEqual(fds(run(["--preserve-fds", "2", id, H, "fds"])), ["0", "1", "2", "3", "4"]);
    assert.equal(run([id, "readlink", "/proc/self/cwd"]), "/\n");
    assert.equal(run([id, H, "cwd"]), "/\n");
    const ls = run([id, "ls", "-l", "/proc/self/fd"]);
    assert.ok(!ls.includes("/etc/hostname"), `no host file is open: ${ls}`);
  } finally {
    for (const fd of extra) closeSync(fd);
  }
});

test("a half-set-up process is not dumpable: init waiting for start (caps already dropped) cannot be read from inside", () => {
  const b = h.bundle({ process: { args: ["/bin/sleep", "1000"] } }, { busybox: true });
  const cid = h.id("dump");
  h.ok(["create", "--bundle", b, cid]);
  // pid 1 is still tsrun-init (from its sealed memfd), waiting on the exec fifo
  const probe = "readlink /proc/1/exe || echo exe-denied; cat /proc/1/exe >/dev/null 2>&1 || echo open-denied; cat /proc/1/environ >/dev/null 2>&1 || echo environ-denied";
  const held = ex([cid, "sh", "-c", probe]);
  assert.equal(held.stdout, "exe-denied\nopen-denied\nenviron-denied\n", `exit ${held.status}: ${held.stderr}`);
  h.ok(["start", cid]);
  // once it has exec'd the container's process, the same probe reads it: the test can tell the difference
  assert.equal(ex([cid, "sh", "-c", probe]).stdout, "/bin/busybox\n");
  h.ok(["delete", "--force", cid]);
});

// Held before GO it still has tsrun's full capabilities, so the kernel's capability check denies the probe as well
// as the dumpable flag; the test above isolates the flag (init after its capset, probed with the same caps).
test("exec --cgroup: a half-set-up exec child, held in a frozen sub-cgroup, cannot be read from inside", async (t) => {
  // no pid namespace: the half-made process is visible from inside the container by its host pid
  const nss = [{ type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }];
  const cid = h.id("hold");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["/bin/sleep", "1000"] }, linux: { namespaces: nss } }, { busybox: true }), cid]);
  const st = JSON.parse(readFileSync(join(h.root, cid, "state.json"), "utf8"));
  const hold = join(st.cgroup.v1.freezer, "hold");
  mkdirSync(hold);
  try {
    writeFileSync(join(hold, "freezer.state"), "FROZEN");
    const child = spawn(TSRUN, ["--root", h.root, "exec", "--cgroup", "freezer:hold", cid, "echo", "released"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    const done = new Promise<number>((res) => child.on("close", (c) => res(c ?? -1)));
    let pid = "";
    for (let i = 0; i < 1000 && !pid; i++) {
      pid = readFileSync(join(hold, "cgroup.procs"), "utf8").trim();
      if (!pid) await new Promise((r) => setTimeout(r, 10));
    }
    assert.match(pid, /^\d+$/, "the exec child waits in the frozen sub-cgroup");
    const probe = `readlink /proc/${pid}/exe || echo exe-denied; cat /proc/${pid}/exe >/dev/null 2>&1 || echo open-denied; cat /proc/${pid}/environ >/dev/null 2>&1 || echo environ-denied`;
    let seen = ex([cid, "sh", "-c", probe]);
    // CI once saw this probe's exec print nothing (status unknown); a failed exec is reported and tried
    // again, so that the assertion is about what the probe reads, which a retry cannot change
    for (let i = 0; i < 2 && seen.status !== 0; i++) {
      t.diagnostic(`probe exec failed (exit ${seen.status}): ${seen.stderr.trim()}`);
      seen = ex([cid, "sh", "-c", probe]);
    }
    assert.equal(seen.stdout, "exe-denied\nopen-denied\nenviron-denied\n", `exit ${seen.status}: ${seen.stderr}`);
    writeFileSync(join(hold, "freezer.state"), "THAWED");
    assert.equal(await done, 0);
    assert.equal(out, "released\n", "thawed, it goes on and runs");
  } finally {
    writeFileSync(join(hold, "freezer.state"), "THAWED");
    h.ok(["delete", "--force", cid]);
    for (let i = 0; i < 100 && existsSync(hold); i++) { try { rmdirSync(hold); } catch { spawnSync("sleep", ["0.02"]); } }
  }
});

test("exec --cgroup: runc's refusals; controller:sub joins that controller's own hierarchy only", () => {
  for (const [arg, re] of [["..", /--cgroup: \.\. is not a sub cgroup path$/], ["pids:a/../..", /a\/\.\.\/\.\. is not a sub cgroup path$/],
    ["whaaat:/", /unknown controller whaaat$/], ["nonexistent", /adding pid to cgroups: open \S+\/nonexistent\/cgroup\.procs: no such file or directory \(ENOENT\)$/]] as const) {
    const r = ex(["--cgroup", arg, id, "true"]);
    assert.notEqual(r.status, 0, arg);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, `${arg}: ${r.stderr}`);
    assert.match(r.stderr.trimEnd(), re, arg);
  }
  const st = JSON.parse(readFileSync(join(h.root, id, "state.json"), "utf8"));
  const sub = join(st.cgroup.v1.memory, "submem");
  mkdirSync(sub);
  try {
    const r = ex(["--cgroup", "memory:submem", id, "cat", "/proc/self/cgroup"]);
    assert.equal(r.status, 0, r.stderr);
    const line = (key: string) => r.stdout.split("\n").find((l) => l.split(":")[1]?.split(",").includes(key)) ?? "";
    assert.match(line("memory"), /\/submem$/, "in the memory sub-cgroup");
    assert.doesNotMatch(line("pids"), /submem/, "and in the container's own cgroup for the rest");
    assert.equal(r.stdout.split("\n").find((l) => l.startsWith("0::")), `0::${containerCgroup(id, "")}`, "cgroup2 too");
  } finally {
    for (let i = 0; i < 100 && existsSync(sub); i++) { try { rmdirSync(sub); } catch { spawnSync("sleep", ["0.02"]); } }
  }
});

test("refusals: a stopped container, a paused one (unless --ignore-paused)", async () => {
  const b = h.bundle({ process: { args: ["/bin/true"] } }, { busybox: true });
  const sid = h.id("stopped");
  h.ok(["run", "--keep", "--bundle", b, sid]);
  const r = ex([sid, "true"]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, new RegExp(`container ${sid} is not running`));
  h.ok(["delete", sid]);

  const st = JSON.parse(readFileSync(join(h.root, id, "state.json"), "utf8"));
  const cg = loadCgroupManager(st.cgroup);
  cg.freeze();
  try {
    const p = ex([id, "true"]);
    assert.ok(oneLineError(p), p.stderr);
    assert.match(p.stderr, /paused/);
    const child = spawn(TSRUN, ["--root", h.root, "exec", "--ignore-paused", id, "echo", "after-thaw"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    const done = new Promise<number>((res) => child.on("exit", (c) => res(c ?? -1)));
    // the exec'd process joins the frozen cgroup and waits there until the container is resumed
    const before = cg.pids().length;
    for (let i = 0; i < 1000 && cg.pids().length === before; i++) await new Promise((r2) => setTimeout(r2, 10));
    assert.ok(cg.pids().length > before, "the exec'd process is in the frozen cgroup");
    cg.thaw();
    assert.equal(await done, 0);
    assert.equal(out, "after-thaw\n");
  } finally {
    cg.thaw();
  }
});

test("bad input: no command, bad --user, unknown container", () => {
  for (const args of [[id], ["--user", "x", id, "true"], ["nope-" + process.pid, "true"]]) {
    const r = ex(args);
    assert.ok(oneLineError(r), `${args.join(" ")}: ${r.stderr}`);
  }
});
