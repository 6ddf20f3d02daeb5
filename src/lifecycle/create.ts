/** create: spec → validate → plan, then state dir, cgroups, the sync sequence (./create-sync.ts) and state. */
import * as fs from "node:fs";
import { resolve } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { loadSpec, type Spec, rootfsDir } from "../spec/load.js";
import { compileInit } from "../plan/compile.js";
import { compileSeccomp } from "../seccomp/compile.js";
import { validateId } from "../state/ids.js";
import type { ContainerState, Handle } from "../state/store.js";
import { checkHookPaths } from "../hooks.js";
import { cgroupTarget, newCg } from "./container.js";
import { checkRootlessEuid, hostRootIds } from "../userns.js";
import { checkOomScoreAdj, ownOomScoreAdj } from "../rootless.js";
import { openStdioPipes, closeChildEnds, closeStdioPipes, type StdioPipes } from "./stdio-relay.js";
import { openConsole, closeFd, listenFds } from "./foreground.js";
import { checkLsm } from "../plan/lsm.js";
import { lsmHost } from "../lsm-host.js";
import { startIdmapHelpers } from "../idmap-helpers.js";
import { hostView } from "../bind-reach.js";
import { fault } from "../fault.js";
import { mark } from "../profile.js";
import { checkPassedFds } from "../passed-fds.js";
import { hasOwnMountNs } from "../plan/no-mountns.js";
import { mountPointIn, detachContainerRoot } from "../host-mounts.js";
import { reopenDevNullStdio } from "../sys/devnull.js";
import { cgroupMountView } from "../plan/cgroup-view.js";
import { frozenAt } from "../cgroup/frozen.js";
import { writePidFile } from "../pidfile.js";
import { parsePreserveFds } from "./preserve-fds.js";
import { spawnAndSync, frozenError, type SyncProgress } from "./create-sync.js";

export interface CreateOptions {
  /** the bundle directory (config.json and, usually, the rootfs); default the current directory */
  bundle?: string;
  /** write the init's pid here, as `--pid-file` does */
  pidFile?: string;
  /** an AF_UNIX socket that receives the pty master when process.terminal is set */
  consoleSocket?: string;
  /** false: no pivot_root (`--no-pivot`) */
  pivot?: boolean;
  /** how many fds from 3 on the container inherits (`--preserve-fds`) */
  preserveFds?: string | number;
  /** run -t: force process.terminal */ tty?: boolean;
  /** run in the foreground: without a console socket, tsrun itself receives the pty master */ foreground?: boolean;
}

/**
 * console: our end of the socketpair the pty master arrives on (foreground terminal), else -1;
 * pipes: the stdio pipes to relay (foreground without a terminal)
 */
export interface Created { h: Handle; st: ContainerState; pid: number; console: number; pipes?: StdioPipes }

/** Everything up to a container in the "created" state. Leaves nothing behind on failure. */
export function createContainer(ctx: Ctx, id: string, opts: CreateOptions): Created {
  validateId(id);
  const bundle = resolve(opts.bundle ?? ".");
  mark("create: command loaded");
  const spec = loadSpec(bundle);
  mark("create: config.json read and validated");
  if (ctx.sys().geteuid() !== 0) checkRootlessEuid(spec);    // runc's rootless checks, in its words
  if (ctx.rootless) checkOomScoreAdj(spec.process?.oomScoreAdj, ownOomScoreAdj());
  const listen = listenFds();
  const preserveFds = listen + parsePreserveFds(opts.preserveFds);
  if (preserveFds > 0) { const sys = ctx.sys(); checkPassedFds((fd) => sys.fdFlags(fd), preserveFds, listen); }
  if (spec.process && opts.tty) spec.process.terminal = true;
  if (spec.process && listen) spec.process.env = [...(spec.process.env ?? []), `LISTEN_FDS=${listen}`, "LISTEN_PID=1"];
  const rootfs = rootfsDir(bundle, spec);
  checkHookPaths(spec);
  checkLsm(spec, lsmHost());
  const idmaps = startIdmapHelpers(ctx, spec);       // closed when create ends, either way
  try {
    return createWith(ctx, id, opts, spec, bundle, rootfs, preserveFds, idmaps.paths);
  } finally {
    idmaps.close();
  }
}

