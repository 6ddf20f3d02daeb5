// Issue 13's attack audit, reproduced: each attack that once got out of a tsrun container, run
// against real containers, with sentinel files standing for the host. Every one must fail to escape.
//   1. the runtime's binary reachable as /proc/self/exe (CVE-2019-5736 class)
//   3. a cwd through a leaked fd or /proc/<host pid>/cwd (CVE-2024-21626 class)
//   4. --preserve-fds handing over tsrun's own fds
//   6. a created container exposing the host to itself through its waiting init
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError, TSRUN } from "../helpers/cli.js";
import { mappedUserns, repoRoot } from "../helpers/rootfs.js";
import { CAPABILITIES } from "../../src/plan/caps.js";

const H = "/bin/tsrun-testhelper";
const SECRET = "host-secret-4c1f";
let h: Harness;
// the mapped root of the user-namespace variants (host 100000) must be able to reach the rootfs
before(() => { requireRoot(); h = new Harness(); chmodSync(h.tmp, 0o755); });
after(() => h.cleanup());

const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
// every capability this host's bounding set has (CAP_SYS_RESOURCE may be missing here)
const bounding = BigInt("0x" + /CapBnd:\s+([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
const ALL = CAPABILITIES.filter((_, i) => (bounding >> BigInt(i)) & 1n);
const allCaps = { bounding: ALL, effective: ALL, permitted: ALL };
const hostPidns = [{ type: "mount" }, { type: "uts" }, { type: "ipc" }, { type: "network" }];

/** A sentinel copy of tsrun's engine (node): tsrun runs from it, so an overwrite would show here. */
function sentinelEngine(): { engine: string; run: (args: string[]) => { status: number; out: string; err: string } } {
  const engine = join(h.tmp, "engine-sentinel");
  if (!existsSync(engine)) { copyFileSync(process.execPath, engine); chmodSync(engine, 0o755); }
  const main = join(repoRoot, "dist", "src", "main.js");
  return {
    engine,
    run: (args) => {
      const r = spawnSync(engine, [main, "--root", h.root, ...args], { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] });
      return { status: r.status ?? 137, out: r.stdout, err: r.stderr };
    },
  };
}

test("1: an image whose entrypoint is #!/proc/self/exe gets the sealed tsrun-init, never tsrun's engine, and cannot write it", () => {
  const { engine, run } = sentinelEngine();
  const before = sha(engine);
  for (const linux of [{}, mappedUserns()]) {
    const b = h.bundle({ process: { args: ["/attack", "payload"] }, linux });
    writeFileSync(join(b, "rootfs", "attack"), "#!/proc/self/exe\n", { mode: 0o755 });
    // the audit's image ships its own dynamic loader: a dynamically linked engine would run it
    mkdirSync(join(b, "rootfs", "lib64"), { recursive: true });
    writeFileSync(join(b, "rootfs", "lib64", "ld-linux-x86-64.so.2"), "#!/bin/tsrun-testhelper write /pwned yes\n", { mode: 0o755 });
    const r = run(["run", "--bundle", b, h.id("exe")]);
    assert.equal(r.status, 127, `${r.out}${r.err}`);
    assert.match(r.out + r.err, /tsrun-init: this is tsrun's container init; it runs only when tsrun starts it/);
    assert.ok(!existsSync(join(b, "rootfs", "pwned")), "the image's loader never ran");
  }
  // a created container: its init, and what an all-capabilities process in the host's pid namespace sees
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id("exe");
  assert.equal(run(["create", "--bundle", b, id]).status, 0);
  const pid = h.state(id).pid;
  const e = statSync(engine), x = statSync(`/proc/${pid}/exe`);
  assert.ok(e.ino !== x.ino || e.dev !== x.dev, "the waiting init's exe is not the engine");
  assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:tsrun-init \(deleted\)$/);
  const probe = h.bundle({ process: { args: [H, "open", `/proc/${pid}/exe`, "w"], capabilities: allCaps, noNewPrivileges: false }, linux: { namespaces: hostPidns } });
  const w = h.run(["run", "--bundle", probe, h.id("probe")]);
  assert.equal(w.status, 1, `open for writing must fail: ${w.stdout}`);
  assert.match(w.stdout, /ETXTBSY|EPERM|EACCES/);
  assert.equal(run(["start", id]).status, 0);
  assert.equal(run(["delete", "--force", id]).status, 0);
  assert.equal(sha(engine), before, "the engine copy is byte for byte unchanged");
});

test("3: a cwd of /proc/self/fd/N never lands on a host directory, in create, exec --cwd and process.json", () => {
  const mark = `escaped-${process.pid}`;
  const found = (): string[] => spawnSync("find", [h.tmp, "/run/tsrun", "-name", mark], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const linux of [{}, mappedUserns()]) {
    for (let n = 3; n < 32; n++) {
      const b = h.bundle({ process: { cwd: `/proc/self/fd/${n}`, args: [H, "write", mark, SECRET], capabilities: allCaps }, linux });
      const r = h.run(["run", "--bundle", b, h.id("cwd")]);
      if (r.status !== 0) assert.ok(oneLineError(r), `fd ${n}: ${r.stderr}`);
    }
  }
  assert.deepEqual(found(), [], "no file was written through a leaked fd");
  // exec: --cwd and a process.json cwd
  const id = h.id("cwdx");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"], capabilities: allCaps } }), id]);
  for (let n = 3; n < 32; n++) {
    const r = h.run(["exec", "--cwd", `/proc/self/fd/${n}`, id, H, "write", mark, SECRET]);
    if (r.status !== 0) assert.ok(oneLineError(r), `exec --cwd fd ${n}: ${r.stderr}`);
    const pj = join(h.tmp, `p${n}.json`);
    writeFileSync(pj, JSON.stringify({ cwd: `/proc/self/fd/${n}`, args: [H, "write", mark, SECRET], user: { uid: 0, gid: 0 } }));
    const p = h.run(["exec", "--process", pj, id]);
    if (p.status !== 0) assert.ok(oneLineError(p), `process.json fd ${n}: ${p.stderr}`);
  }
  h.ok(["delete", "--force", id]);
  assert.deepEqual(found(), [], "no file was written through a leaked fd by exec");
});

test("3: without a pid namespace, a cwd of /proc/<host pid>/cwd is refused as a breakout, in create and exec", async () => {
  const sentinel = join(h.tmp, "host-cwd");
  mkdirSync(sentinel);
  writeFileSync(join(sentinel, "secret"), SECRET);
  const holder = spawn("/bin/sleep", ["600"], { cwd: sentinel, stdio: "ignore" });
  try {
    const cwd = `/proc/${holder.pid}/cwd`;
    const b = h.bundle({ process: { cwd, args: [H, "cat", "secret"] }, linux: { namespaces: hostPidns } });
    const id = h.id("hostcwd");
    const r = h.run(["run", "--bundle", b, id]);
    assert.ok(oneLineError(r), `${r.status} ${r.stdout} ${r.stderr}`);
    assert.match(r.stderr, /outside the container's root \(possible container breakout detected\)/);
    assert.doesNotMatch(r.stdout, new RegExp(SECRET));
    h.assertGone(id);
    const eid = h.id("hostcwdx");
    h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] }, linux: { namespaces: hostPidns } }), eid]);
    const x = h.run(["exec", "--cwd", cwd, eid, H, "cat", "secret"]);
    assert.ok(oneLineError(x), `${x.status} ${x.stdout} ${x.stderr}`);
    assert.match(x.stderr, /possible container breakout detected/);
    assert.doesNotMatch(x.stdout, new RegExp(SECRET));
    h.ok(["delete", "--force", eid]);
  } finally {
    holder.kill("SIGKILL");
  }
  assert.deepEqual(readdirSync(sentinel), ["secret"], "nothing was written in the host directory");
});

