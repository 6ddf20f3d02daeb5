// CVE classes through exec (security-hardening.test.ts has them for create/run):
// - CVE-2019-5736: a process in the container opens /proc/<pid>/exe of tsrun's exec child (a fork of
//   node, not yet exec'd) for writing, or reads it: refused, because the child is not dumpable until
//   execve. The container is a user namespace whose processes hold every capability there, so the
//   dumpable flag is the only thing that stands in the way (the same probe reads a dumpable process).
// - CVE-2024-21626: an exec'd process looks for an fd or a cwd outside the container, with
//   `exec --cwd /proc/self/fd/N` and process.cwd = /proc/self/fd/N in `exec --process`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, readdirSync, readlinkSync, writeFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError, TSRUN } from "../helpers/cli.js";
import { baseConfig } from "../helpers/rootfs.js";
import { CAPABILITIES } from "../../src/plan/caps.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
// the mapped root (host 100000) must be able to reach the rootfs
before(() => { requireRoot(); h = new Harness(); chmodSync(h.tmp, 0o755); });
after(() => h.cleanup());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");
const procState = (pid: number) => { try { const s = readFileSync(`/proc/${pid}/stat`, "utf8"); return s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3); } catch { return ""; } };
const childrenOf = (pid: number) => readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
  try { const s = readFileSync(`/proc/${p}/stat`, "utf8"); return Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]) === pid; } catch { return false; }
});
const ns = (pid: number, n: string) => { try { return readlinkSync(`/proc/${pid}/ns/${n}`); } catch { return ""; } };

/**
 * tsrun exec stopped (TSRUN_FAULT=stop:exec-after-cgroup-join) once its child is in the container's
 * cgroups and namespaces, waiting for GO: the half-made process a container could attack.
 */
async function heldExec(id: string, init: number, args: string[]): Promise<{ tsrun: number; child: number; done: Promise<{ code: number; out: string }> }> {
  const c = spawn(TSRUN, ["--root", h.root, "exec", id, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TSRUN_FAULT: "stop:exec-after-cgroup-join" } });
  let out = "";
  c.stdout.on("data", (d) => { out += d; });
  c.stderr.on("data", (d) => { out += d; });
  const done = new Promise<{ code: number; out: string }>((res) => c.on("close", (code) => res({ code: code ?? -1, out })));
  let child = 0;
  for (let i = 0; i < 1500 && !child; i++) {
    const kids = procState(c.pid!) === "T" ? childrenOf(c.pid!) : [];
    if (kids.length === 1 && ns(kids[0], "user") === ns(init, "user") && ns(kids[0], "mnt") === ns(init, "mnt")) child = kids[0];
    else await sleep(10);
  }
  assert.ok(child, "tsrun exec stops with its child inside the container's namespaces, waiting for GO");
  return { tsrun: c.pid!, child, done };
}

test("a container cannot open or read /proc/<pid>/exe of tsrun's exec child before it execs (CVE-2019-5736 class)", async () => {
  const all = [...CAPABILITIES];
  const mounts = (baseConfig().mounts as Array<{ destination: string }>).filter((m) => m.destination !== "/proc");
  const b = h.bundle({
    linux: {
      // no pid namespace: the half-made process is visible inside by its host pid (through the host's /proc)
      namespaces: [{ type: "user" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }, { type: "network" }, { type: "cgroup" }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    },
    mounts: [{ destination: "/proc", type: "bind", source: "/proc", options: ["rbind"] }, ...mounts],
    process: { args: [H, "pause"], noNewPrivileges: false, capabilities: { bounding: all, effective: all, permitted: all } },
  });
  const id = h.id("cve5736");
  h.ok(["run", "-d", "--bundle", b, id]);
  const init = h.state(id).pid;
  const held = await heldExec(id, init, [H, "echo", "released"]);
  try {
    // the child exec'd the sealed init right after clone: its exe is no host file
    assert.match(readlinkSync(`/proc/${held.child}/exe`), /^\/memfd:tsrun-init \(deleted\)$/);
    const exe = `/proc/${held.child}/exe`;
    const before = sha(exe);
    const probe = (path: string, mode: string) => h.run(["exec", id, H, "open", path, mode]);
    for (const mode of ["w", "rw", "r"]) {
      const r = probe(`/proc/${held.child}/exe`, mode);
      assert.equal(r.status, 1, `open(${mode}) of the exec child's /proc/pid/exe from the container must fail: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, mode === "r" ? /EACCES|EPERM/ : /EACCES|EPERM|ETXTBSY/);
    }
    const rl = h.run(["exec", id, H, "readlink", `/proc/${held.child}/exe`]);
    assert.notEqual(rl.status, 0, `readlink of the exec child's exe: ${rl.stdout}`);
    assert.equal(sha(exe), before, `${exe} is unchanged`);
    // the same probe reads a dumpable process of the container: what stopped it above is the dumpable flag
    assert.equal(probe(`/proc/${init}/exe`, "r").stdout, "ok\n");
    // every fd the child holds beyond stdio is close-on-exec (nothing of tsrun's reaches the process)
    for (const fd of readdirSync(`/proc/${held.child}/fd`).map(Number).filter((n) => n > 2)) {
      const flags = parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/${held.child}/fdinfo/${fd}`, "utf8"))![1], 8);
      assert.ok(flags & 0o2000000, `fd ${fd} (${readlinkSync(`/proc/${held.child}/fd/${fd}`)}) of the exec child is not close-on-exec`);
    }
  } finally {
    process.kill(held.tsrun, "SIGCONT");
  }
  const r = await held.done;
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out, "released\n", "let go, the exec runs");
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});

test("exec --cwd and process.cwd of /proc/self/fd/N never lead outside the container (CVE-2024-21626 class)", (t) => {
  const id = h.id("cve21626");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: [H, "pause"] } }), id]);
  const outside = /unreachable|state\.json|exec\.fifo|cgroup\.procs|config\.json|tsrun-it-|\/sys\/fs\/cgroup|\/run\/tsrun/;
  const pj = join(h.tmp, "p.json");
  let ran = 0, refused = 0;
  for (let n = 3; n < 16; n++) {
    const cwd = `/proc/self/fd/${n}`;
    writeFileSync(pj, JSON.stringify({ user: { uid: 0, gid: 0 }, args: [H, "ls", "."], env: ["PATH=/bin"], cwd }));
    for (const args of [["exec", "--cwd", cwd, id, H, "cwd"], ...(n < 7 ? [["exec", "--process", pj, id]] : [])]) {
      const r = h.run(args);
      if (r.status === 0) ran++;
      else refused++, assert.ok(oneLineError(r), `${args.join(" ")}: ${r.status} ${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, outside, `${args.join(" ")} led outside: ${r.stdout}`);
    }
  }
  // a cwd that is fine still works, and the exec'd process holds stdio only
  assert.equal(h.run(["exec", "--cwd", "/proc", id, H, "cwd"]).stdout, "/proc\n");
  assert.deepEqual(h.run(["exec", id, H, "fds"]).stdout.trim().split("\n").map((l) => l.split(" -> ")[0]), ["0", "1", "2"]);
  t.diagnostic(`${ran} ran (inside), ${refused} refused with one line`);
  h.ok(["delete", "--force", id]);
  h.assertGone(id);
});
