/**
 * checkpoint: criu dumps a running (or paused) container's process tree into an image directory,
 * as runc does. criu is checked first (src/criu/binary.ts), so a host where it cannot work says
 * why in one line before anything is touched. Afterwards the container is stopped (its processes
 * are gone; `state` says stopped, `delete` removes it, `restore` may reuse its id), unless
 * --leave-running or --pre-dump keep it running.
 */
import * as fs from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Ctx } from "../context.js";
import { load } from "./container.js";
import { dumpArgv, criuErrorLine } from "../criu/argv.js";
import { usableCriu, runCriu } from "../criu/binary.js";
import {
  dumpMountExternals, emptyNamespaces, joinedNamespaces, nsExternal, parseMounts, stdioExternals, stdioKey, type Descriptor,
} from "../criu/externals.js";
import { DESCRIPTORS, META, metaOf } from "../criu/image.js";
import { DEFAULT_DEVICES } from "../plan/compile.js";

/** runc's checkpoint flags (src/flags.ts), as the library takes them */
export interface CriuFlags {
  /** the image directory (default ./checkpoint) */ imagePath?: string;
  /** criu's log and work files (default: the image directory) */ workPath?: string;
  tcpEstablished?: boolean;
  extUnixSk?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  /** soft, full, strict or ignore */ manageCgroupsMode?: string;
  /** runc's names: only "network" */ emptyNs?: string[];
  autoDedup?: boolean;
  /** refused: tsrun does not run criu's lazy-pages daemon */ lazyPages?: boolean;
}

export interface CheckpointOptions extends CriuFlags {
  /** previous images (a pre-dump), relative to imagePath */ parentPath?: string;
  leaveRunning?: boolean;
  preDump?: boolean;
  /** refused: no page server */ pageServer?: string;
  /** refused: only with lazy pages */ statusFd?: string | number;
}

/** What tsrun does not do, refused before anything else, in one line each. */
export function refuseUnsupported(verb: string, o: { lazyPages?: boolean; pageServer?: string; statusFd?: string | number }): void {
  if (o.lazyPages) throw new TsrunError(`${verb}: --lazy-pages is not supported`);
  if (o.pageServer !== undefined) throw new TsrunError(`${verb}: --page-server is not supported`);
  if (o.statusFd !== undefined) throw new TsrunError(`${verb}: --status-fd is not supported (it goes with --lazy-pages)`);
}

/** A directory criu writes to: made (0700) when missing. */
export function ensureDir(path: string): string {
  try { fs.mkdirSync(path, { recursive: true, mode: 0o700 }); } catch (e) { throw sysError("mkdir", path, e); }
  if (!fs.statSync(path).isDirectory()) throw new TsrunError(`mkdir \`${path}\`: not a directory: ENOTDIR`, "ENOTDIR");
  return path;
}

export function checkpointContainer(ctx: Ctx, id: string, o: CheckpointOptions): void {
  refuseUnsupported("checkpoint", o);
  const emptyNs = emptyNamespaces(o.emptyNs, "checkpoint");
  if (o.parentPath !== undefined && isAbsolute(o.parentPath)) throw new TsrunError("checkpoint: --parent-path must be relative (to the image path)");
  const bin = usableCriu(ctx.criu, "checkpoint");
  const { h, st, status } = load(ctx, id);
  try {
    if (status !== "running" && status !== "paused") throw new TsrunError(`container cannot be checkpointed in ${status} state`);
    if (st.spec.process?.terminal) throw new TsrunError("checkpoint: a container with a terminal (process.terminal) cannot be checkpointed by tsrun");
    const joined = joinedNamespaces(st.spec, "checkpoint");
    const imagePath = ensureDir(resolve(o.imagePath ?? "checkpoint"));
    if (o.parentPath !== undefined) {
      const p = resolve(imagePath, o.parentPath);
      let ok = false;
      try { ok = fs.statSync(p).isDirectory(); } catch (e) { throw new TsrunError(`checkpoint: invalid --parent-path: stat \`${p}\`: ${(e as NodeJS.ErrnoException).code}`); }
      if (!ok) throw new TsrunError(`checkpoint: invalid --parent-path: \`${p}\`: ENOTDIR`);
    }
    const workPath = o.workPath ? ensureDir(resolve(o.workPath)) : imagePath;
    const mounts = parseMounts(readProc(st.pid, "mountinfo"));
    const descriptors = stdioOf(st.pid, new Set(mounts.map((m) => m.id)));
    const externals = [
      ...dumpMountExternals(st.spec, mounts, DEFAULT_DEVICES.map(([p]) => p)),
      ...joined.map((n) => nsExternal(n.type, statIno(n.path))),
      ...stdioExternals(descriptors),
    ];
    const args = dumpArgv({
      pid: st.pid, imagePath, workPath, parentPath: o.parentPath, leaveRunning: o.leaveRunning, preDump: o.preDump,
      tcpEstablished: o.tcpEstablished, extUnixSk: o.extUnixSk, shellJob: o.shellJob, fileLocks: o.fileLocks,
      manageCgroupsMode: o.manageCgroupsMode, emptyNs, autoDedup: o.autoDedup,
      freezeCgroup: st.cgroup.v2 ?? st.cgroup.v1?.freezer, externals,
    });
    ctx.log.debug(`checkpoint: ${bin} ${args.join(" ")}`);
    const r = runCriu(bin, args);
    if (r.status !== 0) throw criuFailed("checkpoint", o.preDump ? "pre-dump" : "dump", r, join(workPath, o.preDump ? "pre-dump.log" : "dump.log"));
    if (!o.preDump) {
      writeImageFile(join(imagePath, DESCRIPTORS), JSON.stringify(descriptors));
      writeImageFile(join(imagePath, META), JSON.stringify(metaOf(st.spec)));
      if (!o.leaveRunning) h.write({ ...st, checkpointed: true });
    }
  } finally {
    h.close();
  }
}

/** criu's failure in one line: the error its log (or output) names, and where the log is. */
export function criuFailed(verb: string, action: string, r: { status: number | null; out: string; error?: string }, log: string): TsrunError {
  let text = r.out;
  try { text = fs.readFileSync(log, "utf8") + "\n" + r.out; } catch { /* no log: criu's own output */ }
  const why = r.error ?? criuErrorLine(text) ?? `exit status ${r.status}`;
  return new TsrunError(`${verb}: criu ${action} failed: ${why} (log: ${log})`);
}

function readProc(pid: number, what: string): string {
  const p = `/proc/${pid}/${what}`;
  try { return fs.readFileSync(p, "utf8"); } catch (e) { throw sysError("read", p, e); }
}

function statIno(path: string): number {
  try { return fs.statSync(path).ino; } catch (e) { throw sysError("stat", path, e); }
}

/** The init's fds 0-2 as criu will see them (an fd that is closed is left out). */
function stdioOf(pid: number, containerMounts: ReadonlySet<number>): Descriptor[] {
  const out: Descriptor[] = [];
  for (const fd of [0, 1, 2]) {
    try {
      const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const mnt = Number(/^mnt_id:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))?.[1] ?? -1);
      const key = stdioKey(link, mnt, fs.statSync(`/proc/${pid}/fd/${fd}`).ino, containerMounts);
      if (key) out.push({ fd, key });
    } catch { /* not open */ }
  }
  return out;
}

/** A file of ours in the image directory, written without following a planted link. */
function writeImageFile(path: string, text: string): void {
  try {
    fs.rmSync(path, { force: true });
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try { fs.writeSync(fd, text); } finally { fs.closeSync(fd); }
  } catch (e) { throw sysError("write", path, e); }
}
