/**
 * exec → plan. The process joins every namespace of the container's init through
 * /proc/<initpid>/ns/* (user first, mount last: see JOIN_ORDER), forks once more so
 * that it is inside the pid namespace, makes its own session, optionally gets a
 * terminal made inside the container, then runs the same process part as init.
 * Pure, like compile.ts.
 */
import type { Spec, Process } from "../spec/schema.js";
import { PlanBuilder, type Plan } from "./builder.js";
import { Op, PlanFlag, NAMESPACES, NS_PROC_NAME, type NamespaceType } from "./ops.js";
import { JOIN_ORDER, planProcess, type SeccompPlan } from "./compile.js";

export interface ExecOptions {
  /** pid of the container's init, in tsrun's pid namespace */
  initPid: number;
  seccomp?: SeccompPlan;
}

/** The pty: opened through the container's /dev/ptmx (which points into its own devpts). */
export function planConsole(b: PlanBuilder, p: Process): void {
  const rows = p.consoleSize?.height ?? 0, cols = p.consoleSize?.width ?? 0;
  // c: the uid the pty slave is chowned to (runc's fixStdioPermissions)
  b.op(Op.SETUP_CONSOLE, "set up the console \"/dev/ptmx\"", { a: rows, b: cols, c: p.user?.uid ?? 0, s: ["/dev/ptmx"] });
}

export function compileExec(spec: Spec, opts: ExecOptions): Plan {
  const b = new PlanBuilder("exec process");
  const types = new Set((spec.linux?.namespaces ?? []).map((n) => n.type as NamespaceType).filter((t) => t in NAMESPACES));
  for (const t of JOIN_ORDER) {
    if (!types.has(t)) continue;
    const path = `/proc/${opts.initPid}/ns/${NS_PROC_NAME[t]}`;
    b.op(Op.NSJOIN, `join ${t} namespace "${path}"`, { a: NAMESPACES[t], s: [path] });
  }
  // no mount namespace of its own: init is chrooted in the host's, so chroot where it is
  if (!types.has("mount")) b.op(Op.MOVE_ROOT, "chroot into the container's root", { a: 1, s: [`/proc/${opts.initPid}/root`] });
  if (types.has("pid")) b.flags |= PlanFlag.FORK_INIT;
  b.flags |= PlanFlag.SETSID;
  if (spec.process?.terminal) planConsole(b, spec.process);
  planProcess(b, spec, { gateOnStart: false, seccomp: opts.seccomp });
  return b.build();
}
