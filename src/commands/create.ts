/** tsrun create: spec → validate → plan, then cgroup, clone, sync, hooks, state. */
import * as fs from "node:fs";
import { resolve } from "node:path";
import { TsrunError, sysError, errnoName } from "../errors.js";
import type { Ctx } from "../context.js";
import { loadSpec } from "../spec/load.js";
import { compileInit } from "../plan/compile.js";
import { compileSeccomp } from "../seccomp/compile.js";
import { validateId } from "../state/ids.js";
import type { ContainerState, Handle } from "../state/store.js";
import { readProcStat } from "../state/proc.js";
import { newCgroupManager } from "../cgroup/manager.js";
import { recvMsg, sendMsg } from "../sys/sync.js";
import { runHooks } from "../hooks.js";
import { ociState } from "../container.js";
import { writeIdMaps } from "../userns.js";
import { fault } from "../fault.js";
import { checkProcMounts } from "../spec/procmount.js";

export interface CreateOptions {
  bundle?: string; pidFile?: string; consoleSocket?: string; pivot?: boolean; preserveFds?: string;
}

export interface Created { h: Handle; st: ContainerState; pid: number }

export function parsePreserveFds(v: string | undefined): number {
  const n = Number(v ?? "0");
  if (!/^\d+$/.test(String(v ?? "0")) || n > 1 << 20) throw new TsrunError(`invalid --preserve-fds ${JSON.stringify(v)}: must be a non-negative integer`);
  return n;
}

export function writePidFile(path: string, pid: number): void {
  const abs = resolve(path);
  const tmp = `${abs}.tsrun-${process.pid}`;
  try {
    fs.writeFileSync(tmp, String(pid), { mode: 0o644 });
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw sysError("write", abs, e);
  }
}

