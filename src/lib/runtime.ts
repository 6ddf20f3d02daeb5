/**
 * The library's entry: one Runtime per state root. It holds its own context (root, logger,
 * cgroup driver, the kernel interface) and nothing global; it never writes stdout and never
 * exits the process. Every tsrun command is a thin adapter over it.
 */
import { makeCtx, type Ctx, type LogSink, type CgroupFactory } from "../context.js";
import type { Sys } from "../sys/types.js";
import type { CreateOptions } from "../lifecycle/create.js";
import type { RunOptions } from "../lifecycle/run.js";
import type { RestoreOptions } from "../lifecycle/restore.js";
import type { OciState } from "../lifecycle/query.js";
import type { Explained } from "../plan/explain.js";
import { Container } from "./container.js";
import { guard } from "./errors.js";
import { TsrunError } from "../errors.js";
import { defaultRoot, hostIds, isRootless, parseRootless, xdgProblem } from "../rootless.js";

export interface RuntimeOptions {
  /** the state directory, as `tsrun --root` (default /run/tsrun; rootless: $XDG_RUNTIME_DIR/tsrun) */
  root?: string;
  /** where warnings and debug lines go; default: nowhere */
  log?: LogSink;
  /** "systemd": linux.cgroupsPath is "slice:prefix:name", as with `--systemd-cgroup` */
  cgroupDriver?: "cgroupfs" | "systemd";
  /** as `tsrun --rootless`: true, false, or "auto" (the default: the euid is not 0, or tsrun runs in a user namespace) */
  rootless?: boolean | string;
  /** the criu binary checkpoint and restore run (as `tsrun --criu`); default: `criu` on PATH */
  criu?: string;
  /** @internal tests: the kernel interface (default: the native one, libtsrun through koffi) */
  sys?: () => Sys;
  /** @internal tests: how cgroup managers are made */
  cgroups?: CgroupFactory;
}

export interface RuntimeCreateOptions extends Omit<CreateOptions, "foreground"> {
  /**
   * Become a child subreaper (default true) so that wait() gets init's exit status even when
   * init is forked inside a new pid namespace. A process-wide setting: false leaves it alone.
   */
  subreaper?: boolean;
}

const QUIET: LogSink = { error() {}, warn() {}, debug() {} };

export class Runtime {
  readonly root: string;
  /** whether this runtime runs without the host's privileges (`--rootless`, decided once) */
  readonly rootless: boolean;
  #setupError?: TsrunError;
  readonly log: LogSink;
  #opts: RuntimeOptions;
  #ctx?: Ctx;

  constructor(opts: RuntimeOptions = {}) {
    this.#opts = opts;
    this.rootless = false;
    try {
      this.rootless = isRootless(parseRootless(opts.rootless), hostIds());
      this.root = opts.root ?? defaultRoot(this.rootless, process.geteuid!(), process.env, xdgProblem);
    } catch (e) {
      if (!(e instanceof TsrunError)) throw e;
      this.root = "";
      this.#setupError = e;                       // the first call that needs the state root fails with it
    }
    this.log = opts.log ?? QUIET;
  }

  #ctxOf = (): Promise<Ctx> => this.#context();

  async #context(): Promise<Ctx> {
    if (this.#ctx) return this.#ctx;
    if (this.#setupError) throw this.#setupError;
    const sys = this.#opts.sys ?? (await import("../sys/native.js")).nativeSys;
    return (this.#ctx ??= makeCtx({
      root: this.root, log: this.log, rootless: this.rootless, systemdCgroup: this.#opts.cgroupDriver === "systemd",
      criu: this.#opts.criu, sys, cgroups: this.#opts.cgroups,
    }));
  }

  /** Create a container from a bundle: it waits, "created", until start(). Nothing is left behind on failure. */
  create(id: string, opts: RuntimeCreateOptions = {}): Promise<Container> {
    return guard("create", async () => {
      const ctx = await this.#context();
      const [{ createContainer }, { validateId }] = await Promise.all([import("../lifecycle/create.js"), import("../state/ids.js")]);
      const { subreaper, ...rest } = opts;
      validateId(id);                                   // before the process-wide subreaper flag
      if (subreaper !== false) ctx.sys().setSubreaper();
      const c = createContainer(ctx, id, rest);
      c.h.close();
      return new Container(this.#ctxOf, id, subreaper !== false ? c.pid : 0);
    });
  }

  /** An existing container; fails with code ENOTFOUND when there is none. */
  get(id: string): Promise<Container> {
    return guard("get", async () => {
      (await import("../lifecycle/query.js")).containerState(await this.#context(), id);
      return new Container(this.#ctxOf, id);
    });
  }

  /** The container named `id`, unchecked: each call fails with ENOTFOUND while there is none. */
  container(id: string): Container {
    return new Container(this.#ctxOf, id);
  }

  /** The OCI state of every container under the root. */
  list(): Promise<OciState[]> {
    return guard("list", async () => (await import("../lifecycle/query.js")).listContainers(await this.#context()));
  }

  /** What create would do with a bundle (the plan op by op, cgroup writes, hooks), without creating anything. */
  explain(bundle?: string): Promise<Explained> {
    return guard("explain", async () => (await import("../lifecycle/explain.js")).explainBundle(await this.#context(), bundle));
  }

  /**
   * Restore a container from a checkpoint (`Container.checkpoint`) through criu, from the bundle's config.
   * Detached, it resolves with 0 once the container runs; otherwise it waits, deletes the container and
   * resolves with its exit status.
   */
  restore(id: string, opts: RestoreOptions = {}): Promise<number> {
    return guard("restore", async () => (await import("../lifecycle/restore.js")).restoreContainer(await this.#context(), id, opts));
  }

  /**
   * create + start + wait + delete in the foreground, as `tsrun run`: this process's signals are
   * forwarded to init and its stdio relayed (or its terminal proxied). Resolves with the exit status.
   */
  run(id: string, opts: RunOptions = {}): Promise<number> {
    return guard("run", async () => (await import("../lifecycle/run.js")).runContainer(await this.#context(), id, opts));
  }
}
