/**
 * OCI hooks: each gets the state JSON on stdin, its own args (args[0] is argv[0]),
 * its env (the runtime's when none is given, as runc does) and a timeout.
 */
import { accessSync, constants, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { TsrunError, sysError } from "./errors.js";
import type { Spec } from "./spec/schema.js";
import { START_STATE_FILE } from "./plan/hooks.js";
import { fault, type FaultPoint } from "./fault.js";
import type { Ctx } from "./context.js";

export interface Hook { path: string; args?: string[]; env?: string[]; timeout?: number }
export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

/** opts.cwd: where the hook starts (runc's: the bundle for the runtime's hooks, the rootfs for createContainer); else ours */
export function runHooks(ctx: Ctx, hooks: Hook[] | undefined, kind: HookKind, state: object, opts: { failIsError: boolean; cwd?: string }): void {
  if (!hooks?.length) return;
  hooks.forEach((hook, i) => {
    const env = hook.env ? Object.fromEntries(hook.env.map((e) => { const k = e.indexOf("="); return k < 0 ? [e, ""] : [e.slice(0, k), e.slice(k + 1)]; })) : process.env;
    const r = process.getBuiltinModule("node:child_process").spawnSync(hook.path, (hook.args ?? [hook.path]).slice(1), {
      argv0: hook.args?.[0] ?? hook.path, env, input: JSON.stringify(state), cwd: opts.cwd,
      timeout: hook.timeout ? hook.timeout * 1000 : undefined, stdio: ["pipe", "pipe", "pipe"], killSignal: "SIGKILL",
    });
    let why: string | undefined;
    // a hook that exits without reading its stdin is fine (runc ignores EPIPE there too)
    const epipe = (r.error as NodeJS.ErrnoException | undefined)?.code === "EPIPE" && r.status !== null;
    if (r.error && !epipe) why = (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `timed out after ${hook.timeout}s` : `${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`;
    else if (r.signal) why = `killed by ${r.signal}`;
    else if (r.status !== 0) why = `exit status ${r.status}`;
    if (i === 0) fault(`hook-${kind}` as FaultPoint);
    if (!why) return;
    const detail = (r.stderr?.toString() ?? "").trim().split("\n")[0];
    const msg = `error running hook #${i} (${kind}) \`${hook.path}\`: ${why}${detail ? `: ${detail}` : ""}`;   // runc's words first
    if (opts.failIsError) throw new TsrunError(msg);
    ctx.log.warn(msg);
  });
}

/**
 * prestart, createRuntime, createContainer: run by create while init waits at OP_HOOK_SYNC, from
 * where runc runs them: the bundle, and for createContainer the container's root (before pivot_root).
 */
export function runCreateHooks(ctx: Ctx, stateDir: string, spec: Spec, state: object, dirs: { bundle: string; rootfs: string }): void {
  if (spec.hooks?.startContainer?.length) {
    // stdin of the startContainer hooks, read inside the container (OP_HOOK_EXEC)
    const file = join(stateDir, START_STATE_FILE);
    try { writeFileSync(file, JSON.stringify(state), { mode: 0o644 }); } catch (e) { throw sysError("write", file, e); }
  }
  runHooks(ctx, spec.hooks?.prestart, "prestart", state, { failIsError: true, cwd: dirs.bundle });
  runHooks(ctx, spec.hooks?.createRuntime, "createRuntime", state, { failIsError: true, cwd: dirs.bundle });
  runHooks(ctx, spec.hooks?.createContainer, "createContainer", state, { failIsError: true, cwd: dirs.rootfs });
}

/** Hooks run by the runtime must exist before anything is set up (bad input, no leftovers). */
export function checkHookPaths(spec: Spec): void {
  for (const kind of HOOK_KINDS) {
    (spec.hooks?.[kind] ?? []).forEach((h, i) => {
      const where = `config.json: hooks.${kind}[${i}].path`;
      if (!isAbsolute(h.path)) throw new TsrunError(`${where}: \`${h.path}\` is not an absolute path`);
      if (kind === "startContainer") return;         // resolved inside the container
      try { accessSync(h.path, constants.X_OK); } catch (e) { throw new TsrunError(`${where}: \`${h.path}\`: ${(e as NodeJS.ErrnoException).code}`); }
    });
  }
}
