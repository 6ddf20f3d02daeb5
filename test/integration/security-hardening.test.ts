// More CVE classes (next to security.test.ts): writing the runtime's binary through
// /proc/<pid>/exe, fds and cwd that lead outside the container, a mount destination swapped
// for a symlink while create runs, /proc mounts that would unmask masked paths, and state
// dirs that tsrun does not own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, chownSync, symlinkSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError, tsrun } from "../helpers/cli.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
const hostPidns = { namespaces: [{ type: "mount" }, { type: "uts" }, { type: "ipc" }, { type: "network" }] };

test("a container cannot open the waiting init's /proc/<pid>/exe for writing, and it is no host file (CVE-2019-5736 class)", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const pid = h.state(id).pid;
  assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:tsrun-init \(deleted\)$/, "the waiting init runs the sealed init");
  assert.equal(statSync(`/proc/${pid}/exe`).nlink, 0, "no name on any filesystem");
  const exe = `/proc/${pid}/exe`;
  const before = sha(exe);
  for (const mode of ["w", "rw"]) {
    const probe = h.bundle({ process: { args: [H, "open", `/proc/${pid}/exe`, mode] }, linux: hostPidns });
    const r = h.run(["run", "--bundle", probe, h.id()]);
    assert.equal(r.status, 1, `open(${mode}) of the runtime binary from a container must fail: ${r.stdout}`);
    assert.match(r.stdout, /EACCES|EPERM|ETXTBSY/);
  }
  assert.equal(sha(exe), before, `${exe} is unchanged`);
  h.ok(["delete", "--force", id]);
});

test("nothing but stdio outlives exec, in init or before it (CVE-2024-21626 class)", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const pid = h.state(id).pid;
  // the waiting init: every fd above stdio is close-on-exec
  for (const fd of readdirSync(`/proc/${pid}/fd`).map(Number).filter((n) => n > 2)) {
    const flags = parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))![1], 8);
    assert.ok(flags & 0o2000000, `fd ${fd} (${readlinkSync(`/proc/${pid}/fd/${fd}`)}) of the waiting init is not close-on-exec`);
  }
  h.ok(["start", id]);
  assert.deepEqual(readdirSync(`/proc/${pid}/fd`).sort(), ["0", "1", "2"], "the started process holds stdio only");
  assert.equal(readlinkSync(`/proc/${pid}/cwd`), "/", "its cwd is the container's root (a host dir would show its host path)");
  h.ok(["delete", "--force", id]);
  // a cwd through /proc/self/fd/N cannot reach a descriptor tsrun leaked
  for (let n = 3; n < 10; n++) {
    const c = h.bundle({ process: { cwd: `/proc/self/fd/${n}`, args: [H, "cwd"] } });
    const r = h.run(["run", "--bundle", c, h.id()]);
    if (r.status === 0) assert.match(r.stdout, /^\/(proc\/|dev\/)?/, `cwd fd ${n}`);
    assert.doesNotMatch(r.stdout + r.stderr, /unreachable|\/sys\/fs\/cgroup|\/run\/tsrun|tsrun-it-/, `cwd /proc/self/fd/${n} led outside: ${r.stdout}`);
  }
});

test("a mount destination swapped for a symlink while create runs stays inside the rootfs (CVE-2021-30465 class)", async (t) => {
  const target = join(h.tmp, "host-target");
  mkdirSync(target);
  const src = join(h.tmp, "race-src");
  mkdirSync(src);
  const b = h.bundle({ root: { readonly: false }, mounts: [{ destination: "/proc", type: "proc", source: "proc" }, { destination: "/race/sub/x", type: "bind", source: src, options: ["bind"] }], process: { args: [H, "exit", "0"] } });
  const dir = join(b, "rootfs", "race");
  mkdirSync(join(dir, "sub"), { recursive: true });
  // swap rootfs/race/sub between a directory and a symlink to the host target, as fast as we can
  const racer = spawn("/bin/sh", ["-c", `cd '${dir}' && while :; do rm -rf sub; ln -s '${target}' sub; rm -f sub; mkdir sub; done`], { stdio: "ignore" });
  try {
    let ok = 0, failed = 0;
    const errs: string[] = [];
    for (let i = 0; i < 15; i++) {
      const r = h.run(["run", "--bundle", b, h.id()]);
      if (r.status === 0) ok++;
      else { failed++; errs.push(`${r.status} ${r.stderr.trim()}`); assert.ok(oneLineError(r), r.stderr); }
      assert.deepEqual(readdirSync(target), [], `round ${i}: something was made at the host target`);
    }
    assert.equal(ok + failed, 15);
    t.diagnostic(`${ok} ran, ${failed} refused: ${[...new Set(errs)].join(" | ")}`);
    assert.deepEqual(h.stateDirs(), [], errs.join(" | "));
  } finally {
    racer.kill("SIGKILL");
    await new Promise((r) => racer.once("exit", r));
  }
  assert.deepEqual(h.stateDirs(), []);
});