test("4: --preserve-fds with a gap is refused, naming the fd, and leaves nothing; passed fds still go", () => {
  const file = join(h.tmp, "passed");
  writeFileSync(file, "passed-in\n");
  const id = h.id("pfd");
  for (const linux of [{}, mappedUserns()]) {
    const b = h.bundle({ process: { args: [H, "fds"] }, linux });
    // nothing open at 3 and up: the audit got tsrun's state dir and cgroup dir this way
    const r = h.run(["run", "--preserve-fds", "17", "--bundle", b, id]);
    assert.ok(oneLineError(r), `${r.status} ${r.stdout} ${r.stderr}`);
    assert.match(r.stderr, /--preserve-fds 17: fd 3 is not open|--preserve-fds 17: fd 3 was not passed/);
    h.assertGone(id);
    // a caller that passes fds 3 and 4, but asks for 3 of them
    const fd = openSync(file, "r");
    try {
      const out = join(h.tmp, "fds.out");
      const o = openSync(out, "w");
      const gap = spawnSync(TSRUN, ["--root", h.root, "run", "--preserve-fds", "3", "--bundle", b, id], { stdio: ["ignore", o, "pipe", fd, fd], encoding: "utf8" });
      assert.equal(gap.status, 1, gap.stderr);
      assert.match(gap.stderr.trim(), /^[^\n]*--preserve-fds 3: fd 5 (is not open|was not passed)[^\n]*$/);
      h.assertGone(id);
      const ok = spawnSync(TSRUN, ["--root", h.root, "run", "--preserve-fds", "2", "--bundle", b, id], { stdio: ["ignore", o, "pipe", fd, fd] });
      closeSync(o);
      assert.equal(ok.status, 0, String(ok.stderr));
      const fds = readFileSync(out, "utf8").trim().split("\n");
      assert.deepEqual(fds.map((l) => l.split(" -> ")[0]), ["0", "1", "2", "3", "4"]);
      assert.ok(fds.slice(3).every((l) => l.endsWith(file)), fds.join("; "));
    } finally { closeSync(fd); }
  }
  // exec: the same gap
  const cid = h.id("pfdx");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), cid]);
  const x = h.run(["exec", "--preserve-fds", "5", cid, H, "fds"]);
  assert.ok(oneLineError(x), `${x.status} ${x.stdout} ${x.stderr}`);
  assert.match(x.stderr, /--preserve-fds 5: fd 3 /);
  h.ok(["delete", "--force", cid]);
});