function createWith(ctx: Ctx, id: string, opts: CreateOptions, spec: Spec, bundle: string, rootfs: string,
  preserveFds: number, idmapUserns: Map<number, string>): Created {
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
  for (const name of seccomp?.skipped ?? []) ctx.log.debug(`seccomp: syscall "${name}" is unknown to libseccomp, rule skipped`);
  const con = openConsole(spec.process, opts.consoleSocket, !opts.foreground);
  const consoleFd = con.child;
  const ownMnt = hasOwnMountNs(spec);
  const planOpts = {
    idmapUserns,
    mountAt: ownMnt ? undefined : mountPointIn(resolve(ctx.root, id)),
    seccomp: seccomp ? { filter: seccomp.filter, flags: seccomp.flags, notify: seccomp.notify } : undefined,
    rootfs, bundle, noPivot: opts.pivot === false,
    host: hostView(spec),                           // bind sources as they are on the host (src/bind-reach.ts)
  };
  // cgroupsPath is checked before anything exists
  const cg = newCg(ctx, { ...cgroupTarget(ctx, spec.linux?.cgroupsPath, id), id, resources: spec.linux?.resources, skipped: (d, why) => ctx.log.debug(`rootless: cgroup \`${d}\` not used: ${why}`), beforeMkdir: (d) => recordParent(d), onMkdir: (d) => { if (!isLeaf(d)) fault("create-after-cgroup-parent"); } });
  // runc's check, before anything is made: init would join a frozen cgroup and never report back
  const frozen = frozenAt(cg.paths);
  if (frozen !== undefined) throw frozenError(frozen);
  const plan = compileInit(spec, { ...planOpts, cgroupHierarchies: cgroupMountView(spec, cg.paths) });
  mark("create: plan compiled");
  for (const w of plan.warnings) ctx.log.debug(w);

  const sys = ctx.sys();
  let pipes: StdioPipes | undefined;
  // a parent cgroup is recorded in the state before it is made, so delete can remove it (if unused)
  // whenever tsrun dies; the leaves are in the state from the start
  const isLeaf = (d: string): boolean => [cg.paths.v2, ...Object.values(cg.paths.v1 ?? {})].includes(d);
  const recordParent = (d: string): void => { if (!isLeaf(d) && !cg.paths.created!.includes(d)) { cg.paths.created!.push(d); h.write(st); } };
  const h = ctx.store().create(id);
  fault("create-after-mkdir");
  const st: ContainerState = {
    ociVersion: spec.ociVersion, id, pid: 0, bundle, rootfs, created: new Date().toISOString(),
    annotations: spec.annotations, owner: "", phase: "creating", initStartTime: 0, cgroup: {}, spec,
  };
  const p: SyncProgress = { pid: 0, syncFd: -1 };
  try {
    st.cgroup = cg.paths;
    h.write(st);                                    // from here on, delete --force can clean up
    if (planOpts.mountAt) {
      try { fs.mkdirSync(planOpts.mountAt, { mode: 0o700 }); } catch (e) { throw sysError("mkdir", planOpts.mountAt, e); }
    }
    fault("create-after-state-creating");
    warnIfOccupied(ctx, cg.pids());
    cg.create(spec.linux?.resources);
    mark("create: state dir and cgroups made");
    fault("create-after-cgroup");
    sys.mkfifo(h.fifoPath, 0o622);
    fs.chmodSync(h.fifoPath, 0o622);                // not the umask's: init may have dropped to another uid
    fault("create-after-fifo");
    let cgFd = -1;
    if (cg.paths.v2 && !cg.joinsLate) {
      try { cgFd = fs.openSync(cg.paths.v2, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY); } catch (e) { throw sysError("open", cg.paths.v2, e); }
    }
    // a fresh open of the state dir for the child: h.dirFd carries our flock, which init must not inherit
    const childDirFd = fs.openSync(h.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    const afterSpawn = (): void => {
      closeChildEnds(pipes);
      fs.closeSync(childDirFd);
      if (cgFd >= 0) fs.closeSync(cgFd);
      if (consoleFd >= 0) fs.closeSync(consoleFd);
    };
    try {
      // in the foreground without a terminal init gets pipes, never our stdio (runc's setupProcessPipes)
      if (opts.foreground && !spec.process?.terminal) pipes = openStdioPipes(sys, hostRootIds(spec));
      else reopenDevNullStdio(sys);                    // init inherits a writable /dev/null, as runc's does
    } catch (e) {
      afterSpawn();
      throw e;
    }
    spawnAndSync(ctx, {
      h, st, spec, plan, planOpts, seccomp, cg, afterSpawn,
      spawn: { plan: plan.buffer, cgroupFd: cgFd, stateDirFd: childDirFd, consoleFd, preserveFds, stdio: pipes?.child },
    }, p);
    mark("create: init ready");
    ctx.log.debug(`create: ${id}: init ${p.pid} is ready, waiting for start`);
    fault("create-after-ready");
    st.phase = "created";
    fault("create-before-state-created");
    h.write(st);
    fault("create-after-state-created");
    if (opts.pidFile) writePidFile(opts.pidFile, p.pid);
    return { h, st, pid: p.pid, console: con.ours, pipes };
  } catch (e) {
    closeFd(con.ours);
    closeStdioPipes(pipes);
    if (p.syncFd >= 0) { try { fs.closeSync(p.syncFd); } catch { /* closed */ } }
    if (p.pid > 0) { try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ } }
    try { cg.killAll(9); } catch { /* nothing there */ }
    if (st.pid > 0 && st.pid !== p.pid) { try { process.kill(st.pid, "SIGKILL"); } catch { /* gone */ } }
    try { cg.destroy(); } catch (ce) { ctx.log.warn(`cleanup: ${(ce as Error).message}`); }
    if (!ownMnt) { try { detachContainerRoot(sys, h.dir); } catch (ce) { ctx.log.warn(`cleanup: ${(ce as Error).message}`); } }
    h.remove();
    throw e;
  }
}

/** A cgroup that already holds processes (another container's, say) is used, with runc's warning. */
function warnIfOccupied(ctx: Ctx, pids: number[]): void {
  if (pids.length) ctx.log.warn(`container's cgroup is not empty: ${pids.length} process(es) found`);
}
