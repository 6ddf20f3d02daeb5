/**
 * `--systemd-cgroup` (podman with cgroup_manager = "systemd", containerd with SystemdCgroup):
 * linux.cgroupsPath is then "slice:prefix:name", the unit systemd makes (src/cgroup/systemd.ts)
 * and where its cgroup is:
 *   "machine.slice:libpod:ID"  ->  libpod-ID.scope in machine.slice: /machine.slice/libpod-ID.scope
 *   "a-b.slice:p:n"            ->  p-n.scope in a-b.slice: /a.slice/a-b.slice/p-n.scope
 *   ":tsrun:ID" or no path     ->  tsrun-ID.scope in system.slice: /system.slice/tsrun-ID.scope
 * The driver is chosen per Runtime (src/context.ts: systemdCgroup), or by a cgroupsPath of that
 * form. Pure functions.
 */
import { TsrunError } from "../errors.js";

const bad = (p: string, why: string): TsrunError =>
  new TsrunError(`config.json: linux.cgroupsPath: "${p}" is not a systemd "slice:prefix:name" path (--systemd-cgroup): ${why}`);

/** "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" (the root slice) -> "". */
export function expandSlice(slice: string, whole: string): string {
  if (!slice.endsWith(".slice") || slice.includes("/")) throw bad(whole, `"${slice}" is not a slice name`);
  if (slice === "-.slice") return "";
  const base = slice.slice(0, -".slice".length);
  if (base === "" || base.startsWith("-") || base.endsWith("-") || base.includes("--")) throw bad(whole, `invalid slice name "${slice}"`);
  let path = "";
  let prefix = "";
  for (const part of base.split("-")) {
    prefix = prefix ? `${prefix}-${part}` : part;
    path += `/${prefix}.slice`;
  }
  return path;
}

/** The unit of a container: its slice, its scope's name, and the scope's cgroup path. */
export interface UnitName { slice: string; unit: string; cgroup: string }

/** "slice:prefix:name": three fields, no "/" (a cgroupfs path never has this form). */
export function isSystemdPath(cgroupsPath: string | undefined): boolean {
  return !!cgroupsPath && /^[^/:]*:[^/:]*:[^/:]+$/.test(cgroupsPath);
}

/** The systemd driver is used with --systemd-cgroup, or for a slice:prefix:name cgroupsPath by itself, as runc does. */
export function usesSystemd(flag: boolean, cgroupsPath: string | undefined): boolean {
  return flag || isSystemdPath(cgroupsPath);
}

export function unitFor(cgroupsPath: string | undefined, id: string): UnitName {
  const p = cgroupsPath || `:tsrun:${id}`;
  const parts = p.split(":");
  if (parts.length !== 3) throw bad(p, "expected three fields separated by ':'");
  const [s, prefix, name] = parts;
  if (!name || /[/\\\s]/.test(name) || /[/\\\s]/.test(prefix)) throw bad(p, "the unit name must be one path component");
  if (name.endsWith(".slice")) throw bad(p, "a slice as the container's own unit is not supported (a scope is made)");
  const slice = s || "system.slice";
  const parent = expandSlice(slice, p);
  const unit = `${prefix ? `${prefix}-` : ""}${name}.scope`;
  return { slice, unit, cgroup: `${parent}/${unit}` };
}
