// Rootless podman for the e2e tier: a fresh unprivileged user (test/helpers/rootless-user.ts)
// runs podman with tsrun as its runtime, rootless storage (vfs) under a temp dir, and the
// containers.conf the README shows for rootless use on this kind of host (cgroupfs manager,
// no network namespace setup). podman calls tsrun as uid 0 inside its own user namespace.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { cmd, pidsWith, sleep, type CmdOptions, type CmdResult } from "./proc.js";
import { makeUser, removeUser, userEnv, giveTo, SETPRIV, type TestUser } from "../../helpers/rootless-user.js";

/** containers.conf for rootless podman with tsrun (the README's rootless section). */
export function rootlessContainersConf(dir: string, tsrun: string): string {
  return [
    "[containers]",
    'netns = "none"',
    'log_driver = "k8s-file"',
    "",
    "[engine]",
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = ${JSON.stringify(join(dir, "events.log"))}`,
    'runtime = "tsrun"',
    'runtime_supports_json = ["tsrun"]',
    "",
    "[engine.runtimes]",
    `tsrun = [${JSON.stringify(tsrun)}]`,
    "",
  ].join("\n");
}

export class RootlessPodman {
  readonly u: TestUser;
  readonly dir: string;
  private n = 0;

  constructor() {
    this.u = makeUser("tspod");
    this.dir = join(this.u.dir, "podman");
    mkdirSync(this.dir);
    writeFileSync(join(this.dir, "containers.conf"), rootlessContainersConf(this.dir, this.u.tsrun));
    writeFileSync(join(this.dir, "storage.conf"), [
      "[storage]", 'driver = "vfs"',
      `graphroot = ${JSON.stringify(join(this.dir, "graph"))}`, `runroot = ${JSON.stringify(join(this.dir, "run"))}`, "",
    ].join("\n"));
    giveTo(this.u, this.dir);
  }

  name(prefix = "r"): string {
    return `${prefix}-${process.pid}-${this.n++}`;
  }

  /** `podman --runtime <tsrun> ARGS` as the user, in a login-like environment. */
  podman(args: string[], opts: CmdOptions = {}): Promise<CmdResult> {
    const env = userEnv(this.u, {
      CONTAINERS_CONF: join(this.dir, "containers.conf"), CONTAINERS_STORAGE_CONF: join(this.dir, "storage.conf"),
    });
    return cmd(SETPRIV, ["--reuid", String(this.u.uid), "--regid", String(this.u.gid), "--init-groups", "env", "-i", ...env,
      "podman", "--runtime", this.u.tsrun, ...args], { cwd: this.dir, timeoutMs: 60_000, ...opts });
  }

  /** Containers, images, then podman's own processes of this user (by pid: its pause process and conmons), then the user. */
  async cleanup(): Promise<void> {
    try {
      await this.podman(["rm", "--all", "--force", "--time", "0"], { timeoutMs: 60_000 });
      await this.podman(["rmi", "--all", "--force"], { timeoutMs: 30_000 });
    } finally {
      const pids = pidsWith("conmon", this.dir);
      try { pids.push(Number(readFileSync(join(this.u.xdg, "libpod", "tmp", "pause.pid"), "utf8").trim())); } catch { /* never started */ }
      for (const pid of pids) { if (pid > 0) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } } }
      await sleep(100);
      removeUser(this.u);
    }
  }
}
