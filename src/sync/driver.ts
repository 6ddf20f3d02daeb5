/**
 * The parent's side of the sync protocol (native/sync.h), driven in one place. create, exec,
 * the idmap helpers and the helper plans all run SEQUENCE below; they differ only in the
 * steps they pass (write the id maps, join the cgroups, run the hooks of a point, take a
 * seccomp listener fd, record the init pid) and in where the sequence ends. A failure is one
 * TsrunError, built by childFailure.
 *
 *   clone -> [MAPS_REQUEST -> writeMaps] -> joinCgroups -> GO -> [PID -> initPid]
 *         -> (HOOKS -> hooks -> HOOKS_DONE | SECCOMP_FD -> seccompFd)* -> READY | ERROR | EOF
 */
import { failureLine } from "../plan/failure.js";
import { TsrunError, errnoName } from "../errors.js";
import { PlanFlag } from "../plan/ops.js";
import type { SyncMsg } from "../sys/sync.js";
import type { SyncChannel } from "./channel.js";

/** Where the sequence ends: READY (create, exec), the child's first hook point, which is left
 *  unanswered so that the child waits there (an idmap helper's user namespace), or the child's
 *  exit (a helper plan, which has no OP_EXEC). */
export type End = "ready" | "first-hook" | "exit";

/** What the caller does at each step; a step left out is not needed (a hook point or fd without one is an error). */
export interface Steps {
  /** NEW_USERNS: write the uid/gid maps of this pid */
  writeMaps?(pid: number): void;
  /** put the child in its cgroups; GO follows */
  joinCgroups?(): void;
  /** GO went out: the child sets itself up */
  sentGo?(): void;
  /** FORK_INIT: the grandchild, with this pid, is the process from now on */
  initPid?(pid: number): void;
  /** OP_HOOK_SYNC: run what belongs to this point; the child waits for HOOKS_DONE */
  hooks?(point: number): void;
  /** a seccomp listener fd; the driver closes it afterwards */
  seccompFd?(fd: number): void;
}

/** How the child's failures are worded. */
export interface Wording {
  /** the child in messages; "container init" when absent */
  who?: string;
  /** the op that failed (src/plan/builder.ts Plan.describe) */
  describe(op: number): string;
  /** the whole line for an op with a better explanation (Plan.explain) */
  explain?(op: number, errno: string, text: string): string | undefined;
  /** words to add when the child died during setup; pid is the current one */
  hint?(pid: number): string;
  /** the whole line for a child that died during setup, when the caller knows why (an OOM kill), else undefined */
  death?(pid: number): string | undefined;
}

export interface Run {
  /** the pid sys.spawn returned */
  pid: number;
  /** the plan header's flags (planFlags): NEW_USERNS and FORK_INIT shape the sequence */
  flags: number;
  end: End;
  steps: Steps;
  wording: Wording;
}

/** One stage of the sequence: the plan flag it needs, if any, and what the parent does there. */
interface Stage {
  name: "maps" | "join" | "go" | "pid" | "setup";
  when?: number;
  run(d: Drive): void;
}

interface Drive { ch: SyncChannel; r: Run; pid: number }

/** native/sync.h's sequence, in order. */
export const SEQUENCE: readonly Stage[] = [
  { name: "maps", when: PlanFlag.NEW_USERNS, run: (d) => {
    const m = expect(d, "maps-request");
    d.r.steps.writeMaps?.(m.pid > 0 ? m.pid : d.pid);   // 0: the child is in a new pid namespace
  } },
  { name: "join", run: (d) => d.r.steps.joinCgroups?.() },
  { name: "go", run: (d) => {
    // a child that failed before waiting for GO (a namespace join) has its report queued
    if (!d.ch.send({ type: "go" })) throw fail(d, d.ch.recv());
    d.r.steps.sentGo?.();
  } },
  { name: "pid", when: PlanFlag.FORK_INIT, run: (d) => {
    d.pid = expect(d, "pid").pid;
    d.r.steps.initPid?.(d.pid);
  } },
  { name: "setup", run: serve },
];

/** Runs the sequence to its end; returns the pid of the process (init's after FORK_INIT). */
export function drive(ch: SyncChannel, r: Run): number {
  const d: Drive = { ch, r, pid: r.pid };
  for (const s of SEQUENCE) if (s.when === undefined || (r.flags & s.when) !== 0) s.run(d);
  return d.pid;
}

/** The plan header's flags (native/plan.h struct tsrun_plan_header.flags). */
export function planFlags(plan: Buffer): number {
  return plan.readUInt32LE(32);
}

function expect<T extends SyncMsg["type"]>(d: Drive, type: T): Extract<SyncMsg, { type: T }> {
  const m = d.ch.recv();
  if (m.type !== type) throw fail(d, m);
  return m as Extract<SyncMsg, { type: T }>;
}

/** Between GO and the end: hook points and seccomp fds, in the order the child sends them. */
function serve(d: Drive): void {
  const { steps, end } = d.r;
  for (;;) {
    const m = d.ch.recv();
    if (m.type === "ready" && end === "ready") return;
    if (m.type === "eof" && end === "exit") return;
    if (m.type === "hooks" && end === "first-hook") return;
    if (m.type === "hooks" && steps.hooks) {
      steps.hooks(m.point);
      d.ch.send({ type: "hooks-done" });            // a child gone by now shows up at the next recv
    } else if (m.type === "seccomp-fd" && steps.seccompFd) {
      try { steps.seccompFd(m.fd); } finally { d.ch.closeFd(m.fd); }
    } else {
      throw fail(d, m);
    }
  }
}

function fail(d: Drive, m: SyncMsg): TsrunError {
  if (m.type === "seccomp-fd") d.ch.closeFd(m.fd);
  return childFailure(m, d.r.wording, d.pid);
}

/** The one wording of a child that did not do what the sequence says. */
export function childFailure(m: SyncMsg, w: Wording, pid: number): TsrunError {
  const who = w.who ?? "container init";
  if (m.type === "error") {
    const errno = errnoName(m.errno);
    if (m.text.startsWith("exec:")) return new TsrunError(`unable to start container process: ${m.text}`, errno);
    return new TsrunError(failureLine({ describe: w.describe, explain: w.explain ?? (() => undefined) }, m.op, m.errno, m.text), errno);
  }
  if (m.type === "eof") return new TsrunError(w.death?.(pid) ?? `${who} exited during setup${w.hint?.(pid) ?? ""}`);
  return new TsrunError(`sync: unexpected message "${m.type}" from ${who}`);
}
