/**
 * `--systemd-cgroup` (podman with cgroup_manager = "systemd", containerd with SystemdCgroup):
 * linux.cgroupsPath is then "slice:prefix:name". tsrun does not talk to systemd over D-Bus; it
 * creates the cgroup where systemd would put that unit, with the cgroupfs driver:
 *   "machine.slice:libpod:ID"  ->  /machine.slice/libpod-ID.scope
 *   "a-b.slice:p:n"            ->  /a.slice/a-b.slice/p-n.scope
 *   ":tsrun:ID" or no path     ->  /system.slice/tsrun-ID.scope
 * Pure functions; the driver is chosen per Runtime (src/context.ts: systemdCgroup).
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

/** The cgroupfs path for a systemd cgroupsPath (see the header). */
export function systemdCgroupPath(cgroupsPath: string | undefined, id: string): string {
  const p = cgroupsPath || `:tsrun:${id}`;
  const parts = p.split(":");
  if (parts.length !== 3) throw bad(p, "expected three fields separated by ':'");
  const [slice, prefix, name] = parts;
  if (!name || name.includes("/") || prefix.includes("/")) throw bad(p, "the unit name must be one path component");
  const parent = expandSlice(slice || "system.slice", p);
  if (name.endsWith(".slice")) return expandSlice(name, p) || "/";
  return `${parent}/${prefix ? `${prefix}-` : ""}${name}.scope`;
}

/** linux.cgroupsPath as the cgroupfs driver should see it, under the systemd driver or not. */
export function cgroupsPathFor(cgroupsPath: string | undefined, id: string, systemd: boolean): string | undefined {
  return systemd ? systemdCgroupPath(cgroupsPath, id) : cgroupsPath;
}
