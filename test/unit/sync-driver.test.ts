// The one sync driver (src/sync/driver.ts) against a scripted child: the conversation of
// create, exec, an idmap helper and a helper plan, and every way a child can fail, worded as
// the user reads it. No root: the channel is a fake that replays the child's messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { drive, type Run, type Steps } from "../../src/sync/driver.js";
import type { SyncChannel } from "../../src/sync/channel.js";
import type { SyncMsg } from "../../src/sys/sync.js";
import { PlanFlag } from "../../src/plan/ops.js";
import { HOOK_POINT_CREATE, HOOK_POINT_IDMAP } from "../../src/plan/hooks.js";
import { parseSpec } from "../../src/spec/load.js";
import { compileInit } from "../../src/plan/compile.js";
import { TsrunError } from "../../src/errors.js";
import { repoRoot } from "../helpers/rootfs.js";

const SPAWNED = 4100;

/** A child that sends `script` in order (then EOF) and records what the parent does. */
class ScriptedChild implements SyncChannel {
  readonly log: string[] = [];
  constructor(private readonly script: SyncMsg[], private readonly gone = false) {}
  send(m: SyncMsg): boolean { this.log.push(`parent ${m.type}`); return !this.gone; }
  recv(): SyncMsg {
    const m = this.script.shift() ?? { type: "eof" };
    this.log.push(`child ${show(m)}`);
    return m;
  }
  closeFd(fd: number): void { this.log.push(`close ${fd}`); }
  get left(): number { return this.script.length; }
}

function show(m: SyncMsg): string {
  switch (m.type) {
    case "maps-request": case "pid": return `${m.type} ${m.pid}`;
    case "hooks": return `hooks ${m.point}`;
    case "seccomp-fd": return `seccomp-fd ${m.fd}`;
    case "error": return `error op=${m.op}`;
    default: return m.type;
  }
}

/** Steps that only record themselves in the child's log, so the order of both sides shows. */
function recording(ch: ScriptedChild, only?: Array<keyof Steps>): Steps {
  const all: Required<Steps> = {
    writeMaps: (pid) => ch.log.push(`writeMaps ${pid}`),
    joinCgroups: () => ch.log.push("joinCgroups"),
    sentGo: () => ch.log.push("sentGo"),
    initPid: (pid) => ch.log.push(`initPid ${pid}`),
    hooks: (point) => ch.log.push(`hooks ${point}`),
    seccompFd: (fd) => ch.log.push(`seccompFd ${fd}`),
  };
  if (!only) return all;
  return Object.fromEntries(only.map((k) => [k, all[k]]));
}

const plain = { describe: (op: number) => `op ${op} described` };
const run = (ch: ScriptedChild, r: Partial<Run>): number =>
  drive(ch, { pid: SPAWNED, flags: 0, end: "ready", steps: recording(ch), wording: plain, ...r });

function throwsLine(f: () => unknown, line: string | RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof TsrunError, `a TsrunError, not ${String(e)}`);
    if (typeof line === "string") assert.equal(e.message, line);
    else assert.match(e.message, line);
    return true;
  });
}

test("create with a user namespace, FORK_INIT, hooks, an idmapped mount and a notify filter: one conversation, init's pid back", () => {
  const ch = new ScriptedChild([
    { type: "maps-request", pid: 0 }, { type: "pid", pid: 4200 },
    { type: "hooks", point: HOOK_POINT_IDMAP + 2 }, { type: "hooks", point: HOOK_POINT_CREATE },
    { type: "seccomp-fd", fd: 37 }, { type: "ready" },
  ]);
  const pid = run(ch, { flags: PlanFlag.NEW_USERNS | PlanFlag.FORK_INIT });
  assert.equal(pid, 4200);
  assert.deepEqual(ch.log, [
    "child maps-request 0", `writeMaps ${SPAWNED}`,      // 0: the child is in a new pid namespace, so its spawn pid
    "joinCgroups", "parent go", "sentGo",
    "child pid 4200", "initPid 4200",
    `child hooks ${HOOK_POINT_IDMAP + 2}`, `hooks ${HOOK_POINT_IDMAP + 2}`, "parent hooks-done",
    `child hooks ${HOOK_POINT_CREATE}`, `hooks ${HOOK_POINT_CREATE}`, "parent hooks-done",
    "child seccomp-fd 37", "seccompFd 37", "close 37",
    "child ready",
  ]);
  assert.equal(ch.left, 0);
});

test("a maps request that names a pid gets the maps written for that pid", () => {
  const ch = new ScriptedChild([{ type: "maps-request", pid: 4321 }, { type: "ready" }]);
  run(ch, { flags: PlanFlag.NEW_USERNS });
  assert.deepEqual(ch.log.slice(0, 2), ["child maps-request 4321", "writeMaps 4321"]);
});

test("exec: join the cgroups, GO, READY; with FORK_INIT the grandchild's pid comes back", () => {
  const ch = new ScriptedChild([{ type: "ready" }]);
  assert.equal(run(ch, { steps: recording(ch, ["joinCgroups", "sentGo"]) }), SPAWNED);
  assert.deepEqual(ch.log, ["joinCgroups", "parent go", "sentGo", "child ready"]);
  const forked = new ScriptedChild([{ type: "pid", pid: 777 }, { type: "ready" }]);
  assert.equal(run(forked, { flags: PlanFlag.FORK_INIT, steps: recording(forked, ["initPid"]) }), 777);
  assert.deepEqual(forked.log, ["parent go", "child pid 777", "initPid 777", "child ready"]);
});

