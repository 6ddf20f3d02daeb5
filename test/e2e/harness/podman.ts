// podman for the e2e tier, with its own containers.conf and storage.conf under a temp dir:
// cgroupfs, a file events logger, no network namespace setup, nofile/nproc limits this
// machine can grant, and tsrun registered by name in runtime_supports_json so conmon passes
// `--log-format=json --log <file>` (podman then shows tsrun's own error text).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TSRUN } from "../../helpers/cli.js";
import { cmd, baseEnv, pidsWith, unmountUnder, removeCgroup, sleep, type CmdOptions, type CmdResult } from "./proc.js";

/** containers.conf for podman with tsrun as the runtime. Also what the README shows. */
export function containersConf(dir: string, tsrun: string): string {
  return [
    "[containers]",
    'netns = "none"',
    'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
    'log_driver = "k8s-file"',
    "",
    "[engine]",
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = ${JSON.stringify(join(dir, "events.log"))}`,
    `tmp_dir = ${JSON.stringify(join(dir, "tmp"))}`,
    `volume_path = ${JSON.stringify(join(dir, "volumes"))}`,
    'runtime = "tsrun"',
    'runtime_supports_json = ["tsrun"]',
    "",
    "[engine.runtimes]",
    `tsrun = [${JSON.stringify(tsrun)}]`,
    "",
  ].join("\n");
}

export class Podman {
  readonly dir = mkdtempSync(join(tmpdir(), "tsrun-e2e-podman-"));
  readonly graphroot = join(this.dir, "graph");
  readonly runroot = join(this.dir, "run");
  private readonly env: NodeJS.ProcessEnv;
  private n = 0;

  constructor() {
    for (const d of ["graph", "run", "tmp", "volumes"]) mkdirSync(join(this.dir, d), { recursive: true });
    writeFileSync(join(this.dir, "containers.conf"), containersConf(this.dir, TSRUN));
    writeFileSync(join(this.dir, "storage.conf"), [
      "[storage]", 'driver = "overlay"',
      `graphroot = ${JSON.stringify(this.graphroot)}`, `runroot = ${JSON.stringify(this.runroot)}`, "",
    ].join("\n"));
    this.env = baseEnv({
      CONTAINERS_CONF: join(this.dir, "containers.conf"),
      CONTAINERS_STORAGE_CONF: join(this.dir, "storage.conf"),
    });
  }

  /** A fresh container name for this run. */
  name(prefix = "p"): string {
    return `${prefix}-${process.pid}-${this.n++}`;
  }

  /** `podman --runtime <abs path of tsrun> ARGS`, as the users type it. */
  podman(args: string[], opts: CmdOptions = {}): Promise<CmdResult> {
    return cmd("podman", ["--runtime", TSRUN, ...args], { env: this.env, ...opts });
  }

  /** The podman command line as a string for `script -c` (a pty for -it runs). */
  podmanEnvLine(): string {
    return `CONTAINERS_CONF=${this.env.CONTAINERS_CONF} CONTAINERS_STORAGE_CONF=${this.env.CONTAINERS_STORAGE_CONF} podman --runtime ${TSRUN}`;
  }

  get clientEnv(): NodeJS.ProcessEnv { return this.env; }

  /** Containers (stopped at once), images, conmons, mounts, cgroups, then the temp dir. */
  async cleanup(): Promise<void> {
    try {
      await this.podman(["rm", "--all", "--force", "--time", "0"], { timeoutMs: 60_000 });
      await this.podman(["rmi", "--all", "--force"], { timeoutMs: 30_000 });
    } finally {
      // conmon processes of this run name our runroot on their command line
      for (const pid of pidsWith("conmon", this.runroot)) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
      await sleep(100);
      unmountUnder(this.dir);
      removeCgroup("libpod_parent"); // only what is empty goes: another podman's containers stay
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
