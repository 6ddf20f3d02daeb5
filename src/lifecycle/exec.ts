/**
 * exec: run one more process in a running container. It joins init's namespaces and
 * cgroups, and gets the container's security settings (capabilities, no_new_privs, rlimits,
 * seccomp, umask, groups). Without `detach` the caller waits and gets the process's status;
 * with it, --pid-file is written and exec returns, and the process is reparented to the
 * caller's subreaper (containerd's shim, conmon). In the foreground without a terminal the
 * process gets pipes that are relayed (stdio-relay.ts); detached, it gets the caller's stdio.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load, loadCg, ociState } from "./container.js";
import type { Process, Spec } from "../spec/load.js";
import type { ContainerState } from "../state/store.js";
import type { SpawnInput } from "../sys/types.js";
import type { Plan } from "../plan/builder.js";
import { compileExec } from "../plan/exec.js";
import { compileSeccomp, type CompiledSeccomp } from "../seccomp/compile.js";
import { listenerState, sendToListener } from "../seccomp/notify.js";
import { drive, planFlags } from "../sync/driver.js";
import { parsePreserveFds } from "./preserve-fds.js";
import { subCgroups } from "./exec-process.js";
import { spawnChild, type SyncProgress } from "./create-sync.js";
import { writePidFile } from "../pidfile.js";
import { checkPassedFds } from "../passed-fds.js";
import { fault } from "../fault.js";
import { checkLsm } from "../plan/lsm.js";
import { lsmHost } from "../lsm-host.js";
import { openConsole, closeFd, forwardSignals, waitExit, ptySession, endSession } from "./foreground.js";
import { openStdioPipes, closeChildEnds, closeStdioPipes, relayStdio, type StdioPipes, type Relay } from "./stdio-relay.js";
import { hostRootIds } from "../userns.js";

export interface ExecOptions {
  /** an AF_UNIX socket that receives the pty master when the process has a terminal */
  consoleSocket?: string;
  /** return once the process runs, without waiting for it */
  detach?: boolean;
  /** write the process's pid here */
  pidFile?: string;
  /** how many fds from 3 on the process inherits */
  preserveFds?: string | number;
  /** [controller:]path sub-cgroups to join, relative to the container's */
  cgroup?: string[];
  /** exec into a paused container too */
  ignorePaused?: boolean;
  /** the pty proxy could not finish because a process still holds the terminal */
  stuck?: () => void;
}

/** The process to run, made from the container's own process (so flags can go on top of it). */
export type ProcessFor = (base: Process | undefined) => Process;

/** pid: the process's; code: its exit status (128+signal when killed), 0 when detached. */
export interface Execd { pid: number; code: number }

