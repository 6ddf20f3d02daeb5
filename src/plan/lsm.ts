/**
 * AppArmor and SELinux. tsrun can only honour process.apparmorProfile / process.selinuxLabel
 * when the host has that LSM; asking for one on a host without it is an error (silently
 * running unconfined would be worse). linux.mountLabel only matters with SELinux.
 */
import type { Spec } from "../spec/schema.js";
import { TsrunError } from "../errors.js";

export interface LsmHost { apparmor: boolean; selinux: boolean }

export function checkLsm(spec: Spec, host: LsmHost): void {
  const p = spec.process;
  if (p?.apparmorProfile && !host.apparmor) {
    throw new TsrunError(`config.json: process.apparmorProfile: "${p.apparmorProfile}" requested, but AppArmor is not enabled on this host`);
  }
  if (p?.selinuxLabel && !host.selinux) {
    throw new TsrunError(`config.json: process.selinuxLabel: "${p.selinuxLabel}" requested, but SELinux is not enabled on this host`);
  }
  if (p?.apparmorProfile || p?.selinuxLabel) {
    // the hosts tsrun supports so far have neither LSM: writing /proc/thread-self/attr/exec is not wired up yet
    throw new TsrunError("config.json: process: LSM labels are not supported by tsrun yet");
  }
}
