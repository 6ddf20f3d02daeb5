/**
 * Loading a container (state + derived status) and tearing one down: shared by the
 * lifecycle modules. Cgroup managers come from the context's factory when it has one.
 */
import { closeSync } from "node:fs";
import { fault } from "../fault.js";
import { TsrunError } from "../errors.js";
import type { Ctx } from "../context.js";
import type { ContainerState, Handle } from "../state/store.js";
import { deriveStatus, isAlive, type Status } from "../state/status.js";
import { readProcStat, sleepMs } from "../state/proc.js";
import { usesSystemd, unitFor } from "../cgroup/systemd-path.js";
import { loadCgroupManager, newCgroupManager, type CgroupManager, type NewOptions } from "../cgroup/manager.js";
import { runHooks } from "../hooks.js";
import { ProcessTree, noHierarchy } from "../cgroup/process-tree.js";
import { detachContainerRoot } from "../host-mounts.js";
import { hasOwnMountNs } from "../plan/no-mountns.js";

export interface Loaded { h: Handle; st: ContainerState; status: Status }

/** The cgroup manager of an existing container; a rootless one without any cgroup is followed through its init. */
export function loadCg(ctx: Ctx, st: ContainerState): CgroupManager {
  const paths = st.cgroup;
  if (ctx.rootless && noHierarchy(paths) && st.pid > 0) return new ProcessTree(st.pid, st.initStartTime);
  return ctx.cgroups ? ctx.cgroups.load(paths) : loadCgroupManager(paths, { rootless: ctx.rootless });
}

/** Where a new container's cgroup goes: its cgroupsPath, or the systemd unit and the unit's cgroup when that driver is used. */
export function cgroupTarget(ctx: Ctx, cgroupsPath: string | undefined, id: string): Pick<NewOptions, "cgroupsPath" | "systemd"> {
  if (!usesSystemd(ctx.systemdCgroup, cgroupsPath)) return { cgroupsPath };
  const u = unitFor(cgroupsPath, id);
  return { cgroupsPath: u.cgroup, systemd: { unit: u.unit, slice: u.slice } };
}

/** The cgroup manager of a container being created. */
export function newCg(ctx: Ctx, opts: NewOptions): CgroupManager {
  const o = ctx.rootless ? { ...opts, rootless: true } : opts;
  return ctx.cgroups ? ctx.cgroups.create(o) : newCgroupManager(o);
}

export function statusOf(ctx: Ctx, h: Handle, st: ContainerState): Status {
  const proc = readProcStat(st.pid);
  let frozen = false;
  if (isAlive(st.initStartTime, proc) && st.phase === "created") {
    try { frozen = loadCg(ctx, st).state() === "frozen"; } catch { frozen = false; }
  }
  return deriveStatus({ phase: st.phase, pid: st.pid, startTime: st.initStartTime, proc, fifoExists: h.fifoExists(), frozen });
}

export function load(ctx: Ctx, id: string, lock: "ex" | "none" = "ex"): Loaded {
  const h = ctx.store().open(id, lock);
  try {
    const st = h.read();
    return { h, st, status: statusOf(ctx, h, st) };
  } catch (e) {
    h.close();
    throw e;
  }
}

/** The OCI state object, keys in runc's order. pid is 0 once stopped, as runc shows it. */
export function ociState(st: ContainerState, status: Status): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ociVersion: st.ociVersion, id: st.id, pid: status === "stopped" ? 0 : st.pid, status,
    bundle: st.bundle, rootfs: st.rootfs, created: st.created,
  };
  if (st.annotations && Object.keys(st.annotations).length) o.annotations = st.annotations;
  o.owner = st.owner;
  return o;
}

/** SIGKILL everything in the container and wait (bounded) until init is gone. */
export function killAndWait(ctx: Ctx, st: ContainerState): void {
  const cg = loadCg(ctx, st);
  try { cg.killAll(9); } catch { /* fall back to the init pid below */ }
  if (isAlive(st.initStartTime, readProcStat(st.pid))) {
    try {
      const fd = ctx.sys().pidfdOpen(st.pid);
      try {
        if (isAlive(st.initStartTime, readProcStat(st.pid))) ctx.sys().pidfdSendSignal(fd, 9);
      } finally { closeSync(fd); }
    } catch { /* already gone */ }
  }
  for (let i = 0; i < 500; i++) {
    let pids: number[] = [];
    try { pids = cg.pids(); } catch { pids = []; }
    if (!isAlive(st.initStartTime, readProcStat(st.pid)) && pids.length === 0) return;
    if (i % 50 === 49) { try { cg.killAll(9); } catch { /* nothing left */ } }
    sleepMs(10);
  }
  throw new TsrunError(`delete \`${st.id}\`: processes did not exit after SIGKILL`);
}

/** Remove everything the container owns: poststop hooks, cgroup, state dir. */
export function destroy(ctx: Ctx, l: Loaded): void {
  if (l.st.phase === "created") runHooks(ctx, l.st.spec.hooks?.poststop, "poststop", ociState(l.st, "stopped"), { failIsError: false });
  const cg = loadCg(ctx, l.st);
  // Without its own pid namespace a stopped container can leave processes behind (runc kills them).
  let left: number[] = [];
  try { left = cg.pids(); } catch { left = []; }
  if (left.length) killAndWait(ctx, l.st);
  if (!hasOwnMountNs(l.st.spec)) detachContainerRoot(ctx.sys(), l.h.dir);   // no mount namespace
  cg.destroy();
  fault("delete-after-cgroup");
  l.h.remove();
}