export async function execIn(ctx: Ctx, id: string, make: ProcessFor, o: ExecOptions): Promise<Execd> {
  const sys = ctx.sys();
  const l = load(ctx, id);
  let st, status;
  try { ({ st, status } = l); } finally { l.h.close(); }
  if (status === "stopped") throw new TsrunError(`cannot exec in a stopped container: container ${id} is not running`);
  if (status === "paused" && !o.ignorePaused) throw new TsrunError("cannot exec in a paused container (use --ignore-paused to override)");
  const preserveFds = parsePreserveFds(o.preserveFds);
  if (preserveFds > 0) checkPassedFds((fd) => sys.fdFlags(fd), preserveFds);
  const proc = make(st.spec.process);
  fault("exec-after-process");
  const spec: Spec = { ...st.spec, process: proc };
  // as at create: an LSM label that cannot be applied is refused, never run unconfined
  try { checkLsm(spec, lsmHost()); } catch (e) { throw e instanceof TsrunError ? new TsrunError(e.message.replace(/^config\.json: /, "exec: ")) : e; }
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
  const sub = subCgroups(st.cgroup, o.cgroup ?? []);
  const con = openConsole(proc, o.consoleSocket, !!o.detach);
  fault("exec-after-console");
  const plan = compileExec(spec, { initPid: st.pid, seccomp: seccomp ? { filter: seccomp.filter, flags: seccomp.flags, notify: seccomp.notify } : undefined });
  if (!o.detach) sys.setSubreaper();               // the process is the intermediate's child: it comes back to us
  const fwd = o.detach ? undefined : forwardSignals(sys);

  const p: SyncProgress = { pid: 0, syncFd: -1 };
  let master = -1;
  let pipes: StdioPipes | undefined;
  try {
    const v2 = sub ? sub.v2 : st.cgroup.v2;
    let cgFd = -1;
    if (v2) { try { cgFd = fs.openSync(v2, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY); } catch (e) { throw sysError("open", v2, e); } }
    const afterSpawn = (): void => { closeChildEnds(pipes); closeFd(cgFd); closeFd(con.child); };
    try {
      if (fwd && !proc.terminal) pipes = openStdioPipes(sys, hostRootIds(st.spec));   // never our stdio (runc's setupProcessPipes)
    } catch (e) { afterSpawn(); throw e; }
    await spawnExecAndSync(ctx, {
      st, plan, sub, afterSpawn, seccomp,
      spawn: { plan: plan.buffer, cgroupFd: cgFd, stateDirFd: -1, consoleFd: con.child, preserveFds, stdio: pipes?.child },
    }, p);
    if (con.ours >= 0) { master = sys.recvFd(con.ours).fd; fault("exec-after-console-master"); }
  } catch (e) {
    fwd?.stop();
    closeStdioPipes(pipes);
    closeFd(p.syncFd);
    closeFd(con.ours);
    if (p.pid > 0) { try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ } }
    throw e;
  }
  const pid = p.pid;
  ctx.log.debug(`exec: ${id}: process ${pid} started: ${JSON.stringify(proc.args ?? [])}`);
  closeFd(con.ours);
  const relay: Relay | undefined = pipes ? relayStdio(sys, pipes) : undefined;
  if (o.pidFile) {
    fault("exec-before-pid-file");
    // a caller that cannot learn the pid cannot manage the process: it does not stay (runc terminates it too)
    try { writePidFile(o.pidFile, pid); } catch (e) { fwd?.stop(); relay?.stop(); try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } throw e; }
    fault("exec-after-pid-file");
  }
  if (!fwd) return { pid, code: 0 };

  const session = master >= 0 ? ptySession(master) : undefined;
  try {
    fwd.attach(pid);
    fault("exec-waiting");
    const code = await waitExit(sys, pid);
    ctx.log.debug(`exec: ${id}: process ${pid} exited with status ${code}`);
    await relay?.done;                              // to EOF, as runc: background children that hold the pipes keep us waiting
    return { pid, code };
  } finally {
    fwd.stop();
    relay?.stop();
    if (session) await endSession(session, o.stuck);
  }
}

interface ExecSync {
  st: ContainerState; plan: Plan; sub: ReturnType<typeof subCgroups>; spawn: SpawnInput; seccomp: CompiledSeccomp | null;
  /** closes the parent's copies of what the child got, right after the clone, whatever happens */
  afterSpawn: () => void;
}

/**
 * exec's parent/child sequence (native/sync.h): clone, join the cgroups, GO, the pid after the fork,
 * the seccomp listener fd (SCMP_ACT_NOTIFY: to the agent, as create does), READY.
 */
async function spawnExecAndSync(ctx: Ctx, x: ExecSync, p: SyncProgress): Promise<void> {
  const { st, plan, sub, seccomp } = x;
  const sys = ctx.sys();
  const r = spawnChild(ctx, x, p);
  closeFd(r.pidfd);
  fault("exec-after-clone");
  let intermediate = 0;
  const inCgroup = r.inCgroup;
  p.pid = drive(sys.syncChannel(p.syncFd), {
    pid: p.pid, flags: planFlags(plan.buffer), end: "ready", wording: { describe: plan.describe },
    steps: {
      joinCgroups: () => {
        if (sub) {
          const dirs = [...(inCgroup ? [] : [sub.v2]), ...Object.values(sub.v1)].filter((d): d is string => !!d);
          for (const d of new Set(dirs)) {
            try { fs.writeFileSync(join(d, "cgroup.procs"), String(p.pid)); } catch (e) { throw sysError("write", join(d, "cgroup.procs"), e); }
          }
        } else {
          loadCg(ctx, st).addProcess(p.pid, { v2: !inCgroup });
        }
        fault("exec-after-cgroup-join");
      },
      sentGo: () => fault("exec-after-go"),
      initPid: (q) => { fault("exec-after-init-pid"); intermediate = p.pid; p.pid = q; },   // FORK_INIT: the grandchild is the process
      // runc's: the process's pid, and the container's state as it is (running, init's pid)
      seccompFd: seccomp?.notify
        ? (fd) => sendToListener(seccomp.listenerPath!, fd, listenerState(p.pid, seccomp.listenerMetadata, ociState(st, "running")))
        : undefined,
    },
  });
  if (intermediate) await sys.waitpid(intermediate);
  fault("exec-after-ready");
  closeFd(p.syncFd);
  p.syncFd = -1;
}
