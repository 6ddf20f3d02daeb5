/**
 * The cgroup v2 driver: one directory in the cgroup2 hierarchy. Controllers are enabled
 * down the tree through cgroup.subtree_control; freeze is cgroup.freeze + cgroup.events;
 * SIGKILL for everything is cgroup.kill; devices are a BPF program attached to the dir.
 */
import path from "node:path";
import { TsrunError } from "../errors.js";
import { codeOf, exists, mkdirUnder, readOptional, readProcs, sleepMs, writeCgroupFile } from "./cgfs.js";

/** Loads and attaches a device program to a cgroup2 dir (src/sys/bpf.ts; faked in tests). */
export type DeviceFilterAttach = (cgroupDir: string, program: Buffer, license: string) => void;

const words = (t: string | undefined): string[] => (t ?? "").split(/\s+/).filter((w) => w !== "");

export class V2Driver {
  /** controller -> why create() could not enable it in an ancestor (for the later error) */
  readonly refused = new Map<string, string>();

  /** `mountpoint` is the cgroup2 mount (needed only to create the directory). */
  constructor(
    readonly dir: string,
    private readonly mountpoint?: string,
    private readonly onMkdir?: (dir: string) => void,
    private readonly beforeMkdir?: (dir: string) => void,
  ) {}

  file(name: string): string {
    return path.join(this.dir, name);
  }

  read(name: string): string | undefined {
    return readOptional(this.file(name));
  }

  write(name: string, value: string): void {
    writeCgroupFile(this.file(name), value);
  }

  exists(): boolean {
    return exists(this.dir);
  }

  /**
   * Controllers usable in the container's cgroup: its own cgroup.controllers once it
   * exists, before that the mount root's (what create() will try to enable).
   */
  controllers(): Set<string> {
    const own = this.read("cgroup.controllers");
    if (own !== undefined) return new Set(words(own));
    if (!this.mountpoint) return new Set();
    return new Set(words(readOptional(path.join(this.mountpoint, "cgroup.controllers"))));
  }

  /**
   * mkdir -p the directory (recording what it made in `created`) and enable every
   * available controller in each ancestor's cgroup.subtree_control, one at a time so that
   * one refusal (EBUSY: processes in a non-root ancestor) does not block the others.
   * A controller that still is not available makes the later write fail with a clear error,
   * which names the refusal (EBUSY: a relative cgroupsPath under a parent with processes).
   */
  create(created: string[]): void {
    if (!this.mountpoint) throw new TsrunError(`cgroup: cannot create \`${this.dir}\`: cgroup2 mount unknown`);
    const rel = path.relative(this.mountpoint, this.dir);
    let cur = this.mountpoint;
    const parts = rel.split(path.sep).filter((p) => p !== "");
    for (let i = 0; i < parts.length; i++) {
      const enabled = new Set(words(readOptional(path.join(cur, "cgroup.subtree_control"))));
      const missing = words(readOptional(path.join(cur, "cgroup.controllers"))).filter((c) => !enabled.has(c));
      const control = path.join(cur, "cgroup.subtree_control");
      const enable = (cs: string[]) => writeCgroupFile(control, cs.map((c) => `+${c}`).join(" "));
      if (missing.length > 0) {
        try {
          enable(missing);
        } catch {
          // All or nothing failed: one at a time, keeping what works. What is still
          // missing is reported when a resource needs it.
          for (const c of missing) {
            try { enable([c]); } catch (e) { this.refused.set(c, `write \`${control}\`: ${codeOf(e) ?? String(e)}`); }
          }
        }
      }
      const next = path.join(cur, parts[i]);
      mkdirUnder(cur, next, created, this.onMkdir, this.beforeMkdir);
      cur = next;
    }
  }

  addProcess(pid: number): void {
    this.write("cgroup.procs", String(pid));
  }

  pids(): number[] {
    return readProcs(this.dir, true);
  }

  /** Write cgroup.freeze and wait (bounded) for the kernel to report the new state. */
  private setFrozen(on: boolean, timeoutMs: number): void {
    if (readOptional(this.file("cgroup.freeze")) === undefined) {
      throw new TsrunError(`cgroup: freezer not available (\`${this.file("cgroup.freeze")}\`)`);
    }
    this.write("cgroup.freeze", on ? "1" : "0");
    const want = on ? "frozen 1" : "frozen 0";
    for (let waited = 0; ; waited += 5) {
      const events = this.read("cgroup.events");
      // Without cgroup.events (fake trees) the write is all there is to check.
      if (events === undefined || events.split("\n").some((l) => l.trim() === want)) return;
      if (waited >= timeoutMs) break;
      sleepMs(5);
    }
    if (on) {
      try { this.write("cgroup.freeze", "0"); } catch { /* leave it as it is */ }
    }
    throw new TsrunError(`${on ? "freeze" : "thaw"} \`${this.dir}\`: timed out waiting for "${want}" in cgroup.events`);
  }

  freeze(timeoutMs = 2000): void {
    this.setFrozen(true, timeoutMs);
  }

  thaw(timeoutMs = 2000): void {
    this.setFrozen(false, timeoutMs);
  }

  frozen(): boolean {
    return (this.read("cgroup.freeze") ?? "0").trim() === "1";
  }

  /** SIGKILL everything through cgroup.kill (kernel 5.14+); false when there is no such file. */
  kill(): boolean {
    if (!exists(this.file("cgroup.kill"))) return false;
    try {
      this.write("cgroup.kill", "1");
    } catch (e) {
      if (codeOf(e) === "ENOENT") return false;
      throw e;
    }
    return true;
  }

  oomKills(): number {
    const ev = this.read("memory.events") ?? "";
    const m = /^oom_kill\s+([0-9]+)/m.exec(ev);
    return m ? Number(m[1]) : 0;
  }

  attachDevices(program: Buffer, license: string, attach: DeviceFilterAttach): void {
    attach(this.dir, program, license);
  }
}
