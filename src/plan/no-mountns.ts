/**
 * A container without a mount namespace of its own (none listed in linux.namespaces) shares the
 * runtime's, as the spec says. tsrun then:
 * - leaves the host's "/" propagation alone (runc makes it rslave);
 * - binds the rootfs onto a directory of the container's own (<state dir>/rootfs) and makes the
 *   configured mounts on that bind, so that delete (or a failed create) removes them all by
 *   detaching that directory, and containers sharing a rootfs never see each other's mounts
 *   (src/host-mounts.ts);
 * - chroots into that bind instead of pivot_root or MS_MOVE, which would change the host's root;
 * - refuses what it cannot honour without changing the host, in one line.
 * Pure, like compile.ts.
 */
import type { Spec } from "../spec/schema.js";
import { TsrunError } from "../errors.js";

export function hasOwnMountNs(spec: Spec): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === "mount");
}

function refuse(field: string, why: string): never {
  throw new TsrunError(`config.json: ${field}: ${why} without a mount namespace (add {"type":"mount"} to linux.namespaces)`);
}

/** Throws for the settings that need a mount namespace of the container's own. */
export function checkNoMountNs(spec: Spec, rootfs: string): void {
  // the rootfs is bound (recursively) in the host's namespace and detached at delete: never the host's /
  if (rootfs.replace(/\/+$/, "") === "") refuse("root.path", "the host's / cannot be the rootfs");
  const l = spec.linux;
  const nss = l?.namespaces ?? [];
  if (nss.some((n) => n.type === "user" && !n.path)) refuse("linux.namespaces", "a new user namespace cannot mount in the host's mount namespace");
  if (l?.maskedPaths?.length) refuse("linux.maskedPaths", "paths cannot be masked");
  if (l?.readonlyPaths?.length) refuse("linux.readonlyPaths", "paths cannot be made read-only");
  if (l?.rootfsPropagation) refuse("linux.rootfsPropagation", "the propagation of / is the host's");
  (spec.mounts ?? []).forEach((m, i) => {
    const o = m.options ?? [];
    if (o.includes("idmap") || o.includes("ridmap") || m.uidMappings?.length || m.gidMappings?.length) {
      refuse(`mounts[${i}]`, "idmapped mounts are not supported");
    }
  });
}