test("6: a created container's waiting init holds no host directory and no host binary, even for a process with CAP_SYS_PTRACE", () => {
  for (const linux of [{}, mappedUserns()]) {
    const b = h.bundle({ process: { args: [H, "pause"], capabilities: allCaps, noNewPrivileges: false }, linux });
    const id = h.id("wait");
    h.ok(["create", "--bundle", b, id]);
    const pid = h.state(id).pid;
    const held = readdirSync(`/proc/${pid}/fd`).map(Number).filter((n) => n > 2);
    for (const fd of held) {
      assert.ok(!statSync(`/proc/${pid}/fd/${fd}`).isDirectory(), `fd ${fd} (${readlinkSync(`/proc/${pid}/fd/${fd}`)}) is a directory`);
    }
    assert.ok(held.length <= 2, `only the sync socket and the exec fifo: ${held.map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`)).join(", ")}`);
    // from inside: an exec with every capability lists /proc/1/fd/N/ for each N and gets nothing
    for (const fd of held) {
      const r = h.run(["exec", id, H, "ls", `/proc/1/fd/${fd}/`]);
      assert.notEqual(r.status, 0, `ls /proc/1/fd/${fd}/ from inside: ${r.stdout}`);
    }
    const exe = h.run(["exec", id, H, "open", "/proc/1/exe", "w"]);
    assert.notEqual(exe.status, 0, `open /proc/1/exe for writing from inside: ${exe.stdout}`);
    h.ok(["delete", "--force", id]);
    h.assertGone(id);
  }
});
