/**
 * The cgroup v1 driver: one directory per mounted v1 hierarchy (co-mounted controllers such
 * as "cpu,cpuacct" share one). Used for the controllers that are not on cgroup2, the way
 * runc's fs driver works on hybrid hosts.
 */
import path from "node:path";
import { TsrunError } from "../errors.js";
import { mkdirUnder, readOptional, readProcs, sleepMs, writeCgroupFile } from "./cgfs.js";

/** Where pids() looks first: any hierarchy holds every process, these are the usual ones. */
const MEMORY_LIMITS = new Set(["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]);
const PROCS_PREFERENCE = ["pids", "freezer", "memory", "cpu", "cpuacct", "devices", "blkio", "cpuset", "name=systemd"];

export class V1Driver {
  /**
   * `paths`: controller (or "name=…") -> the container's directory in that hierarchy.
   * `mountpoints`: controller -> hierarchy mount point (needed only to create).
   */
  constructor(
    readonly paths: Record<string, string>,
    private readonly mountpoints: Record<string, string> = {},
    private readonly onMkdir?: (dir: string) => void,
    private readonly beforeMkdir?: (dir: string) => void,
  ) {}

  has(controller: string): boolean {
    return controller in this.paths;
  }

  dir(controller: string): string {
    const d = this.paths[controller];
    if (!d) throw new TsrunError(`cgroup: ${controller} controller not available`);
    return d;
  }

  /** Distinct directories (co-mounted controllers appear once). */
  dirs(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  write(controller: string, file: string, value: string): void {
    try {
      writeCgroupFile(path.join(this.dir(controller), file), value);
    } catch (e) {
      // the kernel refuses a limit below what the cgroup already uses: say so as runc does, with the numbers
      if (!(e instanceof TsrunError && e.code === "EBUSY" && MEMORY_LIMITS.has(file))) throw e;
      const usage = file.startsWith("memory.memsw.") ? "memory.memsw" : "memory";
      const n = (f: string): string => (this.read("memory", `${usage}.${f}`) ?? "?").trim();
      throw new TsrunError(`unable to set memory limit to ${value} (current usage: ${n("usage_in_bytes")}, peak usage: ${n("max_usage_in_bytes")}): ${e.message}`, e.code);
    }
  }

  read(controller: string, file: string): string | undefined {
    return this.has(controller) ? readOptional(path.join(this.paths[controller], file)) : undefined;
  }

  /** mkdir -p in every hierarchy, recording new dirs in `created`; fill empty cpusets. */
  create(created: string[]): void {
    const done = new Set<string>();
    for (const [controller, dir] of Object.entries(this.paths)) {
      if (done.has(dir)) continue;
      done.add(dir);
      const mnt = this.mountpoints[controller];
      if (!mnt) throw new TsrunError(`cgroup: cannot create \`${dir}\`: ${controller} mount unknown`);
      mkdirUnder(mnt, dir, created, this.onMkdir, this.beforeMkdir);
    }
    if (this.has("cpuset")) this.fillCpuset(this.mountpoints.cpuset, this.paths.cpuset);
  }

  /**
   * A new v1 cpuset has empty cpuset.cpus/mems and refuses tasks until they are set:
   * copy each empty one down from its parent, top to bottom (as runc does).
   */
  private fillCpuset(mnt: string, leaf: string): void {
    const rel = path.relative(mnt, leaf).split(path.sep).filter((p) => p !== "");
    let parent = mnt;
    for (const part of rel) {
      const cur = path.join(parent, part);
      for (const f of ["cpuset.cpus", "cpuset.mems"]) {
        const own = readOptional(path.join(cur, f));
        if (own === undefined || own.trim() !== "") continue;
        const up = (readOptional(path.join(parent, f)) ?? "").trim();
        if (up !== "") writeCgroupFile(path.join(cur, f), up);
      }
      parent = cur;
    }
  }

  addProcess(pid: number): void {
    for (const d of this.dirs()) writeCgroupFile(path.join(d, "cgroup.procs"), String(pid));
  }

  pids(): number[] {
    const c = PROCS_PREFERENCE.find((x) => this.has(x)) ?? Object.keys(this.paths)[0];
    return c ? readProcs(this.paths[c], true) : [];
  }

  /**
   * Write FROZEN and poll freezer.state until the kernel reports FROZEN. Tasks that were
   * forking can hold it in FREEZING; re-writing FROZEN now and then (after a THAWED, as runc
   * does) gets past that.
   */
  freeze(timeoutMs = 2000): void {
    const dir = this.dir("freezer");
    const file = path.join(dir, "freezer.state");
    writeCgroupFile(file, "FROZEN");
    for (let i = 1; ; i++) {
      const st = (readOptional(file) ?? "").trim();
      if (st === "FROZEN") return;
      if (i * 2 >= timeoutMs) break;
      if (i % 50 === 0) {
        writeCgroupFile(file, "THAWED");
        writeCgroupFile(file, "FROZEN");
      }
      sleepMs(2);
    }
    try { writeCgroupFile(file, "THAWED"); } catch { /* leave it */ }
    throw new TsrunError(`freeze \`${dir}\`: timed out waiting for FROZEN in freezer.state`);
  }

  thaw(): void {
    writeCgroupFile(path.join(this.dir("freezer"), "freezer.state"), "THAWED");
  }

  frozen(): boolean {
    return (this.read("freezer", "freezer.state") ?? "").trim() === "FROZEN";
  }

  oomKills(): number {
    const m = /^oom_kill\s+([0-9]+)/m.exec(this.read("memory", "memory.oom_control") ?? "");
    return m ? Number(m[1]) : 0;
  }
}
