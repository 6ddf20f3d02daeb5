/**
 * Rootless: whether tsrun runs without the host's privileges, and where its state goes then.
 * `--rootless auto` (the default) means rootless when the effective uid is not 0, or when tsrun
 * runs as uid 0 inside a user namespace that is not the host's (rootless podman calls the runtime
 * so). The decision is pure over what the edge reads (euid, /proc/self/uid_map, the environment).
 */
import * as fs from "node:fs";
import { TsrunError } from "./errors.js";
import { DEFAULT_ROOT } from "./state/store.js";

/** The uid_map of the initial user namespace: every id, mapped to itself. */
export function isInitialUserns(uidMap: string): boolean {
  const lines = uidMap.split("\n").map((l) => l.trim()).filter(Boolean);
  return lines.length === 1 && /^0\s+0\s+4294967295$/.test(lines[0]);
}

/** `--rootless` as runc reads it: auto (or empty), or a boolean word; anything else is an error. */
export function parseRootless(v: string | boolean | undefined): boolean | "auto" {
  if (typeof v === "boolean") return v;
  const s = (v ?? "auto").toLowerCase();
  if (s === "" || s === "auto") return "auto";
  if (["true", "1", "t", "yes"].includes(s)) return true;
  if (["false", "0", "f", "no"].includes(s)) return false;
  throw new TsrunError(`invalid --rootless value "${String(v)}": want auto, true or false`);
}

export interface HostIds { euid: number; uidMap: string }

export function isRootless(mode: boolean | "auto", host: HostIds): boolean {
  if (mode !== "auto") return mode;
  return host.euid !== 0 || !isInitialUserns(host.uidMap);
}

/**
 * The default state root: /run/tsrun, or $XDG_RUNTIME_DIR/tsrun when rootless (as uid 0 in a
 * user namespace only when XDG_RUNTIME_DIR is set and USER is not root, as runc decides). An
 * unprivileged caller without a usable XDG_RUNTIME_DIR gets one line saying so.
 */
export function defaultRoot(rootless: boolean, euid: number, env: NodeJS.ProcessEnv, check: (dir: string) => string | undefined): string {
  if (!rootless) return DEFAULT_ROOT;
  const xdg = env.XDG_RUNTIME_DIR ?? "";
  if (euid === 0 && (xdg === "" || env.USER === "root")) return DEFAULT_ROOT;
  if (xdg === "") throw new TsrunError("rootless: XDG_RUNTIME_DIR is not set: set it to a directory you own, or pass --root");
  if (!xdg.startsWith("/")) throw new TsrunError(`rootless: XDG_RUNTIME_DIR \`${xdg}\` is not an absolute path: set it to a directory you own, or pass --root`);
  const bad = check(xdg);
  if (bad) throw new TsrunError(`rootless: XDG_RUNTIME_DIR \`${xdg}\` is not usable: ${bad}: set it to a directory you own, or pass --root`);
  return `${xdg.replace(/\/+$/, "")}/tsrun`;
}

/** What is wrong with XDG_RUNTIME_DIR for this user, or undefined: a directory of ours we can write. */
export function xdgProblem(dir: string): string | undefined {
  let st: fs.Stats;
  try { st = fs.statSync(dir); } catch (e) { return `stat: ${(e as NodeJS.ErrnoException).code ?? "error"}`; }
  if (!st.isDirectory()) return "not a directory";
  if (st.uid !== process.geteuid!()) return "not owned by the current user";
  try { fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK); } catch (e) { return `access: ${(e as NodeJS.ErrnoException).code ?? "error"}`; }
  return undefined;
}

/** The host facts rootless auto-detection reads. */
export function hostIds(): HostIds {
  let uidMap = "0 0 4294967295";
  try { uidMap = fs.readFileSync("/proc/self/uid_map", "utf8"); } catch { /* no /proc: the initial namespace */ }
  return { euid: process.geteuid!(), uidMap };
}

/** Without privileges oom_score_adj can only be raised: a lower value is refused before anything is made. */
export function checkOomScoreAdj(want: number | undefined, current: number): void {
  if (want === undefined || want >= current) return;
  throw new TsrunError(`config.json: process.oomScoreAdj: ${want} is below tsrun's own ${current}: without privileges it can only be raised`);
}

/** This process's oom_score_adj (0 when /proc cannot tell). */
export function ownOomScoreAdj(): number {
  try { return Number(fs.readFileSync("/proc/self/oom_score_adj", "utf8").trim()) || 0; } catch { return 0; }
}
