// Fault injection in exec: tsrun exec SIGKILLs itself (TSRUN_FAULT=exec-*) at every exec point of
// src/fault.ts, as containerd (--process, --detach, --pid-file), podman (console socket) and a person
// (foreground, proxied tty) call it. Afterwards no process of the exec is outside the container's
// cgroups, the container still works (state, another exec), and delete --force leaves nothing:
// no process, cgroup (leaf or parent, every hierarchy), mount, state dir or fifo.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { tsrunAsync, pool } from "../helpers/acli.js";
import { repoRoot } from "../helpers/rootfs.js";
import { cgroupLeft, processesMatching, mounts, outsideCgroupsOf, markEnv } from "../helpers/leftovers.js";
import { FAULT_POINTS, type FaultPoint } from "../../src/fault.js";

const H = "/bin/tsrun-testhelper";
const RECV = join(repoRoot, "native", "build", "tsrun-console-recv");
const EXEC_POINTS = FAULT_POINTS.filter((p) => p.startsWith("exec-"));
let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

type Style = "containerd" | "podman-tty" | "foreground" | "foreground-tty";
/** How each point is reached: the caller that gets there. */
function style(p: FaultPoint): Style {
  if (p === "exec-after-console") return "podman-tty";
  if (p === "exec-after-console-master") return "foreground-tty";
  if (p === "exec-waiting") return "foreground";
  return "containerd";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runPoint(p: FaultPoint): Promise<void> {
  const id = h.id("fx");
  const cgroupParent = `/tsrun-fault-${process.pid}-${id}`;
  const cgroupPath = `${cgroupParent}/${id}`;
  // every process of this container, of its execs and of tsrun carries the mark (its root reads as "/")
  const env = ["PATH=/bin", markEnv(id)];
  const b = h.bundle({ linux: { cgroupsPath: cgroupPath }, process: { args: [H, "pause"], env } });
  const call = (args: string[], fault?: FaultPoint) =>
    tsrunAsync(["--root", h.root, ...args], { env: { ...process.env, TSRUN_TEST_MARK: id, ...(fault ? { TSRUN_FAULT: fault } : {}) }, timeoutMs: 30_000 });
  for (const s of [["create", "--bundle", b, id], ["start", id]]) {
    const r = await call(s);
    assert.equal(r.status, 0, `${p}: setup ${s.join(" ")}: ${r.stderr}`);
  }
  const init = (JSON.parse((await call(["state", id])).stdout) as { pid: number }).pid;
  const st = style(p);
  const pj = join(h.tmp, `${id}.process.json`);
  writeFileSync(pj, JSON.stringify({ terminal: st === "podman-tty", user: { uid: 0, gid: 0 }, args: [H, "pause"], env, cwd: "/", noNewPrivileges: true }));
  const pidFile = join(h.tmp, `${id}.pid`);
  let recv: ReturnType<typeof spawn> | undefined;
  let args: string[];
  if (st === "containerd") args = ["exec", "--process", pj, "--detach", "--pid-file", pidFile, id];
  else if (st === "podman-tty") {
    const sock = join(h.tmp, `${id}.sock`);
    recv = spawn(RECV, [sock, ""], { stdio: "ignore" });
    for (let i = 0; i < 500 && !existsSync(sock); i++) await sleep(10);
    args = ["exec", "--pid-file", pidFile, "--process", pj, "--detach", "--tty", "--console-socket", sock, id];
  } else args = ["exec", ...(st === "foreground-tty" ? ["--tty"] : []), id, H, "pause"];
  try {
    const f = await call(args, p);
    assert.equal(f.signal ?? (f.status === 137 ? "SIGKILL" : null), "SIGKILL", `${p}: tsrun ${args.join(" ")} was not killed at the point (status ${f.status}, ${f.stderr})`);
    // what the exec started is in the container's cgroups, or gone (a child waiting for GO sees EOF and exits)
    const ours = () => [...new Set([...processesMatching(b), ...processesMatching(id)])];
    assert.ok(ours().includes(init), `${p}: the container's init is found by its mark`);
    let outside = outsideCgroupsOf(init, ours());
    for (let i = 0; i < 500 && outside.length; i++) { await sleep(20); outside = outsideCgroupsOf(init, ours()); }
    assert.deepEqual(outside, [], `${p}: processes of the exec outside the container's cgroups`);
    // the container is still usable
    const s = await call(["state", id]);
    assert.match(s.stdout, /"status": "running"/, `${p}: state → ${s.status} ${s.stderr}`);
    const again = await call(["exec", id, H, "echo", "again"]);
    assert.equal(again.status, 0, `${p}: another exec: ${again.stderr}`);
    assert.equal(again.stdout, "again\n", `${p}: another exec's output`);
    const d = await call(["delete", "--force", id]);
    assert.equal(d.status, 0, `${p}: delete --force: ${d.stderr}`);
    assert.ok(!existsSync(join(h.root, id)), `${p}: state dir (and fifo) left behind`);
    assert.deepEqual(cgroupLeft(cgroupPath), [], `${p}: container cgroup left behind`);
    assert.deepEqual(cgroupLeft(cgroupParent), [], `${p}: parent cgroup left behind`);
    assert.deepEqual(ours(), [], `${p}: processes left behind`);
  } finally {
    recv?.kill("SIGKILL");
  }
}

test("SIGKILL at every exec fault point: the container stays usable, delete --force leaves nothing", async () => {
  assert.ok(EXEC_POINTS.length >= 10);
  const failures: string[] = [];
  await pool([...EXEC_POINTS], 4, async (p) => {
    try { await runPoint(p); } catch (e) { failures.push((e as Error).message.split("\n")[0]); }
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(h.stateDirs(), []);
  assert.deepEqual(mounts(h.tmp), [], "no mount leaked onto the host");
});
