/**
 * A container of a Runtime. Each call reads the state afresh under the container's flock, so
 * any number of Container objects (and tsrun commands) can act on one id. The lifecycle
 * modules are imported when a call first needs them: a program that only reads state never
 * loads the plan compiler or the cgroup drivers.
 */
import type { Ctx } from "../context.js";
import type { Process } from "../spec/schema.js";
import type { LinuxResources } from "../cgroup/types.js";
import type { CgroupStats } from "../cgroup/stats.js";
import type { ExecOptions, Execd, ProcessFor } from "../lifecycle/exec.js";
import type { ContainerEvent, OciState } from "../lifecycle/query.js";
import type { CheckpointOptions } from "../lifecycle/checkpoint.js";
import { TsrunError } from "../errors.js";
import { guard } from "./errors.js";

export class Container {
  #ctx: () => Promise<Ctx>;
  /** the init's pid when this Runtime created the container: wait() reaps it */
  #child: number;
  #exit?: Promise<number | null>;

  /** @internal Runtime.create, get and container make Containers. */
  constructor(ctx: () => Promise<Ctx>, readonly id: string, child = 0) {
    this.#ctx = ctx;
    this.#child = child;
  }

  /** Let the waiting init exec the container's process (runs the startContainer and poststart hooks). */
  start(): Promise<void> {
    return guard("start", async () => (await import("../lifecycle/start.js")).startContainer(await this.#ctx(), this.id));
  }

  /** The OCI state object: ociVersion, id, pid (0 once stopped), status, bundle, rootfs, created, annotations, owner. */
  state(): Promise<OciState> {
    return guard("state", async () => (await import("../lifecycle/query.js")).containerState(await this.#ctx(), this.id));
  }

  /** Send a signal (a number or a name: 9, "KILL", "SIGKILL") to init, or with `all` to every process of the container. */
  kill(signal: number | string = "SIGTERM", opts: { all?: boolean } = {}): Promise<void> {
    return guard("kill", async () => {
      const sig = typeof signal === "number" ? signal : (await import("../signals.js")).parseSignal(signal);
      (await import("../lifecycle/ops.js")).killContainer(await this.#ctx(), this.id, sig, opts);
    });
  }

  pause(): Promise<void> {
    return guard("pause", async () => (await import("../lifecycle/ops.js")).pauseContainer(await this.#ctx(), this.id));
  }

  resume(): Promise<void> {
    return guard("resume", async () => (await import("../lifecycle/ops.js")).resumeContainer(await this.#ctx(), this.id));
  }

  /** Change the cgroup limits (linux.resources' shape); the result is kept for later updates. */
  update(resources: LinuxResources): Promise<void> {
    return guard("update", async () => (await import("../lifecycle/ops.js")).updateContainer(await this.#ctx(), this.id, resources));
  }

  /**
   * Run one more process in the container: an OCI process, or a function that makes one from
   * the container's own. Without `detach` this process's signals are forwarded to it, its stdio
   * is relayed to ours, and the result has its exit status; with it, `code` is 0.
   */
  exec(process: Process | ProcessFor, opts: ExecOptions = {}): Promise<Execd> {
    const make: ProcessFor = typeof process === "function" ? process : () => structuredClone(process);
    return guard("exec", async () => (await import("../lifecycle/exec.js")).execIn(await this.#ctx(), this.id, make, opts));
  }

  /** The pids of every process in the container (host pid namespace). */
  ps(): Promise<number[]> {
    return guard("ps", async () => (await import("../lifecycle/query.js")).containerPids(await this.#ctx(), this.id));
  }

  /** One reading of the container's cgroup statistics (cpu, memory, pids, blkio, hugetlb, …). */
  stats(): Promise<CgroupStats> {
    return guard("stats", async () => (await import("../lifecycle/query.js")).containerStats(await this.#ctx(), this.id));
  }

  /**
   * Stats every `interval` (milliseconds, or a duration such as "5s"; the first at once) and an
   * `oom` event whenever the kernel OOM-kills in the container, until the container stops.
   */
  async *events(opts: { interval?: number | string } = {}): AsyncGenerator<ContainerEvent> {
    const q = await import("../lifecycle/query.js");
    const ms = await guard("events", async () => typeof opts.interval === "number" ? positive(opts.interval)
      : (await import("../cgroup/events.js")).parseInterval(opts.interval ?? "5s"));
    const it = q.containerEvents(await this.#ctx(), this.id, ms);
    for (;;) {
      const r = await guard("events", () => it.next());
      if (r.done) return;
      yield r.value;
    }
  }

  /**
   * Dump the container's processes with criu into an image directory (runc's checkpoint). Afterwards it is
   * stopped, unless `leaveRunning` or `preDump`; `Runtime.restore` brings it back.
   */
  checkpoint(opts: CheckpointOptions = {}): Promise<void> {
    return guard("checkpoint", async () => (await import("../lifecycle/checkpoint.js")).checkpointContainer(await this.#ctx(), this.id, opts));
  }

  /** Remove the container: poststop hooks, cgroups, state. One that is not stopped needs `force` (it is killed). */
  delete(opts: { force?: boolean } = {}): Promise<void> {
    return guard("delete", async () => (await import("../lifecycle/ops.js")).deleteContainer(await this.#ctx(), this.id, opts));
  }

  /**
   * Wait until init exits. When this Runtime created the container, the init's exit status
   * (128+signal when killed); otherwise null, once the container has stopped.
   */
  wait(): Promise<number | null> {
    this.#exit ??= guard("wait", async () => {
      if (this.#child > 0) {
        const { exitCodeOf } = await import("../sys/types.js");
        return exitCodeOf((await (await this.#ctx()).sys().waitpid(this.#child)).status);
      }
      const q = await import("../lifecycle/query.js");
      const ctx = await this.#ctx();
      for (;;) {
        let status: string;
        try { status = q.containerState(ctx, this.id).status; } catch { return null; }
        if (status === "stopped") return null;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    return this.#exit;
  }
}

function positive(ms: number): number {
  if (!(ms > 0)) throw new TsrunError(`events: interval must be positive, got ${ms}`);
  return ms;
}