/** Everything up to a container in the "created" state. Leaves nothing behind on failure. */
export function createContainer(ctx: Ctx, id: string, opts: CreateOptions): Created {
  validateId(id);
  const preserveFds = parsePreserveFds(opts.preserveFds);
  const bundle = resolve(opts.bundle ?? ".");
  const spec = loadSpec(bundle);
  const rootfs = resolve(bundle, spec.root!.path);
  try {
    if (!fs.statSync(rootfs).isDirectory()) throw new TsrunError(`config.json: root.path: \`${rootfs}\` is not a directory`);
  } catch (e) {
    if (e instanceof TsrunError) throw e;
    throw new TsrunError(`config.json: root.path: stat \`${rootfs}\`: ${(e as NodeJS.ErrnoException).code}`);
  }
  checkProcMounts(spec, rootfs, bundle);
  const seccomp = spec.linux?.seccomp ? compileSeccomp(spec.linux.seccomp) : null;
  if (seccomp?.notify) throw new TsrunError("config.json: linux.seccomp: SCMP_ACT_NOTIFY is not supported yet");
  for (const name of seccomp?.skipped ?? []) ctx.log.debug(`seccomp: syscall "${name}" is unknown to libseccomp, rule skipped`);
  const plan = compileInit(spec, {
    seccomp: seccomp ? { filter: seccomp.filter, flags: seccomp.flags } : undefined,
    rootfs, bundle, noPivot: opts.pivot === false,
    host: { sourceKind: (p) => { try { return fs.statSync(p).isDirectory() ? "dir" : "file"; } catch { return undefined; } } },
  });
  if (spec.process?.terminal && !opts.consoleSocket) {
    throw new TsrunError("cannot allocate tty if runc will detach without setting console socket");
  }
  if (spec.process?.terminal) throw new TsrunError("config.json: process.terminal: terminals are not supported yet");
  const consoleFd = -1;

  const sys = ctx.sys();
  // cgroupsPath is checked before anything exists
  const cg = newCgroupManager({ cgroupsPath: spec.linux?.cgroupsPath, id, onMkdir: (d) => recordParent(d) });
  // a parent cgroup is recorded in the state the moment it exists, so delete can remove it
  const recordParent = (d: string): void => { if (![cg.paths.v2, ...Object.values(cg.paths.v1 ?? {})].includes(d)) { if (!cg.paths.created!.includes(d)) cg.paths.created!.push(d); h.write(st); fault("create-after-cgroup-parent"); } };
  const h = ctx.store().create(id);
  fault("create-after-mkdir");
  const st: ContainerState = {
    ociVersion: spec.ociVersion, id, pid: 0, bundle, rootfs, created: new Date().toISOString(),
    annotations: spec.annotations, owner: "", phase: "creating", initStartTime: 0, cgroup: {}, spec,
  };
  let pid = 0;
  let syncFd = -1;
  try {
    st.cgroup = cg.paths;
    h.write(st);                                    // from here on, delete --force can clean up
    fault("create-after-state-creating");
    cg.create(spec.linux?.resources);
    fault("create-after-cgroup");
    sys.mkfifo(h.fifoPath, 0o622);
    fs.chmodSync(h.fifoPath, 0o622);                // not the umask's: init may have dropped to another uid
    fault("create-after-fifo");
    let cgFd = -1;
    if (cg.paths.v2) {
      try { cgFd = fs.openSync(cg.paths.v2, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY); } catch (e) { throw sysError("open", cg.paths.v2, e); }
    }
    // a fresh open of the state dir for the child: h.dirFd carries our flock, which init must not inherit
    const childDirFd = fs.openSync(h.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    let r;
    try {
      r = sys.spawn({ plan: plan.buffer, cgroupFd: cgFd, stateDirFd: childDirFd, consoleFd, preserveFds });
    } finally {
      fs.closeSync(childDirFd);
      if (cgFd >= 0) fs.closeSync(cgFd);
      if (consoleFd >= 0) fs.closeSync(consoleFd);
    }
    pid = r.pid;
    syncFd = r.syncFd;
    fault("create-after-clone");
    if (r.pidfd >= 0) fs.closeSync(r.pidfd);
    st.pid = pid;
    st.initStartTime = readProcStat(pid)?.startTime ?? 0;
    h.write(st);
    fault("create-after-state-pid");
    const flags = plan.buffer.readUInt32LE(32);
    if (flags & 0x2) {                              // NEW_USERNS: the child asks for its maps
      const m = recvMsg(syncFd);
      if (m.type !== "maps-request") throw childFailure(m, plan.describe);
      writeIdMaps(m.pid > 0 ? m.pid : pid, spec);
      fault("create-after-maps");
    }
    cg.addProcess(pid, { v2: !r.inCgroup });
    fault("create-after-cgroup-join");
    try { sendMsg(syncFd, { type: "go" }); } catch { throw childFailure(recvMsg(syncFd), plan.describe); } // died: say why
    fault("create-after-go");
    if (flags & 0x1) {                              // FORK_INIT: the grandchild is init
      const m = recvMsg(syncFd);
      if (m.type !== "pid") throw childFailure(m, plan.describe);
      fault("create-after-init-pid");
      void sys.waitpid(pid);                        // reap the intermediate
      pid = m.pid;
      st.pid = pid;
      st.initStartTime = readProcStat(pid)?.startTime ?? 0;
      h.write(st);
      fault("create-after-state-init-pid");
    }
    const m = recvMsg(syncFd);
    if (m.type !== "ready") throw childFailure(m, plan.describe);
    fs.closeSync(syncFd);
    syncFd = -1;
    fault("create-after-ready");
    const state = ociState(st, "created");
    runHooks(ctx, spec.hooks?.prestart, "prestart", state, { failIsError: true });
    runHooks(ctx, spec.hooks?.createRuntime, "createRuntime", state, { failIsError: true });
    runHooks(ctx, spec.hooks?.createContainer, "createContainer", state, { failIsError: true });
    st.phase = "created";
    fault("create-before-state-created");
    h.write(st);
    fault("create-after-state-created");
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
    return { h, st, pid };
  } catch (e) {
    if (syncFd >= 0) { try { fs.closeSync(syncFd); } catch { /* closed */ } }
    if (pid > 0) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    try { cg.killAll(9); } catch { /* nothing there */ }
    if (st.pid > 0 && st.pid !== pid) { try { process.kill(st.pid, "SIGKILL"); } catch { /* gone */ } }
    try { cg.destroy(); } catch (ce) { ctx.log.warn(`cleanup: ${(ce as Error).message}`); }
    h.remove();
    throw e;
  }
}

function childFailure(m: ReturnType<typeof recvMsg>, describe: (i: number) => string): TsrunError {
  if (m.type === "error") {
    if (m.text.startsWith("exec:")) return new TsrunError(`unable to start container process: ${m.text}`, errnoName(m.errno));
    const detail = m.text ? ` (${m.text})` : "";
    return new TsrunError(`${describe(m.op)} (op ${m.op}): ${errnoName(m.errno)}${detail}`, errnoName(m.errno));
  }
  if (m.type === "eof") return new TsrunError("container init exited during setup");
  return new TsrunError(`sync: unexpected message "${m.type}" from container init`);
}

export default function create(ctx: Ctx, id: string, opts: CreateOptions): number {
  const c = createContainer(ctx, id, opts);
  c.h.close();
  return 0;
}