test("/proc mounts that would unmask masked paths are refused, as runc's checkProcMount does", () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ destination: "/proc/sys", type: "proc", source: "proc" }, /inside \/proc/],
    [{ destination: "/proc/sys", type: "bind", source: "/proc/sys", options: ["rbind"] }, /inside \/proc/],
    [{ destination: "/proc/kcore", type: "bind", source: "/dev/null", options: ["bind"] }, /inside \/proc/],
    [{ destination: "/proc", type: "sysfs", source: "sysfs" }, /not of type proc/],
    [{ destination: "/proc", type: "bind", source: "/proc/self", options: ["rbind"] }, /not the root of a procfs/],
    [{ destination: "/p/sys", type: "proc", source: "proc" }, /mounts\[1\]: filesystem proc must be mounted on ordinary directory/],
    [{ destination: "/p/sys/kernel/core_pattern", type: "bind", source: "/dev/null", options: ["bind"] },
      /mounts\[1\]: .*"\/p\/sys\/kernel\/core_pattern" cannot be mounted because it is inside \/proc \(resolved to \/proc\/sys\/kernel\/core_pattern\)/],
  ];
  for (const [m, re] of bad) {
    const b = h.bundle({ mounts: [{ destination: "/proc", type: "proc", source: "proc" }, m] });
    if (String(m.destination).startsWith("/p/")) symlinkSync("/proc", join(b, "rootfs", "p"));
    const id = h.id();
    const r = h.run(["create", "--bundle", b, id]);
    assert.ok(oneLineError(r), `${JSON.stringify(m)}: ${r.status} ${r.stderr}`);
    assert.match(r.stderr, re);
    h.assertGone(id);
  }
  // allowed: a bind of the host's procfs root on /proc, and lxcfs-style file binds
  const uptime = join(h.tmp, "uptime");
  writeFileSync(uptime, "1.00 1.00\n");
  const good = h.bundle({
    mounts: [{ destination: "/proc", type: "bind", source: "/proc", options: ["rbind"] }, { destination: "/proc/uptime", type: "bind", source: uptime, options: ["bind"] }],
    process: { args: [H, "cat", "/proc/uptime"] },
  });
  const r = h.run(["run", "--bundle", good, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "1.00 1.00\n");
});

test("a state dir tsrun does not own is refused: foreign --root, foreign container dir, symlinked state.json", () => {
  const b = h.bundle({ process: { args: [H, "pause"] } });
  const foreign = join(h.tmp, "foreign-root");
  mkdirSync(foreign, { mode: 0o700 });
  chownSync(foreign, 65534, 65534);
  for (const args of [["create", "--bundle", b, "x1"], ["state", "x1"], ["list"], ["delete", "--force", "x1"]]) {
    const r = tsrun(["--root", foreign, ...args]);
    assert.ok(oneLineError(r), `${args.join(" ")}: ${r.status} ${r.stderr}`);
    assert.match(r.stderr, /not owned by the current user/);
  }
  assert.deepEqual(readdirSync(foreign), []);

  // a container dir owned by someone else, and a state.json that is a symlink
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  const dir = join(h.root, id);
  const saved = readFileSync(join(dir, "state.json"));
  const elsewhere = join(h.tmp, "planted.json");
  writeFileSync(elsewhere, saved);
  rmSync(join(dir, "state.json"));
  symlinkSync(elsewhere, join(dir, "state.json"));
  for (const args of [["state", id], ["start", id], ["kill", id, "KILL"]]) {
    const r = h.run(args);
    assert.ok(oneLineError(r), `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /symbolic link/);
  }
  rmSync(join(dir, "state.json"));
  writeFileSync(join(dir, "state.json"), saved, { mode: 0o600 });
  chownSync(dir, 65534, 65534);
  const r = h.run(["state", id]);
  assert.ok(oneLineError(r) && /not owned by the current user/.test(r.stderr), r.stderr);
  chownSync(dir, 0, 0);
  h.ok(["delete", "--force", id]);
  assert.ok(!existsSync(dir));
});
