/**
 * A recording fake `Sys` for lifecycle tests without root. Every call is recorded as one line
 * (method and salient arguments: spawn's plan decoded to its op names and flags, the cgroup and
 * state directories its fds name). The child's side of the sync protocol is scripted through
 * syncChannel: MAPS_REQUEST with NEW_USERNS, the init pid after GO with FORK_INIT, one HOOKS per
 * HOOK_SYNC op, then READY (or a scripted ERROR).
 *
 * The "init" is a real, harmless, unprivileged process, so that status derivation (/proc/<pid>/stat)
 * and start work: a shell that does what tsrun-init does at "wait for start" (open exec.fifo in the
 * state dir for writing, which blocks until start opens it, write "0") and then execs `sleep`.
 * Like CLONE_INTO_CGROUP, spawn puts its processes in the cgroup its cgroupFd names (the fake
 * cgroupfs's cgroup.procs). Every process is killed by cleanup().
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { spawn as spawnChild, spawnSync, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { Sys, SpawnInput, SpawnResult, WaitResult } from "../../src/sys/types.js";
import type { SyncChannel } from "../../src/sync/channel.js";
import type { SyncMsg } from "../../src/sys/sync.js";
import { decodeHeader, decodeOp } from "../../src/plan/wire.js";
import { PlanFlag, Op, opName } from "../../src/plan/ops.js";
import { TsrunError } from "../../src/errors.js";

/** A child failure to script: after GO, the child reports op (an index, or the first op of that name) failing. */
export interface ScriptedError { op: number | string; errno: number; text: string }

interface Spawned { pid: number; flags: number; script: SyncMsg[] }

const flagNames = (f: number): string =>
  Object.entries(PlanFlag).filter(([, v]) => (f & v) !== 0).map(([k]) => k).join("|") || "0";

/** The plan as the executor would read it: header flags and op names, in order. */
export function describePlan(plan: Buffer): { flags: number; text: string; ops: string[] } {
  const h = decodeHeader(plan);
  const ops: string[] = [];
  for (let i = 0; i < h.opCount; i++) ops.push(opName.get(decodeOp(plan, i).code) ?? `op${decodeOp(plan, i).code}`);
  return { flags: h.flags, ops, text: `clone=0x${h.cloneFlags.toString(16)} unshare=0x${h.unshareFlags.toString(16)} flags=${flagNames(h.flags)}` };
}

const fdPath = (fd: number): string => { try { return fs.readlinkSync(`/proc/self/fd/${fd}`); } catch { return `fd ${fd}?`; } };

export class FakeSys implements Sys {
  readonly calls: string[] = [];
  /** the next spawn's child reports this failure instead of READY */
  failNext?: ScriptedError;
  readonly children = new Map<number, ChildProcess>();
  readonly #exits = new Map<number, Promise<WaitResult>>();
  readonly #pidfds = new Map<number, number>();
  readonly #pending = new Map<number, Spawned>();   // by syncFd
  #hold: number[] = [];                             // fds we opened that tsrun does not close

  #record(line: string): void { this.calls.push(line); }

