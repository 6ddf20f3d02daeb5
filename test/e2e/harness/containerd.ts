// A private containerd for the e2e tier: its own socket, root and state under a temp dir,
// the CRI plugin off, a containerd namespace and a --runc-root of its own, so nothing it
// does touches another containerd on the machine. stop() ends exactly what it started.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TSRUN } from "../../helpers/cli.js";
import { background, cmd, baseEnv, until, pidsWith, alive, sleep, unmountUnder, removeCgroup, type Background, type CmdOptions, type CmdResult } from "./proc.js";

export class Containerd {
  readonly dir = mkdtempSync(join(tmpdir(), "tsrun-e2e-ctrd-"));
  readonly sock = join(this.dir, "containerd.sock");
  readonly ns = `tsrun-e2e-${process.pid}`;
  readonly runcRoot = join(this.dir, "runc-root");
  readonly fifoDir = join(this.dir, "fifo");
  private daemon?: Background;
  private n = 0;

  /** cri: enable the CRI plugin with tsrun as the runtime handler `tsrun`, configured as the README shows. */
  constructor(private readonly opts: { cri?: { sandboxImage: string } } = {}) {}

  /** Start the daemon and wait until it answers. */
  async start(): Promise<void> {
    for (const d of ["root", "state", "fifo", "runc-root"]) mkdirSync(join(this.dir, d), { recursive: true });
    const config = join(this.dir, "config.toml");
    writeFileSync(config, [
      "version = 2",
      `root = ${JSON.stringify(join(this.dir, "root"))}`,
      `state = ${JSON.stringify(join(this.dir, "state"))}`,
      ...(this.opts.cri ? [] : ['disabled_plugins = ["io.containerd.grpc.v1.cri"]']),
      "[grpc]", `  address = ${JSON.stringify(this.sock)}`,
      "[ttrpc]", `  address = ${JSON.stringify(this.sock + ".ttrpc")}`,
      ...(this.opts.cri ? criConfig(this.opts.cri.sandboxImage, this.runcRoot) : []),
      "",
    ].join("\n"));
    this.daemon = background("containerd", ["--config", config, "--log-level", "warn"], { timeoutMs: 30 * 60_000 });
    await until("containerd to answer on its socket", async () => existsSync(this.sock) && (await this.ctr(["version"])).code === 0, 30_000);
  }

  /** A fresh container id for this run. */
  id(prefix = "c"): string {
    return `${prefix}-${process.pid}-${this.n++}`;
  }

  ctr(args: string[], opts: CmdOptions = {}): Promise<CmdResult> {
    return cmd("ctr", ["-a", this.sock, "-n", this.ns, ...args], { env: baseEnv(), ...opts });
  }

  ctrBackground(args: string[], opts: CmdOptions = {}): Background {
    return background("ctr", ["-a", this.sock, "-n", this.ns, ...args], { env: baseEnv(), ...opts });
  }

  /** `ctr run` flags that make containerd's runc shim call tsrun. */
  get runtimeFlags(): string[] {
    return ["--runc-binary", TSRUN, "--runc-root", this.runcRoot, "--fifo-dir", this.fifoDir];
  }

  /** The command line of `ctr`, as a string for `script -c` (a pty for -t runs). */
  ctrLine(args: string[]): string {
    return ["ctr", "-a", this.sock, "-n", this.ns, ...args].map(shq).join(" ");
  }

  /** What containerd logged (warnings and errors), for failure messages. */
  daemonLog(): string {
    return this.daemon ? this.daemon.stderr.slice(-4000) : "";
  }

  /** Tasks, then containers, then the daemon, its shims, mounts, cgroups and the temp dir. */
  async stop(): Promise<void> {
    try {
      if (this.daemon && alive(this.daemon.child.pid!)) {
        const tasks = (await this.ctr(["task", "ls", "-q"], { timeoutMs: 10_000 })).stdout.split("\n").filter(Boolean);
        for (const t of tasks) {
          await this.ctr(["task", "kill", "-a", "-s", "9", t], { timeoutMs: 10_000 });
          await this.ctr(["task", "rm", "-f", t], { timeoutMs: 15_000 });
        }
        const cs = (await this.ctr(["containers", "ls", "-q"], { timeoutMs: 10_000 })).stdout.split("\n").filter(Boolean);
        for (const c of cs) await this.ctr(["containers", "rm", c], { timeoutMs: 10_000 });
        this.daemon.child.kill("SIGTERM");
        await Promise.race([this.daemon.done, sleep(10_000)]);
      }
    } finally {
      if (this.daemon && alive(this.daemon.child.pid!)) this.daemon.child.kill("SIGKILL");
      // shims our daemon started carry its socket path on their command line
      for (const pid of pidsWith("containerd-shim", this.sock)) { try { process.kill(pid, "SIGKILL"); } catch { /* gone */ } }
      killCgroupProcs(this.ns);
      unmountUnder(this.dir);
      await sleep(100);
      removeCgroup(this.ns);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** The CRI plugin's part of config.toml: README's runtime table, plus what a private test daemon needs. */
function criConfig(sandboxImage: string, runcRoot: string): string[] {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  return [
    `${cri}]`,
    `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
    "  restrict_oom_score_adj = true   # the sandbox asks for -998: needs CAP_SYS_RESOURCE, which this machine lacks",
    `${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${cri}.containerd.runtimes.tsrun]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `  ${cri}.containerd.runtimes.tsrun.options]`,
    `    BinaryName = ${JSON.stringify(TSRUN)}`,
    `    Root = ${JSON.stringify(runcRoot)}`,
    "    SystemdCgroup = false        # README says true for systemd nodes; this host has no systemd (test/vm/systemd.test.ts covers true)",
  ];
}

/** SIGKILL what is left in the containers' cgroups (/<ns>/<id>), i.e. processes of this run. */
export function killCgroupProcs(ns: string): void {
  for (const h of ["pids", "memory", "unified", ""]) {
    const base = join("/sys/fs/cgroup", h, ns);
    if (!existsSync(base)) continue;
    for (const c of readdirSync(base, { withFileTypes: true })) {
      if (!c.isDirectory()) continue;
      try {
        for (const p of readFileSync(join(base, c.name, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
          try { process.kill(Number(p), "SIGKILL"); } catch { /* gone */ }
        }
      } catch { /* no such file */ }
    }
  }
}

export function shq(s: string): string {
  return /^[A-Za-z0-9_/.:=,@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
