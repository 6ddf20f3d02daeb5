/**
 * What the lifecycle gets: the state root, the logger, the cgroup driver, and the handles
 * through which it reaches the kernel, each replaceable (a test passes a recording fake `Sys`
 * and a cgroup factory). One per Runtime: nothing here is global.
 */
import type { Sys } from "./sys/types.js";
import type { CgroupManager, CgroupPaths, NewOptions } from "./cgroup/manager.js";
import { StateStore } from "./state/store.js";

/** Where warnings and debug lines go (src/log.ts's Logger is one). */
export interface LogSink {
  error(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

/** How the lifecycle makes cgroup managers; absent: the real ones of src/cgroup/manager.ts. */
export interface CgroupFactory {
  create(opts: NewOptions): CgroupManager;
  load(paths: CgroupPaths): CgroupManager;
}

export interface Ctx {
  root: string;
  log: LogSink;
  rootless: boolean;
  /** --systemd-cgroup: linux.cgroupsPath is "slice:prefix:name" (src/cgroup/systemd-path.ts) */
  systemdCgroup: boolean;
  /** --criu: the criu binary for checkpoint and restore (default: criu on PATH) */
  criu?: string;
  sys(): Sys;
  store(): StateStore;
  cgroups?: CgroupFactory;
}

export interface CtxOptions { root: string; log: LogSink; rootless?: boolean; systemdCgroup?: boolean; criu?: string; sys: () => Sys; cgroups?: CgroupFactory }

export function makeCtx(o: CtxOptions): Ctx {
  let sys: Sys | undefined;
  let store: StateStore | undefined;
  const ctx: Ctx = {
    root: o.root, log: o.log, rootless: !!o.rootless, systemdCgroup: !!o.systemdCgroup, criu: o.criu, cgroups: o.cgroups,
    sys: () => (sys ??= o.sys()),
    store: () => (store ??= new StateStore(o.root, ctx.sys)),
  };
  return ctx;
}
