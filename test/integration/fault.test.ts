// Fault injection: tsrun SIGKILLs itself (TSRUN_FAULT=<point>) at every point listed in
// src/fault.ts; afterwards state/list answer cleanly and delete --force leaves nothing:
// no cgroup in any hierarchy (leaf or parent), no mount, no process, no state dir or fifo.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { tsrunAsync, pool } from "../helpers/acli.js";
import { cgroupLeft, processesMatching, mounts, markEnv } from "../helpers/leftovers.js";
import { FAULT_POINTS, type FaultPoint } from "../../src/fault.js";

const H = "/bin/tsrun-testhelper";
let h: Harness;
before(() => { requireRoot(); h = new Harness();  });
after(() => h.cleanup());

const hook = { path: "/bin/true", args: ["true"] };
const hooks = { prestart: [hook, hook], createRuntime: [hook, hook], createContainer: [hook, hook], poststart: [hook, hook], poststop: [hook, hook] };

/** Which command the point lives in, and what must run before it. */
function scenario(p: FaultPoint): { setup: string[][]; faulty: string[]; userns?: boolean; exits?: boolean; join?: boolean } {
  const id = "ID";
  // joining a namespace makes the child fork init (pid namespace): the only way to these two
  if (p === "create-after-init-pid" || p === "create-after-state-init-pid") return { setup: [], faulty: ["create", "--bundle", "B", id], join: true };
  if (p === "create-after-maps") return { setup: [], faulty: ["create", "--bundle", "B", id], userns: true };
  if (p.startsWith("create-") || ["hook-prestart", "hook-createRuntime", "hook-createContainer"].includes(p)) return { setup: [], faulty: ["create", "--bundle", "B", id] };
  if (p.startsWith("start-") || p === "hook-poststart") return { setup: [["create", "--bundle", "B", id]], faulty: ["start", id] };
  if (p === "run-after-start") return { setup: [], faulty: ["run", "--bundle", "B", id] };
  if (p === "run-after-exit") return { setup: [], faulty: ["run", "--bundle", "B", id], exits: true };
  if (p.startsWith("kill-")) return { setup: [["create", "--bundle", "B", id], ["start", id]], faulty: ["kill", id, "KILL"] };
  return { setup: [["create", "--bundle", "B", id], ["start", id]], faulty: ["delete", "--force", id] };
}

async function runPoint(p: FaultPoint): Promise<void> {
  const sc = scenario(p);
  const id = h.id("f");
  const cgroupParent = `/tsrun-fault-${process.pid}-${id}`;
  const cgroupPath = `${cgroupParent}/${id}`;
  const linux: Record<string, unknown> = { cgroupsPath: cgroupPath };
  if (sc.userns) {
    linux.namespaces = [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "user" }];
    linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
    linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
  }
  if (sc.join) linux.namespaces = [{ type: "pid" }, { type: "ipc", path: `/proc/${process.pid}/ns/ipc` }, { type: "uts" }, { type: "mount" }];
  // the container's processes carry the mark (a pivoted process's root reads as "/"), and so does tsrun
  const b = h.bundle({ hooks, linux, process: { args: sc.exits ? [H, "exit", "3"] : [H, "pause"], env: ["PATH=/bin", markEnv(id)] } });
  const sub = (args: string[]) => args.map((a) => (a === "ID" ? id : a === "B" ? b : a));
  const call = (args: string[], env: NodeJS.ProcessEnv = process.env) => tsrunAsync(["--root", h.root, ...sub(args)], { env: { ...env, TSRUN_TEST_MARK: id }, timeoutMs: 30_000 });
  for (const s of sc.setup) {
    const r = await call(s);
    assert.equal(r.status, 0, `${p}: setup ${s.join(" ")}: ${r.stderr}`);
  }
  const f = await call(sc.faulty, { ...process.env, TSRUN_FAULT: p });
  assert.equal(f.signal ?? (f.status === 137 ? "SIGKILL" : null), "SIGKILL", `${p}: tsrun ${sc.faulty.join(" ")} was not killed at the point (status ${f.status}, ${f.stderr})`);
  // state and list answer: a valid status or one clear line, never a stack trace
  const s = await call(["state", id]);
  assert.ok(s.status === 0 ? /"status": "(creating|created|running|stopped)"/.test(s.stdout) : oneLineError(s), `${p}: state → ${s.status} ${s.stderr}`);
  const l = await call(["list"]);
  assert.equal(l.status, 0, `${p}: list: ${l.stderr}`);
  const d = await call(["delete", "--force", id]);
  assert.equal(d.status, 0, `${p}: delete --force: ${d.stderr}`);
  assert.ok(!existsSync(join(h.root, id)), `${p}: state dir (and fifo) left behind`);
  assert.deepEqual(cgroupLeft(cgroupPath), [], `${p}: container cgroup left behind`);
  assert.deepEqual(cgroupLeft(cgroupParent), [], `${p}: parent cgroup left behind`);
  assert.deepEqual(processesMatching(b), [], `${p}: processes left behind`);
  assert.deepEqual(processesMatching(id), [], `${p}: processes left behind`);
}

test("SIGKILL at every fault point, then delete --force: nothing is left behind", async () => {
  assert.ok(FAULT_POINTS.length >= 25);
  const failures: string[] = [];
  // exec's points: fault-exec.test.ts (the container must also stay usable)
  await pool(FAULT_POINTS.filter((p) => !p.startsWith("exec-")), 5, async (p) => {
    try { await runPoint(p); } catch (e) { failures.push((e as Error).message.split("\n")[0]); }
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(h.stateDirs(), []);
  assert.deepEqual(mounts(h.tmp), [], "no mount leaked onto the host");
});
