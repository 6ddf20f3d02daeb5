// TypeScript-built plans through the C executor: each fixture bundle is compiled by src/plan/, the
// plan file goes to native/build/plan-replay (the executor against the recording fake syscall table,
// under ASan/UBSan), and the recorded calls are pinned in test/golden/*.calls. Injected failures
// come back as {op, errno, text}, and the plan turns them into the line a user reads. No root.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { parseSpec, parseProcess, type Spec } from "../../src/spec/load.js";
import { compileInit, type HostView } from "../../src/plan/compile.js";
import { compileExec } from "../../src/plan/exec.js";
import type { Plan } from "../../src/plan/builder.js";
import { errnoText } from "../../src/errors.js";
import { FS_MAGIC } from "../../src/plan/kernel-fs.js";
import { repoRoot } from "../helpers/rootfs.js";

const native = join(repoRoot, "native");
const replayBin = join(native, "build", "plan-replay");
let tmp = "";
before(() => {
  execFileSync("make", ["-s", "-C", native, "build/plan-replay"], { stdio: "pipe" });
  tmp = mkdtempSync(join(tmpdir(), "tsrun-replay-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const host: HostView = { sourceKind: (p) => (p.endsWith(".conf") || p.includes("/etc/host") || p.includes("containerenv") ? "file" : "dir") };
const fixture = (f: string): Spec => parseSpec(readFileSync(join(repoRoot, "spec-fixtures", f), "utf8"));
const init = (spec: Spec): Plan => compileInit(spec, { rootfs: "/bundle/rootfs", bundle: "/bundle", noPivot: false, host });

/** The fake host: a rootfs with the usual top directories, proc and sysfs after the pivot, the bind sources, the binary. */
function world(spec: Spec): string[] {
  const args = ["--strict", "--fs", "/proc", String(FS_MAGIC.proc), "--fs", "/sys", String(FS_MAGIC.sysfs)];
  for (const d of ["/", "/bundle", "/bundle/rootfs", "/proc", "/sys", ...["proc", "dev", "sys", "run", "tmp", "etc"].map((d) => `/bundle/rootfs/${d}`)]) args.push("--dir", d);
  for (const m of spec.mounts ?? []) {
    if (m.type !== "bind" && !(m.options ?? []).some((o) => o === "bind" || o === "rbind")) continue;
    const src = posix.isAbsolute(m.source!) ? m.source! : posix.join("/bundle", m.source!);
    args.push(host.sourceKind(src) === "file" ? "--file" : "--dir", src);
  }
  const exe = spec.process?.args?.[0];
  if (exe?.startsWith("/")) args.push("--file", exe);
  for (const h of spec.hooks?.startContainer ?? []) args.push("--file", h.path);
  return args;
}

interface Replay { calls: string; op: number; errno: number; text: string; rc: number }
function replay(plan: Plan, args: string[]): Replay {
  const file = join(tmp, "plan");
  writeFileSync(file, plan.buffer);
  const out = execFileSync(replayBin, [file, ...args], { encoding: "utf8" });
  const m = /^=> rc=(-?\d+) op=(-?\d+) errno=(\d+) text="(.*)"$/m.exec(out)!;
  return { calls: out, rc: Number(m[1]), op: Number(m[2]), errno: Number(m[3]), text: m[4] };
}

function golden(name: string, plan: Plan, args: string[]): void {
  const r = replay(plan, args);
  assert.equal(r.rc, 0, `the executor ran ${name} to the end: ${r.calls.split("\n").slice(-3).join(" | ")}`);
  assert.match(r.calls, /^execve\(/m, "the container's process is exec'd");
  const file = join(repoRoot, "test", "golden", `${name}.calls`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, r.calls);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden calls ${file} are missing (UPDATE_GOLDEN=1 writes them, on purpose)`);
  assert.equal(r.calls, readFileSync(file, "utf8"), `the executor's calls for ${name} changed`);
}

test("containerd's bundle: the TS plan runs through the executor to execve, calls pinned", () => {
  const spec = fixture("clients/containerd-config.json");
  golden("containerd", init(spec), world(spec));
});

test("podman's bundle: the TS plan runs through the executor to execve, calls pinned", () => {
  const spec = fixture("clients/podman-config.json");
  golden("podman", init(spec), world(spec));
});

test("hooks, user namespace and unbindable root: the hook sync point and the fork are in the calls", () => {
  const spec = fixture("rootfs-hooks/config.json");
  const args = [...world(spec), "--fork-ret", "4243"];      // fork() answers as the parent: the startContainer hook's
  const r = replay(init(spec), args);
  assert.match(r.calls, /^send\(5,HOOKS point=1 pid=0,0x4000\)/m, "init asks the runtime to run the create hooks");
  assert.match(r.calls, /^openat\(6,"start-state\.json"/m, "and opens the state the startContainer hook reads");
  assert.match(r.calls, /^fork\(\) = 4243\nwait4\(4243/m, "the startContainer hook runs and is waited for");
  golden("rootfs-hooks", init(spec), args);
});

test("containerd's exec process: joins, then the process part, calls pinned", () => {
  const spec = fixture("clients/containerd-config.json");
  const proc = parseProcess(readFileSync(join(repoRoot, "spec-fixtures", "clients", "containerd-exec-process.json"), "utf8"));
  const args = ["--strict", "--dir", "/", "--dir", "/proc", "--file", "/bin/sh", ...["ipc", "uts", "net", "pid", "mnt"].flatMap((n) => ["--file", `/proc/4242/ns/${n}`])];
  golden("containerd-exec", compileExec({ ...spec, process: proc }, { initPid: 4242 }), args);
});

/** containerd's bundle with `extra` merged in; the op that fails is the first call matching `prefix`. */
function failing(extra: (s: Spec) => void, prefix: string, errno: number): { plan: Plan; r: Replay } {
  const spec = fixture("clients/containerd-config.json");
  extra(spec);
  const plan = init(spec);
  const r = replay(plan, [...world(spec), "--fail", prefix, String(errno)]);
  assert.ok(r.rc < 0 && r.op >= 0, `the injected failure stopped the plan: ${r.calls.split("\n").slice(-3).join(" | ")}`);
  return { plan, r };
}

test("a mount the kernel refuses is named by its config member, the errno in words", () => {
  const { plan, r } = failing((s) => s.mounts!.push({ destination: "/bad", type: "nosuchfs", source: "nosuchfs" }), 'mount("nosuchfs"', 19);
  assert.equal(plan.failure(r.op, r.errno, r.text), `config.json: mounts[7]: mount "nosuchfs" on "/bad": ENODEV (no such device) (op ${r.op})`);
});

test("a sysctl, the cwd and an rlimit name their config members too", () => {
  const sysctl = failing((s) => { s.linux!.sysctl = { "net.ipv4.ip_forward": "1" }; }, 'openat(AT_FDCWD,"/proc/sys/net/ipv4/ip_forward"', 13);
  assert.match(sysctl.plan.failure(sysctl.r.op, sysctl.r.errno, sysctl.r.text),
    /^config\.json: linux\.sysctl\["net\.ipv4\.ip_forward"\]: sysctl "net\.ipv4\.ip_forward"(: .+)?: EACCES \(permission denied\) \(op \d+\)$/);
  const cwd = failing((s) => { s.process!.cwd = "/nope"; }, 'chdir("/nope")', 2);
  assert.equal(cwd.plan.failure(cwd.r.op, cwd.r.errno, cwd.r.text), `config.json: process.cwd: chdir "/nope": ENOENT (no such file or directory) (op ${cwd.r.op})`);
  const rl = failing(() => undefined, "prlimit(0,7,", 1);
  assert.equal(rl.plan.failure(rl.r.op, rl.r.errno, rl.r.text), `config.json: process.rlimits[0]: setrlimit RLIMIT_NOFILE: EPERM (operation not permitted) (op ${rl.r.op})`);
});

test("the executor's own errno words (printed after READY) are the TypeScript table's", () => {
  const lines = execFileSync(replayBin, ["--errstr"], { encoding: "utf8" }).trim().split("\n");
  assert.ok(lines.length >= 10);
  for (const l of lines) {
    const [n, ...words] = l.split(" ");
    assert.match(errnoText(Number(n)), new RegExp(`^E[A-Z0-9]+ \\(${words.join(" ")}\\)$`), `errno ${n}`);
  }
});
