/**
 * create's parent/child sequence (native/sync.h), in one place: clone init, record its pid,
 * write its id maps, put it in its cgroups, GO, the init pid after a pid-namespace fork, then
 * the hook points, idmapped mounts and the seccomp listener fd until READY, run by the one sync
 * driver (src/sync/driver.ts) over the channel Sys gives (a test's fake scripts the child there).
 */
import * as fs from "node:fs";
import type { Ctx } from "../context.js";
import type { Spec } from "../spec/load.js";
import type { ContainerState, Handle } from "../state/store.js";
import type { SpawnInput, SpawnResult } from "../sys/types.js";
import type { CgroupManager } from "../cgroup/manager.js";
import type { Plan } from "../plan/builder.js";
import type { InitOptions } from "../plan/compile.js";
import type { CompiledSeccomp } from "../seccomp/compile.js";
import { idmapPlan } from "../plan/compile.js";
import { readProcStat } from "../state/proc.js";
import { drive, planFlags } from "../sync/driver.js";
import { runCreateHooks } from "../hooks.js";
import { HOOK_POINT_IDMAP } from "../plan/hooks.js";
import { ociState } from "./container.js";
import { writeIdMaps } from "../userns.js";
import { listenerState, sendToListener } from "../seccomp/notify.js";
import { setupDeathHint } from "../seccomp/diagnose.js";
import { runHelperPlan } from "../idmap-helpers.js";
import { fault } from "../fault.js";
import { mark } from "../profile.js";
import { TsrunError } from "../errors.js";

export interface SyncInput {
  h: Handle; st: ContainerState; spec: Spec; plan: Plan; planOpts: InitOptions;
  seccomp: CompiledSeccomp | null; cg: CgroupManager;
  spawn: SpawnInput;
  /** closes the parent's copies of what the child got, right after the clone, whatever happens */
  afterSpawn: () => void;
}

/** runc's words for an init the OOM killer took during setup, naming the limit and the peak usage. */
export function oomDeath(cg: CgroupManager, limit?: number): string | undefined {
  try {
    if (cg.oomCount() === 0) return undefined;
    const u = cg.stats().memory.usage;
    return `container init was OOM-killed (memory limit too low?): memory limit ${limit ?? u.limit}, peak usage ${u.max}`;
  } catch {
    return undefined;                              // no memory controller to ask: the plain wording stays
  }
}

/** The child's pid (the init's, once known) and our end of the sync socket (-1 once closed): the caller kills and closes on failure. */
export interface SyncProgress { pid: number; syncFd: number }

/** runc's words, and the directory whose freezer says so */
export function frozenError(dir: string): TsrunError {
  return new TsrunError(`container's cgroup unexpectedly frozen: \`${dir}\``);
}

/** sys.spawn; the parent's copies of what the child got are closed whatever happens, and `p` learns the child. */
export function spawnChild(ctx: Ctx, x: { spawn: SpawnInput; afterSpawn: () => void }, p: SyncProgress): SpawnResult {
  let r: SpawnResult;
  try {
    r = ctx.sys().spawn(x.spawn);
  } finally {
    x.afterSpawn();
  }
  p.pid = r.pid;
  p.syncFd = r.syncFd;
  return r;
}

export function spawnAndSync(ctx: Ctx, x: SyncInput, p: SyncProgress): void {
  const { h, st, spec, plan, planOpts, seccomp, cg } = x;
  const sys = ctx.sys();
  const r = spawnChild(ctx, x, p);
  let pid = r.pid;
  const syncFd = r.syncFd;
  mark("create: init cloned (koffi and libtsrun loaded)");
  fault("create-after-clone");
  if (r.pidfd >= 0) fs.closeSync(r.pidfd);
  st.pid = pid;
  st.initStartTime = readProcStat(pid)?.startTime ?? 0;
  h.write(st);
  fault("create-after-state-pid");
  const ready = drive(sys.syncChannel(syncFd), {
    pid, flags: planFlags(plan.buffer), end: "ready",
    wording: { describe: plan.describe, explain: plan.explain, hint: (q) => setupDeathHint(q, seccomp !== null), death: () => oomDeath(cg, spec.linux?.resources?.memory?.limit) },
    steps: {
      writeMaps: (q) => { writeIdMaps(q, spec, sys.geteuid()); fault("create-after-maps"); },
      joinCgroups: () => {
        cg.addProcess(pid, { v2: !r.inCgroup });
        if (cg.state() === "frozen") throw frozenError(cg.paths.v1?.freezer ?? cg.paths.v2 ?? "");   // frozen since create's check
        fault("create-after-cgroup-join");
      },
      sentGo: () => fault("create-after-go"),
      initPid: (q) => {                           // FORK_INIT: the grandchild is init
        fault("create-after-init-pid");
        void sys.waitpid(pid);                    // reap the intermediate
        pid = q;
        p.pid = pid;
        st.pid = pid;
        st.initStartTime = readProcStat(pid)?.startTime ?? 0;
        h.write(st);
        fault("create-after-state-init-pid");
      },
      hooks: (point) => {
        if (point >= HOOK_POINT_IDMAP) {          // an idmapped mount, from the host, in spec order
          const idm = idmapPlan(spec, `/proc/${pid}/ns/mnt`, planOpts, point - HOOK_POINT_IDMAP);
          if (idm) runHelperPlan(ctx, idm);
        } else {
          runCreateHooks(ctx, h.dir, spec, ociState(st, "created"), { bundle: st.bundle, rootfs: st.rootfs });   // the child waits before pivot_root
        }
      },
      seccompFd: seccomp?.notify
        ? (fd) => sendToListener(seccomp.listenerPath!, fd, listenerState(st.pid, seccomp.listenerMetadata, ociState(st, "creating")))
        : undefined,
    },
  });
  p.pid = ready;
  fs.closeSync(syncFd);
  p.syncFd = -1;
}
