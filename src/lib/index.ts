/**
 * tsrun as a library: `import { Runtime } from "tsrun"`.
 *
 *   const rt = new Runtime({ root: "/run/my-app" });
 *   const c = await rt.create("web", { bundle: "/srv/bundles/web" });
 *   await c.start();
 *   for await (const ev of c.events({ interval: 1000 })) console.log(ev);
 *   console.log(await c.wait(), (await c.state()).status);   // 0 "stopped"
 *   await c.delete();
 *
 * Errors are RuntimeErrors: `code` (ECONFIG, ENOTFOUND, EEXIST, ESTATE, an errno name, or ERUNTIME),
 * `op` (the call), `configPath` (for ECONFIG) and the one-line `message` the tsrun command prints.
 * Calls need root (or a rootless setup) as the tsrun command does.
 */
export { Runtime, type RuntimeOptions, type RuntimeCreateOptions } from "./runtime.js";
export { Container } from "./container.js";
export { RuntimeError, type ErrorCode } from "./errors.js";
export { TsrunError } from "../errors.js";
export type { LogSink } from "../context.js";
export type { ExecOptions, Execd, ProcessFor } from "../lifecycle/exec.js";
export type { RunOptions } from "../lifecycle/run.js";
export type { CheckpointOptions } from "../lifecycle/checkpoint.js";
export type { RestoreOptions } from "../lifecycle/restore.js";
export type { ContainerEvent, OciState } from "../lifecycle/query.js";
export type { Process, Spec } from "../spec/schema.js";
export type { LinuxResources } from "../cgroup/types.js";
export type { CgroupStats } from "../cgroup/stats.js";
export type { Explained, ExplainedOp, ExplainedHook } from "../plan/explain.js";
