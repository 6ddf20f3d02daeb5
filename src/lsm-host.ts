/** Which LSMs the host has enabled (read at create). */
import { existsSync, readFileSync } from "node:fs";
import type { LsmHost } from "./plan/lsm.js";

export function lsmHost(): LsmHost {
  let apparmor = false;
  try { apparmor = readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").trim() === "Y"; } catch { /* no module */ }
  const selinux = existsSync("/sys/fs/selinux/enforce");
  return { apparmor, selinux };
}
