/**
 * OCI hooks: each gets the state JSON on stdin, its own args (args[0] is argv[0]),
 * its env (the runtime's when none is given, as runc does) and a timeout.
 */
import { fault, type FaultPoint } from "./fault.js";
import { spawnSync } from "node:child_process";
import { TsrunError } from "./errors.js";
import type { Ctx } from "./context.js";

export interface Hook { path: string; args?: string[]; env?: string[]; timeout?: number }
export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];

export function runHooks(ctx: Ctx, hooks: Hook[] | undefined, kind: HookKind, state: object, opts: { failIsError: boolean }): void {
  (hooks ?? []).forEach((hook, i) => {
    const env = hook.env ? Object.fromEntries(hook.env.map((e) => { const k = e.indexOf("="); return k < 0 ? [e, ""] : [e.slice(0, k), e.slice(k + 1)]; })) : process.env;
    const r = spawnSync(hook.path, (hook.args ?? [hook.path]).slice(1), {
      argv0: hook.args?.[0] ?? hook.path, env, input: JSON.stringify(state),
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
    const msg = `${kind} hook #${i} \`${hook.path}\`: ${why}${detail ? `: ${detail}` : ""}`;
    if (opts.failIsError) throw new TsrunError(msg);
    ctx.log.warn(msg);
  });
}
