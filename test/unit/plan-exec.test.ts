// The exec plan: joins of init's namespaces (user first, mount last), a fork for the pid
// namespace, a session, the console made inside the container, then the process part.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseSpec, parseProcess } from "../../src/spec/load.js";
import { compileExec } from "../../src/plan/exec.js";
import { compileInit } from "../../src/plan/compile.js";
import { dumpPlan } from "../../src/plan/builder.js";
import { PlanFlag } from "../../src/plan/ops.js";
import { execProcess } from "../../src/lifecycle/exec-process.js";
import { repoRoot } from "../helpers/rootfs.js";

const fixture = (f: string): string => readFileSync(join(repoRoot, "spec-fixtures", "clients", f), "utf8");

test("containerd's exec process.json compiles to the golden exec plan", () => {
  const spec = parseSpec(fixture("containerd-config.json"));
  const plan = compileExec({ ...spec, process: parseProcess(fixture("containerd-exec-process.json")) }, { initPid: 4242 });
  const text = dumpPlan(plan);
  const file = join(repoRoot, "test", "golden", "containerd-exec.plan");
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden plan ${file} is missing (UPDATE_GOLDEN=1 writes it, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"), "golden plan containerd-exec changed");
  const ops = plan.ops.map((o) => o.describe);
  assert.deepEqual(ops.filter((d) => d.startsWith("join ")), [
    'join ipc namespace "/proc/4242/ns/ipc"', 'join uts namespace "/proc/4242/ns/uts"',
    'join network namespace "/proc/4242/ns/net"', 'join pid namespace "/proc/4242/ns/pid"',
    'join mount namespace "/proc/4242/ns/mnt"',
  ]);
  const flags = plan.buffer.readUInt32LE(32);
  assert.ok(flags & PlanFlag.FORK_INIT, "a fork puts the process inside the pid namespace");
  assert.ok(flags & PlanFlag.SETSID);
  assert.equal(plan.buffer.readBigUInt64LE(16), 0n, "no clone flags: nothing new is made");
  assert.ok(!ops.some((d) => /^(wait for start|mount|bind mount|pivot_root)/.test(d)), "no rootfs setup and no start gate");
});

test("a terminal: the console op comes right after the joins, before credentials; init gets it after the pivot", () => {
  const spec = parseSpec(fixture("containerd-config.json"));
  spec.linux!.namespaces!.push({ type: "user" });
  const proc = { ...parseProcess(fixture("podman-exec-process.json")), terminal: true, consoleSize: { height: 24, width: 80 } };
  const plan = compileExec({ ...spec, process: proc }, { initPid: 7 });
  const ops = plan.ops.map((o) => o.describe);
  assert.equal(ops[0], 'join user namespace "/proc/7/ns/user"', "the user namespace is joined first");
  const con = ops.findIndex((d) => d.startsWith("set up the console"));
  assert.equal(con, ops.findIndex((d) => !d.startsWith("join ")));
  assert.equal(BigInt(plan.ops[con].a), 24n);
  assert.equal(BigInt(plan.ops[con].b), 80n);
  assert.ok(con < ops.findIndex((d) => d.startsWith("setresuid")));
  const init = compileInit({ ...spec, process: proc }, { rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" } });
  const iops = init.ops.map((o) => o.describe);
  const icon = iops.findIndex((d) => d.startsWith("set up the console"));
  assert.ok(icon > iops.findIndex((d) => d.startsWith("pivot_root")) && icon < iops.findIndex((d) => d.startsWith("setresuid")));
});

test("exec flags on top of the container's process, as runc applies them", () => {
  const base = parseProcess(fixture("podman-exec-process.json"));
  const p = execProcess(base, ["sh", "-c", "x"], {
    tty: true, cwd: "/tmp", env: ["A=1"], user: "1000:1001", additionalGids: ["5"], cap: ["CAP_SYS_PTRACE"], newPrivs: false,
  });
  assert.deepEqual(p.args, ["sh", "-c", "x"]);
  assert.equal(p.terminal, true);
  assert.equal(p.cwd, "/tmp");
  assert.equal(p.env!.at(-1), "A=1");
  assert.deepEqual(p.user, { uid: 1000, gid: 1001, additionalGids: [5] });
  assert.ok(p.capabilities!.bounding!.includes("CAP_SYS_PTRACE") && p.capabilities!.effective!.includes("CAP_SYS_PTRACE"));
  assert.equal(p.noNewPrivileges, true);
  assert.ok(!base.capabilities!.bounding!.includes("CAP_SYS_PTRACE"), "the container's process is not changed");
  assert.throws(() => execProcess(base, [], {}), /no command given/);
  assert.throws(() => execProcess(base, ["x"], { cwd: "rel" }), /absolute/);
});

test("the console op carries the process's uid, which the pty slave is chowned to (runc's fixStdioPermissions)", () => {
  const spec = parseSpec(fixture("containerd-config.json"));
  const proc = { ...parseProcess(fixture("containerd-exec-process.json")), terminal: true, user: { uid: 2000, gid: 2000 } };
  const con = compileExec({ ...spec, process: proc }, { initPid: 1 }).ops.find((o) => o.describe.startsWith("set up the console"))!;
  assert.equal(con.c, 2000n);
  const init = compileInit({ ...spec, process: proc }, { rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" } });
  assert.equal(init.ops.find((o) => o.describe.startsWith("set up the console"))!.c, 2000n);
});
