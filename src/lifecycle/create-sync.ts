/**
 * create's parent/child sequence (native/sync.h), in one place: clone init, record its pid,
 * write its id maps, put it in its cgroups, GO, the init pid after a pid-namespace fork, then
 * the hook points, idmapped mounts and the seccomp listener fd until READY. The one sync driver
 * (issue 15) replaces the body of spawnAndSync.
 */
import * as fs from "node:fs";
import type { Ctx } from "../context.js";
import type { Spec } from "../spec/load.js";
import type { ContainerState, Handle } from "../state/store.js";
import type { SpawnInput } from "../sys/types.js";
import type { CgroupManager } from "../cgroup/manager.js";
import type { Plan } from "../plan/builder.js";
import type { InitOptions } from "../plan/compile.js";
import type { CompiledSeccomp } from "../seccomp/compile.js";
import { idmapPlan } from "../plan/compile.js";
import { readProcStat } from "../state/proc.js";
import { recvMsg, sendMsg } from "../sys/sync.js";
import { recvMsgFd } from "../sys/fdmsg.js";
import { runCreateHooks } from "../hooks.js";
import { HOOK_POINT_IDMAP } from "../plan/hooks.js";
import { ociState } from "./container.js";
import { writeIdMaps } from "../userns.js";
import { closeFd } from "./foreground.js";
import { listenerState, sendToListener } from "../seccomp/notify.js";
import { setupDeathHint } from "../seccomp/diagnose.js";
import { runHelperPlan } from "../idmap-helpers.js";
import { childFailure } from "./child-failure.js";
import { fault } from "../fault.js";
import { mark } from "../profile.js";

export interface SyncInput {
  h: Handle; st: ContainerState; spec: Spec; plan: Plan; planOpts: InitOptions;
  seccomp: CompiledSeccomp | null; cg: CgroupManager;
  spawn: SpawnInput;
  /** closes the parent's copies of what the child got, right after the clone, whatever happens */
  afterSpawn: () => void;
}

/** The child's pid (the init's, once known) and our end of the sync socket (-1 once closed): the caller kills and closes on failure. */
export interface SyncProgress { pid: number; syncFd: number }

export function spawnAndSync(ctx: Ctx, x: SyncInput, p: SyncProgress): void {
  const { h, st, spec, plan, planOpts, seccomp, cg } = x;
  const sys = ctx.sys();
  let r;
  try {
    r = sys.spawn(x.spawn);
  } finally {
    x.afterSpawn();
  }
  let pid = r.pid;
  p.pid = pid;
  p.syncFd = r.syncFd;
  const syncFd = r.syncFd;
  mark("create: init cloned (koffi and libtsrun loaded)");
  fault("create-after-clone");
  if (r.pidfd >= 0) fs.closeSync(r.pidfd);
  st.pid = pid;
  st.initStartTime = readProcStat(pid)?.startTime ?? 0;
  h.write(st);
  fault("create-after-state-pid");
  const flags = plan.buffer.readUInt32LE(32);
  if (flags & 0x2) {                              // NEW_USERNS: the child asks for its maps
    const m = recvMsg(syncFd);
    if (m.type !== "maps-request") throw childFailure(m, plan.describe, "", plan.explain);
    writeIdMaps(m.pid > 0 ? m.pid : pid, spec);
    fault("create-after-maps");
  }
  cg.addProcess(pid, { v2: !r.inCgroup });
  fault("create-after-cgroup-join");
  try {
    sendMsg(syncFd, { type: "go" });
  } catch (e) {
    // the child failed before waiting for GO (e.g. a namespace join): its report is queued
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EPIPE" && code !== "ECONNRESET") throw e;
    throw childFailure(recvMsg(syncFd), plan.describe, "", plan.explain);
  }
  fault("create-after-go");
  if (flags & 0x1) {                              // FORK_INIT: the grandchild is init
    const m = recvMsg(syncFd);
    if (m.type !== "pid") throw childFailure(m, plan.describe, "", plan.explain);
    fault("create-after-init-pid");
    void sys.waitpid(pid);                        // reap the intermediate
    pid = m.pid;
    p.pid = pid;
    st.pid = pid;
    st.initStartTime = readProcStat(pid)?.startTime ?? 0;
    h.write(st);
    fault("create-after-state-init-pid");
  }
  for (;;) {
    const m = recvMsgFd(syncFd);                  // recvmsg: a seccomp listener fd may ride along
    if (m.type === "ready") break;
    if (m.type === "hooks" && m.point >= HOOK_POINT_IDMAP) {          // an idmapped mount, from the host, in spec order
      const idm = idmapPlan(spec, `/proc/${pid}/ns/mnt`, planOpts, m.point - HOOK_POINT_IDMAP);
      if (idm) runHelperPlan(ctx, idm);
      sendMsg(syncFd, { type: "hooks-done" });
    } else if (m.type === "hooks") {
      runCreateHooks(ctx, h.dir, spec, ociState(st, "created"));   // the child waits before pivot_root
      sendMsg(syncFd, { type: "hooks-done" });
    } else if (m.type === "seccomp-fd" && seccomp?.notify) {
      try {
        sendToListener(seccomp.listenerPath!, m.fd, listenerState(st.pid, seccomp.listenerMetadata, ociState(st, "creating")));
      } finally { closeFd(m.fd); }
    } else {
      if (m.type === "seccomp-fd") closeFd(m.fd);
      throw childFailure(m, plan.describe, m.type === "eof" ? setupDeathHint(pid, seccomp !== null) : "", plan.explain);
    }
  }
  fs.closeSync(syncFd);
  p.syncFd = -1;
}
