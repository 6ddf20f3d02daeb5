/**
 * tsrun exec: run one more process in a running container. It joins init's
 * namespaces and cgroups, and gets the container's security settings (capabilities,
 * no_new_privs, rlimits, seccomp, umask, groups). Without --detach tsrun waits and
 * exits with the process's status; with it, it writes --pid-file and exits, and the
 * process is reparented to the caller's subreaper (containerd's shim, conmon). In the
 * foreground without a terminal the process gets pipes that tsrun relays (stdio-relay.ts);
 * detached, it gets tsrun's own stdio.
 */
import * as fs from "node:fs";
import { join, isAbsolute, normalize } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "../container.js";
import { loadProcess, type Process, type Spec } from "../spec/load.js";
import { compileExec } from "../plan/exec.js";
import { compileSeccomp } from "../seccomp/compile.js";
import { loadCgroupManager, type CgroupPaths } from "../cgroup/manager.js";
import { drive, planFlags } from "../sync/driver.js";
import { socketChannel } from "../sync/channel.js";
import { parsePreserveFds } from "./create.js";
import { writePidFile } from "../pidfile.js";
import { checkPassedFds } from "../passed-fds.js";
import { fault } from "../fault.js";
import { checkLsm } from "../plan/lsm.js";
import { lsmHost } from "../lsm-host.js";
import { openConsole, closeFd, forwardSignals, waitExit, ptySession, endSession } from "./foreground.js";
import { openStdioPipes, closeChildEnds, closeStdioPipes, relayStdio, type StdioPipes, type Relay } from "./stdio-relay.js";
import { hostRootIds } from "../userns.js";

export interface ExecOptions {
  process?: string; consoleSocket?: string; tty?: boolean; detach?: boolean; pidFile?: string;
  cwd?: string; env?: string[]; user?: string; additionalGids?: string[]; cap?: string[]; /** false with --no-new-privs (commander's negation) */ newPrivs?: boolean;
  apparmor?: string; processLabel?: string; preserveFds?: string; cgroup?: string[]; ignorePaused?: boolean;
}

const uint = (v: string, what: string): number => {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new TsrunError(`exec: invalid ${what} ${JSON.stringify(v)}`);
  return Number(v);
};

/** runc's getProcess: --process as it is, or the container's process with these args and flags on top. */
export function execProcess(base: Process | undefined, args: string[], o: ExecOptions): Process {
  if (o.process) {
    const p = loadProcess(o.process);
    if (!p.args?.length) throw new TsrunError(`${o.process}: args: must not be empty`);
    return p;
  }
  if (!args.length) throw new TsrunError("exec: no command given: use `exec ID CMD [ARGS...]` or `exec --process FILE ID`");
  const p: Process = { ...structuredClone(base ?? { cwd: "/" }), args, terminal: !!o.tty };
  delete p.consoleSize;
  if (o.cwd) {
    if (!isAbsolute(o.cwd)) throw new TsrunError(`exec: --cwd ${JSON.stringify(o.cwd)}: must be an absolute path`);
    p.cwd = o.cwd;
  }
  if (o.env?.length) p.env = [...(p.env ?? []), ...o.env];
  if (o.user) {
    const [u, g] = o.user.split(":");
    p.user = { ...p.user, uid: uint(u, "--user uid"), gid: g !== undefined ? uint(g, "--user gid") : p.user?.gid ?? 0 };
  }
  if (o.additionalGids?.length) p.user = { uid: 0, gid: 0, ...p.user, additionalGids: o.additionalGids.map((g) => uint(g, "--additional-gids")) };
  if (o.cap?.length) {
    const c = { ...p.capabilities };
    for (const k of ["bounding", "effective", "permitted"] as const) c[k] = [...(c[k] ?? []), ...o.cap];
    p.capabilities = c;
  }
  if (o.newPrivs === false) p.noNewPrivileges = true;
  if (o.apparmor) p.apparmorProfile = o.apparmor;
  if (o.processLabel) p.selinuxLabel = o.processLabel;
  return p;
}

/** --cgroup [controller:]path, relative to the container's cgroups: the directories to join. */
function subCgroups(paths: CgroupPaths, values: string[]): { v2?: string; v1: Record<string, string> } | undefined {
  if (!values.length) return undefined;
  const out: { v2?: string; v1: Record<string, string> } = { v2: paths.v2, v1: { ...paths.v1 } };
  for (const v of values) {
    const i = v.indexOf(":");
    const ctl = i >= 0 ? v.slice(0, i) : "";
    const sub = normalize("/" + (i >= 0 ? v.slice(i + 1) : v));
    if (sub.split("/").includes("..")) throw new TsrunError(`exec: --cgroup ${JSON.stringify(v)}: must stay inside the container's cgroup`);
    if (!ctl || ctl === "unified") { if (paths.v2) out.v2 = join(paths.v2, sub); }
    for (const [c, dir] of Object.entries(paths.v1 ?? {})) if (!ctl || c.split(",").includes(ctl)) out.v1[c] = join(dir, sub);
  }
  for (const d of [out.v2, ...Object.values(out.v1)]) {
    if (d && !fs.existsSync(d)) throw new TsrunError(`exec: --cgroup: \`${d}\`: ENOENT`, "ENOENT");
  }
  return out;
}

