// Integration harness: a private --root, bundles on synthetic rootfs dirs, and a
// leftovers check (state dirs, cgroups, processes) that every test can assert on.
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { makeBundle, type ConfigPatch, type RootfsOptions } from "./rootfs.js";
import { tsrun, type CliResult } from "./cli.js";
import { containerCgroup } from "./cgpath.js";
import type { SpawnSyncOptions } from "node:child_process";

export const CGROUP2 = "/sys/fs/cgroup/unified";

export function requireRoot(): void {
  assert.equal(process.getuid?.(), 0, "integration tests run as root (they create namespaces and cgroups)");
}

export class Harness {
  readonly tmp = mkdtempSync(join(tmpdir(), "tsrun-it-"));
  readonly root = join(this.tmp, "state");
  private readonly ids = new Set<string>();
  private n = 0;

  bundle(patch: ConfigPatch = {}, opts: RootfsOptions = {}): string {
    return makeBundle(join(this.tmp, `b${this.n++}`), patch, opts);
  }

  /** A container id unique to this harness; remembered for cleanup. */
  id(prefix = "c"): string {
    const id = `${prefix}-${process.pid}-${this.n++}`;
    this.ids.add(id);
    return id;
  }

  run(args: string[], opts: SpawnSyncOptions = {}): CliResult {
    return tsrun(["--root", this.root, ...args], opts);
  }

  ok(args: string[], opts: SpawnSyncOptions = {}): CliResult {
    const r = this.run(args, opts);
    assert.equal(r.status, 0, `tsrun ${args.join(" ")} failed: ${r.stderr}`);
    return r;
  }

  state(id: string): { status: string; pid: number; [k: string]: unknown } {
    return JSON.parse(this.ok(["state", id]).stdout);
  }

  /** Nothing of this container remains: state dir, cgroup (placed by `cgroupsPath`, see cgpath.ts), processes. */
  assertGone(id: string, cgroupsPath = ""): void {
    assert.ok(!existsSync(join(this.root, id)), `state dir of ${id} left behind`);
    const v2 = containerCgroup(id, "", cgroupsPath);
    assert.ok(!existsSync(join(CGROUP2, v2)), `cgroup ${v2} left behind`);
    for (const h of ["memory", "pids", "cpu", "freezer", "devices"]) {
      const p = containerCgroup(id, h, cgroupsPath);
      assert.ok(!existsSync(join("/sys/fs/cgroup", h, p)), `v1 ${h} cgroup ${p} left behind`);
    }
  }

  stateDirs(): string[] {
    return existsSync(this.root) ? readdirSync(this.root) : [];
  }

  cleanup(): void {
    for (const id of this.ids) tsrun(["--root", this.root, "delete", "--force", id]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Processes whose cmdline mentions the marker: a leaked container process shows up here. */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, "utf8").includes(marker)) out.push(Number(p));
    } catch { /* gone */ }
  }
  return out;
}
