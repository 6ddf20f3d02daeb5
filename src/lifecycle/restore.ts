/**
 * restore: a container from a checkpoint's images, as runc restores one. The config (the bundle
 * restore is given) must fit the checkpoint (src/criu/image.ts); the container's cgroup is made
 * with the config's limits before criu runs, criu puts the restored tree into it (--cgroup-root),
 * and the limits are applied again afterwards. Under the systemd driver the cgroup is a transient
 * unit, started with criu's own pid before criu restores into it (criuInUnit). The state then holds the restored init (its new
 * pid and start time) with no exec fifo: the container is running, and exec, kill, pause, update
 * and delete work on it as on any other. A failure removes everything restore made.
 */
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { loadSpec, type Spec, rootfsDir } from "../spec/load.js";
import { hostRootIds } from "../userns.js";
import { validateId } from "../state/ids.js";
import type { ContainerState } from "../state/store.js";
import { readProcStat } from "../state/proc.js";
import { load, newCg, destroy, cgroupTarget } from "./container.js";
import { parseMountinfo } from "../cgroup/mountinfo.js";
import { restoreArgv } from "../criu/argv.js";
import { usableCriu, runCriu, runCriuHeld, type CriuRun } from "../criu/binary.js";
import type { CgroupManager } from "../cgroup/manager.js";
import { cgroupRoots, emptyNamespaces, joinedNamespaces, parseDescriptors, restoreMountExternals, EXTERNAL_NS, type Descriptor } from "../criu/externals.js";
import { DESCRIPTORS, INVENTORY, META, mismatch, parseMeta } from "../criu/image.js";
import { DEFAULT_DEVICES } from "../plan/compile.js";
import { writePidFile } from "../pidfile.js";
import { criuFailed, refuseUnsupported, ensureDir, type CriuFlags } from "./checkpoint.js";
import { forwardSignals, waitExit } from "./foreground.js";

export interface RestoreOptions extends CriuFlags {
  /** the bundle of the restored container (default: the current directory) */ bundle?: string;
  /** return once the container runs; otherwise wait for it, forward signals, delete it and return its status */ detach?: boolean;
  pidFile?: string;
  /** accepted; a container with a terminal is refused (tsrun does not restore ptys) */ consoleSocket?: string;
  /** false (--no-subreaper): leave the process-wide subreaper flag alone */ subreaper?: boolean;
  /** accepted: criu makes the restored mount namespace itself */ pivot?: boolean;
  newKeyring?: boolean;
}

/** Restore; resolves with 0 when detached, else with the restored init's exit status. */
export async function restoreContainer(ctx: Ctx, id: string, o: RestoreOptions): Promise<number> {
  validateId(id);
  refuseUnsupported("restore", o);
  const emptyNs = emptyNamespaces(o.emptyNs, "restore");
  const bin = usableCriu(ctx.criu, "restore");
  const bundle = resolve(o.bundle ?? ".");
  const spec = loadSpec(bundle);
  const rootfs = rootfsDir(bundle, spec);
  const imagePath = resolve(o.imagePath ?? "checkpoint");
  if (!fs.existsSync(join(imagePath, INVENTORY))) throw new TsrunError(`restore: no checkpoint in \`${imagePath}\`: ${INVENTORY}: ENOENT`, "ENOENT");
  const meta = readImageFile(join(imagePath, META));
  const saved = meta === undefined ? undefined : parseMeta(meta);
  const diff = saved && mismatch(saved, spec);
  if (diff) throw new TsrunError(`restore: config.json does not match the checkpoint: ${diff}`);
  if (spec.process?.terminal) throw new TsrunError("restore: a container with a terminal (process.terminal) cannot be restored by tsrun");
  let descriptors: Descriptor[] = [];
  const dtext = readImageFile(join(imagePath, DESCRIPTORS));
  if (dtext !== undefined) {
    try { descriptors = parseDescriptors(dtext); } catch { throw new TsrunError(`restore: \`${join(imagePath, DESCRIPTORS)}\`: not a list of descriptors`); }
  }
  const joined = joinedNamespaces(spec, "restore");
  const workPath = o.workPath ? ensureDir(resolve(o.workPath)) : imagePath;
  replaceStopped(ctx, id);
  readableInUserns(spec, imagePath);

  const cg = newCg(ctx, { ...cgroupTarget(ctx, spec.linux?.cgroupsPath, id), id });
  const h = ctx.store().create(id);
  const st: ContainerState = {
    ociVersion: spec.ociVersion, id, pid: 0, bundle, rootfs, created: new Date().toISOString(),
    annotations: spec.annotations, owner: "", phase: "creating", initStartTime: 0, cgroup: cg.paths, spec,
  };
  const nsFds: number[] = [];
  const pidFile = join(h.dir, "criu.pid");
  try {
    h.write(st);                                    // from here on, delete --force can clean up
    cg.create(spec.linux?.resources);
    for (const n of joined) {
      try { nsFds.push(fs.openSync(n.path, fs.constants.O_RDONLY)); } catch (e) { throw sysError("open", n.path, e); }
    }
    const args = restoreArgv({
      imagePath, workPath, root: rootfs, pidFile,
      tcpEstablished: o.tcpEstablished, extUnixSk: o.extUnixSk, shellJob: o.shellJob, fileLocks: o.fileLocks,
      manageCgroupsMode: o.manageCgroupsMode, emptyNs, autoDedup: o.autoDedup,
      cgroupRoots: cgroupRoots(cg.paths, parseMountinfo(fs.readFileSync("/proc/self/mountinfo", "utf8"))),
      externals: restoreMountExternals(spec, bundle, DEFAULT_DEVICES.map(([p]) => p)),
      // our own stdio stands in for the checkpointed one (the caller's pipes, as runc does); then the namespaces
      inheritFds: [...descriptors.map((d) => ({ fd: d.fd, key: d.key })), ...joined.map((n, i) => ({ fd: 3 + i, key: EXTERNAL_NS[n.type].key }))],
    });
    ctx.log.debug(`restore: ${bin} ${args.join(" ")}`);
    if (o.subreaper !== false) ctx.sys().setSubreaper();
    const r = cg.joinsLate ? await criuInUnit(ctx, cg, bin, args, nsFds) : runCriu(bin, args, { inheritStdio: true, extraFds: nsFds });
    if (r.status !== 0) throw criuFailed("restore", "restore", r, join(workPath, "restore.log"));
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    const proc = readProcStat(pid);
    if (!proc) throw new TsrunError(`restore: the restored init (pid ${pid}) is not running`);
    st.pid = pid;
    st.initStartTime = proc.startTime;
    if (o.manageCgroupsMode === "ignore") cg.addProcess(pid);  // criu left it in our cgroup
    if (spec.linux?.resources) cg.apply(spec.linux.resources);
    st.phase = "created";                            // no exec fifo: the status reads "running"
    h.write(st);
    fs.rmSync(pidFile, { force: true });
    if (o.pidFile) writePidFile(o.pidFile, pid);
  } catch (e) {
    let pid = st.pid;
    try { pid ||= Number(fs.readFileSync(pidFile, "utf8").trim()); } catch { /* criu wrote none */ }
    if (pid > 0) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
    try { cg.killAll(9); } catch { /* nothing there */ }
    try { cg.destroy(); } catch (ce) { ctx.log.warn(`cleanup: ${(ce as Error).message}`); }
    h.remove();
    throw e;
  } finally {
    for (const fd of nsFds) fs.closeSync(fd);
  }
  h.close();
  if (o.detach) return 0;
  return foreground(ctx, id, st.pid);
}

