/**
 * The systemd cgroup manager (`--systemd-cgroup`, or a `slice:prefix:name` cgroupsPath): the
 * container's cgroup is a transient scope that systemd makes and owns, asked for over D-Bus.
 * Behind the same interface as the cgroupfs manager, which it wraps for everything that works
 * on the unit's cgroup directory (freeze, thaw, kill, pids, stats, the files systemd has no
 * property for), as runc's systemd driver wraps its fs driver:
 *
 * - create() checks the resources and that there is a system bus, and makes nothing: the
 *   scope cannot exist before a process is in it. `joinsLate` tells create that the child is
 *   cloned outside it (no CLONE_INTO_CGROUP).
 * - addProcess(pid) of the new child (waiting on the sync socket, before GO) starts the unit:
 *   StartTransientUnit with the pid in PIDs, Delegate=yes, the resources as properties; then
 *   the cgroupfs manager writes every resource to the unit's cgroup (runc's Set after Apply).
 * - apply() (update) sets the properties with SetUnitProperties, then the files.
 * - destroy() stops the unit and waits until it is gone, then removes what is left.
 * - A unit that already exists (two containers, one cgroupsPath) is joined through cgroupfs, as runc
 *   does; the cgroupfs driver shares a cgroup the same way, with the same "not empty" warning.
 * The D-Bus calls are synchronous through a helper process (src/cgroup/systemd-call.ts).
 */
import * as fs from "node:fs";
import type { CgroupManager, CgroupPaths } from "./manager.js";
import type { CgroupStats } from "./stats.js";
import type { LinuxResources } from "./types.js";
import { parseProcDevices, resourceProperties, startProperties, type DeviceGroups } from "./systemd-props.js";
import type { UnitName } from "./systemd-path.js";
import { busCall, busSocket, NOT_CONNECTED, type BusCall } from "./systemd-call.js";
import { TsrunError } from "../errors.js";

/** What state.json keeps of the unit. */
export interface SystemdUnit { unit: string; slice: string }

export interface SystemdOptions {
  /** tests: replaces the D-Bus helper */
  bus?: BusCall;
  /** tests: /proc/devices text */
  procDevices?: string;
  /** tests: skip the bus socket check */
  noSocketCheck?: boolean;
}

function deviceGroups(text?: string): DeviceGroups {
  let t = text;
  if (t === undefined) {
    try { t = fs.readFileSync("/proc/devices", "utf8"); } catch { t = ""; }
  }
  return parseProcDevices(t);
}

export class SystemdManager implements CgroupManager {
  readonly joinsLate: boolean;
  private pending?: LinuxResources;
  /** false while this create has not asked systemd for the unit (or the bus was never reached): nothing to stop */
  private asked: boolean;
  private readonly bus: BusCall;

  /** `fresh`: a container being created (the unit is started by the first addProcess). */
  constructor(private readonly inner: CgroupManager, private readonly unit: SystemdUnit, private readonly id: string,
    fresh: boolean, private readonly o: SystemdOptions = {}) {
    this.joinsLate = fresh;
    this.asked = !fresh;
    this.bus = o.bus ?? busCall;
    inner.paths.systemd = unit;
    if (fresh && !o.noSocketCheck) busSocket();       // one line, before anything is made
  }

  get paths(): CgroupPaths {
    return this.inner.paths;
  }

  create(resources: LinuxResources = {}): void {
    resourceProperties(resources, deviceGroups(this.o.procDevices));   // refused here, before the child exists
    this.pending = resources;
  }

  addProcess(pid: number, opts: { v2?: boolean } = {}): void {
    if (!this.joinsLate || this.pending === undefined) return this.inner.addProcess(pid, opts);
    const res = this.pending;
    this.pending = undefined;
    const u: UnitName = { ...this.unit, cgroup: "" };
    const props = [...startProperties(u, this.id, pid), ...resourceProperties(res, deviceGroups(this.o.procDevices))];
    this.asked = true;
    let existed: boolean | undefined;
    try {
      existed = this.bus({ op: "start", unit: this.unit.unit, props }).existed;
    } catch (e) {
      if (e instanceof TsrunError && e.code === NOT_CONNECTED) this.asked = false;
      throw e;
    }
    if (existed) {
      // another container's unit (the same cgroupsPath): joined through cgroupfs, as runc does;
      // a failed create leaves it to its owner
      this.asked = false;
      this.inner.create(res);
      this.inner.addProcess(pid, { v2: true });
      return;
    }
    // the unit's cgroup exists and holds pid: the files systemd has no property for, and v1
    // hierarchies systemd does not manage (a hybrid host), as the cgroupfs driver makes them
    this.inner.create(res);
    this.inner.addProcess(pid, { v2: false });
  }

  apply(resources: LinuxResources): void {
    const props = resourceProperties(resources, deviceGroups(this.o.procDevices));
    if (props.length) this.bus({ op: "set", unit: this.unit.unit, props });
    this.inner.apply(resources);
  }

  destroy(): void {
    if (this.asked) this.bus({ op: "stop", unit: this.unit.unit });
    this.inner.destroy();
  }

  freeze(): void { this.inner.freeze(); }
  thaw(): void { this.inner.thaw(); }
  state(): "frozen" | "thawed" { return this.inner.state(); }
  pids(): number[] { return this.inner.pids(); }
  killAll(signal: number): void { this.inner.killAll(signal); }
  stats(): CgroupStats { return this.inner.stats(); }
  oomCount(): number { return this.inner.oomCount(); }
}