export default async function exec(ctx: Ctx, id: string, args: string[], o: ExecOptions): Promise<number> {
  const sys = ctx.sys();
  const l = load(ctx, id);
  let st, status;
  try { ({ st, status } = l); } finally { l.h.close(); }
  if (status === "stopped") throw new TsrunError(`cannot exec in a stopped container: container ${id} is not running`);
  if (status === "paused" && !o.ignorePaused) throw new TsrunError("cannot exec in a paused container (use --ignore-paused to override)");
  const preserveFds = parsePreserveFds(o.preserveFds);
  if (preserveFds > 0) checkPassedFds((fd) => sys.fdFlags(fd), preserveFds);
  const proc = execProcess(st.spec.process, args, o);
  fault("exec-after-process");
  const spec: Spec = { ...st.spec, process: proc };
  // as at create: an LSM label that cannot be applied is refused, never run unconfined
  try { checkLsm(spec, lsmHost()); } catch (e) { throw e instanceof TsrunError ? new TsrunError(e.message.replace(/^config\.json: /, "exec: ")) : e; }
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
  const sub = subCgroups(st.cgroup, o.cgroup ?? []);
  const con = openConsole(proc, o.consoleSocket, !!o.detach);
  fault("exec-after-console");
  const plan = compileExec(spec, { initPid: st.pid, seccomp: seccomp ? { filter: seccomp.filter, flags: seccomp.flags } : undefined });
  if (!o.detach) sys.setSubreaper();               // the process is the intermediate's child: it comes back to us
  const fwd = o.detach ? undefined : forwardSignals(sys);

  let pid = 0, syncFd = -1, master = -1;
  let pipes: StdioPipes | undefined;
  try {
    const v2 = sub ? sub.v2 : st.cgroup.v2;
    let cgFd = -1;
    if (v2) { try { cgFd = fs.openSync(v2, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY); } catch (e) { throw sysError("open", v2, e); } }
    let r;
    try {
      if (fwd && !proc.terminal) pipes = openStdioPipes(sys, hostRootIds(st.spec));   // never our stdio (runc's setupProcessPipes)
      r = sys.spawn({ plan: plan.buffer, cgroupFd: cgFd, stateDirFd: -1, consoleFd: con.child, preserveFds, stdio: pipes?.child });
    } finally {
      closeChildEnds(pipes);
      closeFd(cgFd);
      closeFd(con.child);
    }
    pid = r.pid;
    syncFd = r.syncFd;
    closeFd(r.pidfd);
    fault("exec-after-clone");
    let intermediate = 0;
    const inCgroup = r.inCgroup;
    pid = drive(socketChannel(syncFd), {
      pid, flags: planFlags(plan.buffer), end: "ready", wording: { describe: plan.describe },
      steps: {
        joinCgroups: () => {
          if (sub) {
            const dirs = [...(inCgroup ? [] : [sub.v2]), ...Object.values(sub.v1)].filter((d): d is string => !!d);
            for (const d of new Set(dirs)) {
              try { fs.writeFileSync(join(d, "cgroup.procs"), String(pid)); } catch (e) { throw sysError("write", join(d, "cgroup.procs"), e); }
            }
          } else {
            loadCgroupManager(st.cgroup).addProcess(pid, { v2: !inCgroup });
          }
          fault("exec-after-cgroup-join");
        },
        sentGo: () => fault("exec-after-go"),
        initPid: (p) => { fault("exec-after-init-pid"); intermediate = pid; pid = p; },   // FORK_INIT: the grandchild is the process
      },
    });
    if (intermediate) await sys.waitpid(intermediate);
    fault("exec-after-ready");
    closeFd(syncFd);
    syncFd = -1;
    if (con.ours >= 0) { master = sys.recvFd(con.ours).fd; fault("exec-after-console-master"); }
  } catch (e) {
    fwd?.stop();
    closeStdioPipes(pipes);
    closeFd(syncFd);
    closeFd(con.ours);
    if (pid > 0) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    throw e;
  }
  closeFd(con.ours);
  const relay: Relay | undefined = pipes ? relayStdio(sys, pipes) : undefined;
  if (o.pidFile) {
    fault("exec-before-pid-file");
    // a caller that cannot learn the pid cannot manage the process: it does not stay (runc terminates it too)
    try { writePidFile(o.pidFile, pid); } catch (e) { fwd?.stop(); relay?.stop(); try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } throw e; }
    fault("exec-after-pid-file");
  }
  if (!fwd) return 0;

  const session = master >= 0 ? ptySession(master) : undefined;
  try {
    fwd.attach(pid);
    fault("exec-waiting");
    const code = await waitExit(sys, pid);
    await relay?.done;                              // to EOF, as runc: background children that hold the pipes keep us waiting
    return code;
  } finally {
    fwd.stop();
    relay?.stop();
    if (session) await endSession(session);
  }
}