/**
 * The systemd driver: the unit cannot exist before a process is in it, so criu is started held,
 * the unit is started with criu's pid (systemd puts it into the unit's cgroup, with the limits as
 * properties), and only then does criu run: it restores the tree into the cgroup it is in
 * (--cgroup-root, the unit's), and the unit holds the restored init once criu exits. runc does the
 * same (its cgroup manager applied to criu's pid).
 */
async function criuInUnit(ctx: Ctx, cg: CgroupManager, bin: string, args: string[], nsFds: number[]): Promise<CriuRun> {
  const gate = ctx.sys().pipe();
  let held;
  try {
    held = runCriuHeld(bin, args, gate, { extraFds: nsFds });
  } finally {
    fs.closeSync(gate[0]);
  }
  if (held.pid <= 0) return held.done;
  try {
    cg.addProcess(held.pid);
  } catch (e) {
    held.kill();
    await held.done;
    throw e;
  }
  held.go();
  return held.done;
}

/**
 * In a user namespace criu reads the images as the container's root, which cannot search a 0700
 * directory of the host's root: the directory gets the container root's group, read and search
 * only (0750). The files stay root's, so the container's root can read its own dump but change
 * nothing in it.
 */
function readableInUserns(spec: Spec, imagePath: string): void {
  const ids = spec.linux?.namespaces?.some((n) => n.type === "user") ? hostRootIds(spec) : undefined;
  if (!ids) return;
  try {
    fs.chownSync(imagePath, -1, ids.gid);
    fs.chmodSync(imagePath, 0o750);
  } catch (e) { throw sysError("chown", imagePath, e); }
}

/** A container that checkpoint stopped gives way to its restore; any other under this id is refused, as runc does. */
function replaceStopped(ctx: Ctx, id: string): void {
  let l;
  try { l = load(ctx, id); } catch { return; }
  try {
    if (l.status !== "stopped" || !l.st.checkpointed) throw new TsrunError(`container with id "${id}" already exists`);
    destroy(ctx, l);
  } finally {
    l.h.close();
  }
}

/** Without --detach: forward signals, wait for the restored init, delete the container, pass its status on. */
async function foreground(ctx: Ctx, id: string, pid: number): Promise<number> {
  const sys = ctx.sys();
  const fwd = forwardSignals(sys);
  let code: number;
  try {
    fwd.attach(pid);
    code = await waitExit(sys, pid);
  } finally {
    fwd.stop();
  }
  const l = load(ctx, id);
  try { destroy(ctx, l); } finally { l.h.close(); }
  return code;
}

function readImageFile(path: string): string | undefined {
  try { return fs.readFileSync(path, "utf8"); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw sysError("read", path, e);
  }
}