  #start(args: string[], cgroupDir?: string): number {
    const c = spawnChild(args[0], args.slice(1), { stdio: "ignore" });
    if (!c.pid) throw new TsrunError(`fake spawn: ${args[0]} did not start`);
    const pid = c.pid;
    this.children.set(pid, c);
    this.#exits.set(pid, new Promise((res) => c.once("exit", (code, sig) => {
      res({ pid, status: sig ? constants.signals[sig] : (code ?? 0) << 8 });
    })));
    if (cgroupDir) fs.appendFileSync(join(cgroupDir, "cgroup.procs"), `${pid}\n`);   // CLONE_INTO_CGROUP
    return pid;
  }

  spawn(input: SpawnInput): SpawnResult {
    const plan = describePlan(input.plan);
    const cgroupDir = input.cgroupFd >= 0 ? fdPath(input.cgroupFd) : undefined;
    const stateDir = input.stateDirFd >= 0 ? fdPath(input.stateDirFd) : undefined;
    this.#record(`spawn ${plan.text} cgroup=${cgroupDir ?? "-"} stateDir=${stateDir ?? "-"} console=${input.consoleFd >= 0 ? "yes" : "-"} preserveFds=${input.preserveFds} stdio=${input.stdio ? "pipes" : "inherit"}`);
    this.#record(`  ops ${plan.ops.join(" ")}`);
    // init: the exec fifo handshake, then the user's process (sleep); an exec'd process: just sleep
    const main = stateDir
      ? ["/bin/sh", "-c", 'exec 3>"$1" && printf 0 >&3 && exec 3>&- && exec sleep 1000', "fake-init", join(stateDir, "exec.fifo")]
      : ["/bin/sh", "-c", "exec sleep 1000"];
    const fork = (plan.flags & PlanFlag.FORK_INIT) !== 0;
    const first = this.#start(fork ? ["/bin/sh", "-c", "exit 0"] : main, cgroupDir);   // FORK_INIT: the intermediate exits
    const init = fork ? this.#start(main, cgroupDir) : first;
    const script: SyncMsg[] = [];
    if (plan.flags & PlanFlag.NEW_USERNS) script.push({ type: "maps-request", pid: first });
    script.push({ type: "go" });                     // marks where the parent's GO belongs
    if (fork) script.push({ type: "pid", pid: init });
    const fail = this.failNext;
    this.failNext = undefined;
    if (fail) {
      const op = typeof fail.op === "number" ? fail.op : plan.ops.indexOf(fail.op);
      script.push({ type: "error", op, errno: fail.errno, text: fail.text });
    } else {
      decodedHookPoints(input.plan).forEach((point) => script.push({ type: "hooks", point }));
      script.push({ type: "ready" });
    }
    const syncFd = fs.openSync("/dev/null", "r");   // a real fd: tsrun closes it
    this.#pending.set(syncFd, { pid: first, flags: plan.flags, script });
    return { pid: first, pidfd: -1, syncFd, inCgroup: cgroupDir !== undefined };
  }

  syncChannel(syncFd: number): SyncChannel {
    const s = this.#pending.get(syncFd);
    if (!s) throw new Error(`fake syncChannel: fd ${syncFd} did not come from spawn`);
    this.#pending.delete(syncFd);
    let went = false;
    return {
      send: (m) => {
        this.#record(`  sync parent ${m.type}`);
        if (m.type === "go") went = true;
        return true;
      },
      recv: () => {
        if (s.script[0]?.type === "go") {
          if (!went) return this.#child({ type: "eof" });    // the child would still be waiting for GO
          s.script.shift();
        }
        return this.#child(s.script.shift() ?? { type: "eof" });
      },
      closeFd: (fd) => { this.#record(`  sync closeFd`); fs.closeSync(fd); },
    };
  }

  #child(m: SyncMsg): SyncMsg {
    const extra = m.type === "pid" || m.type === "maps-request" ? ` ${m.pid}` : m.type === "hooks" ? ` ${m.point}` : m.type === "error" ? ` op=${m.op} errno=${m.errno}` : "";
    this.#record(`  sync child ${m.type}${extra}`);
    return m;
  }

  flock(_fd: number, op: "ex" | "sh" | "un", nonblock = false): boolean {
    this.#record(`flock ${op}${nonblock ? " nonblock" : ""}`);
    return true;                                   // one test process: nobody else holds it
  }
  mkfifo(path: string, mode: number): void {
    this.#record(`mkfifo ${path} 0${mode.toString(8)}`);
    const r = spawnSyncMkfifo(path, mode);
    if (r) throw new TsrunError(`mkfifo \`${path}\`: ${r}`);
  }
  pidfdOpen(pid: number): number {
    this.#record(`pidfdOpen ${pid}`);
    try { process.kill(pid, 0); } catch { throw new TsrunError(`pidfd_open \`pid ${pid}\`: ESRCH (no such process)`, "ESRCH"); }
    const fd = fs.openSync("/dev/null", "r");     // a real fd: tsrun closes it, as it closes a pidfd
    this.#pidfds.set(fd, pid);
    return fd;
  }
  pidfdSendSignal(pidfd: number, signal: number): void {
    const pid = this.#pidfds.get(pidfd);
    this.#record(`pidfdSendSignal ${pid ?? "?"} ${signal}`);
    if (pid === undefined) throw new TsrunError(`pidfd_send_signal \`signal ${signal}\`: EBADF (bad file descriptor)`, "EBADF");
    try { process.kill(pid, signal); } catch { throw new TsrunError(`pidfd_send_signal \`signal ${signal}\`: ESRCH (no such process)`, "ESRCH"); }
  }
  setSubreaper(): void { this.#record("setSubreaper"); }
  /** the fake runs as root, whoever runs the test (not recorded: it is no kernel call a golden pins) */
  euid = 0;
  geteuid(): number { return this.euid; }
  waitpid(pid: number, flags = 0): Promise<WaitResult> {
    this.#record(`waitpid ${pid}${flags ? ` ${flags}` : ""}`);
    return this.#exits.get(pid) ?? Promise.reject(new TsrunError(`waitpid \`${pid}\`: ECHILD (no child processes)`, "ECHILD"));
  }
  sendFd(_sock: number, _fd: number, text: string): void { this.#record(`sendFd ${text}`); }
  recvFd(): { fd: number; text: string } { throw new Error("fake recvFd: no console in these tests"); }
  fdFlags(fd: number): number | null {
    this.#record(`fdFlags ${fd}`);
    try { fs.fstatSync(fd); return 0; } catch { return null; }
  }
  pipe(): [number, number] { throw new Error("fake pipe: the foreground is not faked"); }
  dup2(from: number, to: number): void { this.#record(`dup2 ${fdPath(from)} ${to}`); }
  detachMount(path: string): void { this.#record(`detachMount ${path}`); }

  /** The wait status once `pid` has exited (the event loop reaps it). */
  exited(pid: number): Promise<WaitResult> {
    return this.#exits.get(pid) ?? Promise.reject(new Error(`fake: ${pid} is not ours`));
  }

  /** Kill every process this fake started and close the fds it handed out. */
  async cleanup(): Promise<void> {
    for (const [pid, c] of this.children) if (c.exitCode === null && c.signalCode === null) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    await Promise.all([...this.#exits.values()]);
    for (const fd of this.#hold) { try { fs.closeSync(fd); } catch { /* closed */ } }
    this.#hold = [];
  }
}

/** The HOOK_SYNC points of a plan, in order (the child stops at each). */
function decodedHookPoints(plan: Buffer): number[] {
  const n = decodeHeader(plan).opCount;
  const out: number[] = [];
  for (let i = 0; i < n; i++) { const o = decodeOp(plan, i); if (o.code === Op.HOOK_SYNC) out.push(Number(o.a)); }
  return out;
}

/** mkfifo(1): Node has no mkfifo; the error text when it failed, else "". */
function spawnSyncMkfifo(path: string, mode: number): string {
  const r = spawnSync("mkfifo", ["-m", mode.toString(8), path], { encoding: "utf8" });
  return r.status === 0 ? "" : (r.stderr || "failed").trim();
}
