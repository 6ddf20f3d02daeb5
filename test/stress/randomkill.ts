// "Random kill -9": tsrun is SIGKILLed after a random delay (a timer, not a named fault point) while it
// runs create, start, exec, kill, delete or run; then `delete --force` must leave nothing: no state dir
// or fifo, no cgroup (leaf or parent, every hierarchy), no process, no mount. Seeded: the same seed
// picks the same commands and delays (what the kill hits still depends on the machine's speed).
// Used by test/integration/randomkill.test.ts (a few dozen) and `npm run stress -- --random-kill N`.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TSRUN } from "../helpers/cli.js";
import { tsrunAsync, pool } from "../helpers/acli.js";
import { makeBundle } from "../helpers/rootfs.js";
import { rng } from "../helpers/fuzz.js";
import { cgroupLeft, processesMatching, mounts, markEnv } from "../helpers/leftovers.js";

const H = "/bin/tsrun-testhelper";
export const OPS = ["create", "start", "exec", "kill", "delete", "run"] as const;
type Op = (typeof OPS)[number];

export interface KillRun {
  n: number; seed: number; ms: number;
  /** how long each command took unkilled (ms): the delays are drawn from [0, 1.2 × that] */
  typical: Record<string, number>;
  /** per command: how often the timer killed it, and how often it finished first */
  byOp: Record<string, { killed: number; finished: number }>;
  failures: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Spawn tsrun and SIGKILL it after `delayMs` unless it ended before; resolves with whether it was killed. */
function killAfter(args: string[], env: NodeJS.ProcessEnv, delayMs: number): Promise<{ killed: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const c = spawn(TSRUN, args, { stdio: "ignore", env });
    let killed = false;
    const t = setTimeout(() => { killed = c.kill("SIGKILL"); }, delayMs);
    const guard = setTimeout(() => c.kill("SIGKILL"), 60_000);
    c.on("error", reject);
    c.on("exit", (_code, signal) => { clearTimeout(t); clearTimeout(guard); resolve({ killed: killed && signal === "SIGKILL", ms: Date.now() - t0 }); });
  });
}

/**
 * How long each command takes here, unkilled (one lifecycle). run and a foreground exec end only when
 * their process does: for them it is the time to get it running (create + start, exec --detach).
 */
async function calibrate(root: string, dir: string, id: string): Promise<Record<Op, number>> {
  const b = makeBundle(dir, { process: { args: [H, "pause"] } });
  const timed = async (args: string[]): Promise<number> => {
    const t0 = Date.now();
    const res = await tsrunAsync(["--root", root, ...args], { timeoutMs: 60_000 });
    if (res.status !== 0) throw new Error(`calibration: tsrun ${args[0]}: ${res.stderr.trim()}`);
    return Date.now() - t0;
  };
  const create = await timed(["create", "--bundle", b, id]);
  const start = await timed(["start", id]);
  const del = await timed(["delete", "--force", id]);                 // a running container, as in the iterations
  await timed(["create", "--bundle", b, id]);
  await timed(["start", id]);
  const exec = await timed(["exec", "--detach", id, H, "exit", "0"]);
  const kill = await timed(["kill", "--all", id, "KILL"]);
  await timed(["delete", "--force", id]);
  return { create, start, exec, kill, delete: del, run: create + start };
}

/**
 * `n` iterations from `seed`, `parallel` at a time, in `tmp` (bundles, --root). Ids and cgroups are
 * named `${prefix}-<i>`. The delay for a command is uniform in [0, 1.2 × its duration], measured on its
 * first (unkilled) run.
 */
export async function randomKills(tmp: string, n: number, seed: number, prefix: string, parallel = 3): Promise<KillRun> {
  const root = join(tmp, "state");
  const r = rng(seed);
  const hook = { path: "/bin/true", args: ["true"] };
  const hooks = { prestart: [hook], createRuntime: [hook], createContainer: [hook], poststart: [hook], poststop: [hook] };
  // the plan of every iteration is drawn up front, so that the seed alone fixes it
  const plans = Array.from({ length: n }, (_, i) => ({ i, op: OPS[Math.floor(r() * OPS.length)] as Op, frac: r() * 1.2, hooks: r() < 0.5, exec: r() < 0.5 ? "process" : "cli" }));
  const typical = await calibrate(root, join(tmp, "cal"), `${prefix}-cal`);
  const byOp: KillRun["byOp"] = Object.fromEntries(OPS.map((o) => [o, { killed: 0, finished: 0 }]));
  const failures: string[] = [];
  const t0 = Date.now();
  await pool(plans, parallel, async ({ i, op, frac, hooks: withHooks, exec }) => {
    const id = `${prefix}-${i}`;
    const parent = `/${prefix}-p${i}`;
    const cgroupPath = `${parent}/${id}`;
    const env = ["PATH=/bin", markEnv(id)];
    const b = makeBundle(join(tmp, `b${i}`), { ...(withHooks ? { hooks } : {}), linux: { cgroupsPath: cgroupPath }, process: { args: [H, "pause"], env } });
    const tenv = { ...process.env, TSRUN_TEST_MARK: id };
    const call = (args: string[]) => tsrunAsync(["--root", root, ...args], { env: tenv, timeoutMs: 60_000 });
    const fail = (what: string) => failures.push(`#${i} ${op}: ${what}`);
    try {
      const setup: string[][] = op === "create" || op === "run" ? [] : op === "start" ? [["create", "--bundle", b, id]] : [["create", "--bundle", b, id], ["start", id]];
      for (const s of setup) {
        const res = await call(s);
        if (res.status !== 0) { fail(`setup ${s[0]}: ${res.status} ${res.stderr.trim()}`); return; }
      }
      const pj = join(tmp, `p${i}.json`);
      writeFileSync(pj, JSON.stringify({ user: { uid: 0, gid: 0 }, args: [H, "pause"], env, cwd: "/" }));
      const args: Record<Op, string[]> = {
        create: ["create", "--bundle", b, id], start: ["start", id],
        exec: exec === "process" ? ["exec", "--process", pj, "--detach", "--pid-file", join(tmp, `x${i}.pid`), id] : ["exec", id, H, "pause"],
        kill: ["kill", "--all", id, "KILL"], delete: ["delete", "--force", id], run: ["run", "--bundle", b, id],
      };
      const k = await killAfter(["--root", root, ...args[op]], tenv, Math.floor(typical[op] * frac));
      byOp[op][k.killed ? "killed" : "finished"]++;
      const del = await call(["delete", "--force", id]);
      if (del.status !== 0) fail(`delete --force: ${del.status} ${del.stderr.trim()}`);
      if (existsSync(join(root, id))) fail("state dir (or fifo) left");
      for (const cg of [cgroupPath, parent]) { const left = cgroupLeft(cg); if (left.length) fail(`cgroup ${cg} left in ${left.join(" ")}`); }
      // a process that is on its way out by itself (a child that saw its runtime's socket close) is not a leak
      let procs = processesMatching(id);
      for (let w = 0; w < 100 && procs.length; w++) { await sleep(20); procs = processesMatching(id); }
      if (procs.length) fail(`processes left: ${procs.join(" ")}`);
      const m = mounts(join(tmp, `b${i}`));
      if (m.length) fail(`mounts left: ${m.join(" | ")}`);
    } catch (e) {
      fail(`threw ${(e as Error).message}`);
    }
  });
  return { n, seed, ms: Date.now() - t0, typical, byOp, failures };
}