test("an idmap helper: maps, GO, and its hook point is left unanswered so that it waits there", () => {
  const ch = new ScriptedChild([{ type: "maps-request", pid: 5150 }, { type: "hooks", point: 0 }, { type: "ready" }]);
  run(ch, { flags: PlanFlag.NEW_USERNS, end: "first-hook", steps: recording(ch, ["writeMaps"]) });
  assert.deepEqual(ch.log, ["child maps-request 5150", "writeMaps 5150", "parent go", "child hooks 0"]);
  assert.equal(ch.left, 1, "nothing read after the hook point");
});

test("a helper plan runs to its exit; its failure or a READY is an error naming the helper", () => {
  const ok = new ScriptedChild([]);
  run(ok, { end: "exit", steps: {} });
  assert.deepEqual(ok.log, ["parent go", "child eof"]);
  const w = { who: "idmap helper", describe: (op: number) => `config.json: mounts[1]: idmapped mount on "/m" (op ${op} of the helper)` };
  throwsLine(() => run(new ScriptedChild([{ type: "error", op: 3, errno: 22, text: "" }]), { end: "exit", steps: {}, wording: w }),
    'config.json: mounts[1]: idmapped mount on "/m" (op 3 of the helper): EINVAL (invalid argument) (op 3)');
  throwsLine(() => run(new ScriptedChild([{ type: "ready" }]), { end: "exit", steps: {}, wording: w }),
    'sync: unexpected message "ready" from idmap helper');
});

test("a child's error names the config member the failing op came from", () => {
  const s = parseSpec(readFileSync(join(repoRoot, "spec-fixtures", "clients", "containerd-config.json"), "utf8"));
  s.mounts = [...(s.mounts ?? []), { destination: "/x", type: "nosuchfs", source: "none" }];
  const plan = compileInit(s, { rootfs: "/r", bundle: "/b", noPivot: false, host: { sourceKind: () => "dir" as const } });
  const op = plan.ops.findIndex((o) => o.describe.includes("nosuchfs"));
  assert.ok(op > 0, "the plan mounts nosuchfs");
  const ch = new ScriptedChild([{ type: "error", op, errno: 19, text: "/x" }]);
  throwsLine(() => run(ch, { wording: { describe: plan.describe, explain: plan.explain } }),
    new RegExp(`^config\\.json: mounts\\[${s.mounts.length - 1}\\]: .*nosuchfs.*ENODEV`));
});

test("an exec failure of the process itself reads as runc's", () => {
  const ch = new ScriptedChild([{ type: "error", op: 9, errno: 2, text: 'exec: "nope": executable file not found in $PATH' }]);
  throwsLine(() => run(ch, {}), 'unable to start container process: exec: "nope": executable file not found in $PATH');
});

test("EOF during setup: the child died, with the hint for the pid it had then", () => {
  const ch = new ScriptedChild([{ type: "pid", pid: 4200 }, { type: "hooks", point: HOOK_POINT_CREATE }]);
  const hinted: number[] = [];
  throwsLine(() => run(ch, { flags: PlanFlag.FORK_INIT, wording: { ...plain, hint: (p) => { hinted.push(p); return ": killed by signal 9"; } } }),
    "container init exited during setup: killed by signal 9");
  assert.deepEqual(hinted, [4200]);
  assert.deepEqual(ch.log.slice(-2), ["parent hooks-done", "child eof"]);
  throwsLine(() => run(new ScriptedChild([]), { flags: PlanFlag.NEW_USERNS, wording: { ...plain, who: "mounts[0]: idmap helper" } }),
    "mounts[0]: idmap helper exited during setup");
});

test("an unexpected message stops the sequence; an fd that came with it is closed", () => {
  throwsLine(() => run(new ScriptedChild([{ type: "hooks-done" }]), {}), 'sync: unexpected message "hooks-done" from container init');
  throwsLine(() => run(new ScriptedChild([{ type: "ready" }]), { flags: PlanFlag.NEW_USERNS }), 'sync: unexpected message "ready" from container init');
  const ch = new ScriptedChild([{ type: "seccomp-fd", fd: 41 }, { type: "ready" }]);
  throwsLine(() => run(ch, { steps: recording(ch, ["joinCgroups"]) }), 'sync: unexpected message "seccomp-fd" from container init');
  assert.deepEqual(ch.log.slice(-2), ["child seccomp-fd 41", "close 41"]);
  const hooks = new ScriptedChild([{ type: "hooks", point: 1 }]);
  throwsLine(() => run(hooks, { steps: {} }), 'sync: unexpected message "hooks" from container init');
  assert.ok(!hooks.log.includes("parent hooks-done"), "a hook point nobody runs is never acknowledged");
});

test("a step that throws stops the sequence there, and its fd is still closed", () => {
  const ch = new ScriptedChild([{ type: "seccomp-fd", fd: 12 }, { type: "ready" }]);
  const steps: Steps = { seccompFd: () => { throw new TsrunError("seccomp notify: connect `/run/agent.sock`: ECONNREFUSED"); } };
  throwsLine(() => run(ch, { steps }), "seccomp notify: connect `/run/agent.sock`: ECONNREFUSED");
  assert.deepEqual(ch.log, ["parent go", "child seccomp-fd 12", "close 12"]);
});

test("GO fails with EPIPE: the child's queued report is read and worded", () => {
  const ch = new ScriptedChild([{ type: "error", op: -1, errno: 1, text: "setns /proc/1/ns/ipc" }], true);
  throwsLine(() => run(ch, {}), "op -1 described: setns /proc/1/ns/ipc: EPERM (operation not permitted)");
  assert.deepEqual(ch.log, ["joinCgroups", "parent go", "child error op=-1"], "no step after a GO that did not go out");
});
