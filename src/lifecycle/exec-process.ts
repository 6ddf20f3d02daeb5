/**
 * What exec runs and where: runc's getProcess (the --process file as it is, or the container's
 * process with exec's flags on top) and --cgroup's sub-cgroups. Pure but for reading files.
 */
import * as fs from "node:fs";
import { join, isAbsolute, normalize } from "node:path";
import { TsrunError } from "../errors.js";
import { loadProcess, type Process } from "../spec/load.js";
import type { CgroupPaths } from "../cgroup/manager.js";

/** exec's flags that shape the process (runc's names). */
export interface ExecFlags {
  process?: string; tty?: boolean; cwd?: string; env?: string[]; user?: string; additionalGids?: string[]; cap?: string[];
  /** false with --no-new-privs (commander's negation) */ newPrivs?: boolean;
  apparmor?: string; processLabel?: string;
}

const uint = (v: string, what: string): number => {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new TsrunError(`exec: invalid ${what} ${JSON.stringify(v)}`);
  return Number(v);
};

/** runc's getProcess: --process as it is, or the container's process with these args and flags on top. */
export function execProcess(base: Process | undefined, args: string[], o: ExecFlags): Process {
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
export function subCgroups(paths: CgroupPaths, values: string[]): { v2?: string; v1: Record<string, string> } | undefined {
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
