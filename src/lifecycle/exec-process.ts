/**
 * What exec runs and where: runc's getProcess (the --process file as it is, or the container's
 * process with exec's flags on top) and --cgroup's sub-cgroups. Pure but for reading files.
 */
import * as fs from "node:fs";
import { join, isAbsolute, posix } from "node:path";
import { TsrunError, errnoWords } from "../errors.js";
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

/**
 * --cgroup [controller[,controller]:]path, as runc reads it: a path alone (the only --cgroup then) is a sub-cgroup
 * of every hierarchy, cgroup2 included; with controllers, only theirs, found in each controller's own hierarchy
 * (co-mounted controllers move together). A path that leaves the container's cgroup, a controller the container
 * has no hierarchy for, or a sub-cgroup that does not exist is refused in runc's words.
 */
export function subCgroups(
  paths: CgroupPaths, values: string[], exists: (dir: string) => boolean = fs.existsSync,
): { v2?: string; v1: Record<string, string> } | undefined {
  if (!values.length) return undefined;
  const wanted = new Map<string, string>();                  // controller ("" = every hierarchy) -> sub path
  for (const v of values) {
    const cs = v.split(":");
    if (cs.length > 2) throw new TsrunError(`exec: invalid --cgroup argument: ${v}`);
    if (cs.length === 1) {
      if (values.length !== 1) throw new TsrunError(`exec: invalid --cgroup argument: ${v} (missing <controller>: prefix)`);
      wanted.set("", v);
    } else {
      for (const ctl of cs[0].split(",")) wanted.set(ctl, cs[1]);
    }
  }
  const v1 = paths.v1 ?? {};
  const out: { v2?: string; v1: Record<string, string> } = { v2: paths.v2, v1: { ...v1 } };
  const all = wanted.get("");
  if (all !== undefined) {
    if (paths.v2) out.v2 = under(paths.v2, all);
    for (const [c, dir] of Object.entries(v1)) out.v1[c] = under(dir, all);
  } else {
    for (const [ctl, add] of wanted) {
      const dir = Object.hasOwn(v1, ctl) ? v1[ctl] : undefined;
      if (dir === undefined) throw new TsrunError(`exec: --cgroup ${ctl}:${add}: unknown controller ${ctl}`);
      for (const [c, d] of Object.entries(v1)) if (d === dir) out.v1[c] = under(dir, add);
    }
  }
  for (const d of new Set([out.v2, ...Object.values(out.v1)])) {
    if (d && !exists(d)) {
      throw new TsrunError(`exec: --cgroup: adding pid to cgroups: open ${join(d, "cgroup.procs")}: ${errnoWords("ENOENT")} (ENOENT)`, "ENOENT");
    }
  }
  return out;
}

/** `dir`/`add`, which must stay inside `dir` (runc: "<add> is not a sub cgroup path"). */
function under(dir: string, add: string): string {
  const p = posix.join(dir, add).replace(/(?<=.)\/+$/, "");
  if (p !== dir && !p.startsWith(dir.endsWith("/") ? dir : dir + "/")) throw new TsrunError(`exec: --cgroup: ${add} is not a sub cgroup path`);
  return p;
}
