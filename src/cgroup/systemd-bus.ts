/**
 * The systemd driver's D-Bus edge, run in a helper process (src/cgroup/systemd-call.ts says
 * why): one request as JSON on stdin, one answer as JSON on stdout. The client library is
 * @homebridge/dbus-native (docs/ARCHITECTURE.md: the choice). Requests:
 *   {op: "start", unit, props}  StartTransientUnit(unit, "replace", props), then waits for the
 *                               job's JobRemoved signal and fails unless its result is "done"
 *   {op: "set", unit, props}    SetUnitProperties(unit, runtime = true, props)
 *   {op: "stop", unit}          StopUnit(unit, "replace") and JobRemoved; then waits until
 *                               GetUnit says the unit is gone (NoSuchUnit is success throughout)
 * Each has a deadline (`timeoutMs`); every failure is one line naming the call and the unit.
 */
import * as fs from "node:fs";
import type { UnitProperty } from "./systemd-props.js";

export interface BusRequest { op: "start" | "set" | "stop"; socket: string; unit: string; props?: UnitProperty[]; timeoutMs: number }
/** `connected: false`: the bus was never reached, so nothing was asked of systemd */
/** `existed`: start found the unit already there (another container's cgroupsPath): nothing was started */
export type BusAnswer = { ok: true; existed?: boolean } | { ok: false; error: string; connected: boolean };

interface Msg { path?: string; destination?: string; interface?: string; member: string; signature?: string; body?: unknown[] }
interface Bus {
  connection: { on(ev: string, f: (x: unknown) => void): void; once(ev: string, f: (x: unknown) => void): void; end(): void };
  invoke(m: Msg, cb: (err: { name?: string; message?: unknown } | string[] | undefined, ...v: unknown[]) => void): void;
  signals: { on(ev: string, f: (body: unknown[]) => void): void };
  mangle(path: string, iface: string, member: string): string;
}

const SD = { destination: "org.freedesktop.systemd1", path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager" };
const NO_SUCH_UNIT = "org.freedesktop.systemd1.NoSuchUnit";
const UNIT_EXISTS = "org.freedesktop.systemd1.UnitExists";

class BusError extends Error {
  constructor(readonly dbusName: string, message: string) { super(message); }
}

function call(bus: Bus, m: Msg): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    bus.invoke(m, (err, ...v) => {
      if (!err) return resolve(v);
      // dbus-native reports an error reply as {name, message}, or as the error's body (strings)
      if (Array.isArray(err)) return reject(new BusError("", err.join(" ")));
      return reject(new BusError(err.name ?? "", String(err.message ?? err.name ?? "error")));
    });
  });
}

class ConnectError extends Error {}

async function connect(socket: string): Promise<Bus> {
  const dbus = (await import("@homebridge/dbus-native")).default as unknown as { createClient(o: object): Bus };
  const bus = dbus.createClient({ socket });
  await new Promise<void>((resolve, reject) => {
    bus.connection.once("error", (e) => {
      const code = (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);
      reject(new ConnectError(`--systemd-cgroup: cannot connect to the system bus (${socket}: ${code})`));
    });
    bus.connection.once("connect", () => resolve());
  });
  return bus;
}

async function withJob(bus: Bus, what: string, unit: string, timeoutMs: number, start: () => Promise<unknown[]>): Promise<void> {
  const results = new Map<string, string>();
  let waiting: ((r: string) => void) | undefined;
  let job = "";
  bus.signals.on(bus.mangle(SD.path, SD.interface, "JobRemoved"), (body) => {
    const [, path, , result] = body as [number, string, string, string];
    results.set(path, result);
    if (path === job) waiting?.(result);
  });
  await call(bus, { destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", member: "AddMatch", signature: "s",
    body: [`type='signal',sender='org.freedesktop.systemd1',interface='${SD.interface}',member='JobRemoved'`] });
  await call(bus, { ...SD, member: "Subscribe" });
  job = String((await start())[0]);
  const result = results.get(job) ?? await new Promise<string>((resolve, reject) => {
    waiting = resolve;
    setTimeout(() => reject(new Error(`--systemd-cgroup: ${what} ${unit}: timed out after ${timeoutMs / 1000} s waiting for job ${job}`)), timeoutMs).unref();
  });
  if (result !== "done") throw new Error(`--systemd-cgroup: ${what} ${unit}: job ${result}${result === "failed" ? " (journalctl -u " + unit + " tells why)" : ""}`);
}

export async function handle(req: BusRequest): Promise<{ existed?: boolean }> {
  const bus = await connect(req.socket);
  try {
    const { unit, props = [], timeoutMs } = req;
    if (req.op === "start") {
      try {
        await withJob(bus, "StartTransientUnit", unit, timeoutMs, () =>
          call(bus, { ...SD, member: "StartTransientUnit", signature: "ssa(sv)a(sa(sv))", body: [unit, "replace", props, []] }));
      } catch (e) {
        // runc's behaviour: a unit that already exists is joined (through cgroupfs), not an error
        if (e instanceof BusError && e.dbusName === UNIT_EXISTS) return { existed: true };
        throw e;
      }
    } else if (req.op === "set") {
      await call(bus, { ...SD, member: "SetUnitProperties", signature: "sba(sv)", body: [unit, true, props] });
    } else {
      try {
        await withJob(bus, "StopUnit", unit, timeoutMs, () => call(bus, { ...SD, member: "StopUnit", signature: "ss", body: [unit, "replace"] }));
      } catch (e) {
        if (!(e instanceof BusError && e.dbusName === NO_SUCH_UNIT)) throw e;
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await call(bus, { ...SD, member: "GetUnit", signature: "s", body: [unit] });
        } catch (e) {
          if (e instanceof BusError && e.dbusName === NO_SUCH_UNIT) break;
          throw e;
        }
        if (Date.now() > deadline) throw new Error(`--systemd-cgroup: StopUnit ${unit}: timed out after ${timeoutMs / 1000} s waiting for the unit to go`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return {};
  } catch (e) {
    if (e instanceof BusError) throw new Error(`--systemd-cgroup: ${req.op === "start" ? "StartTransientUnit" : req.op === "set" ? "SetUnitProperties" : "StopUnit"} ${req.unit}: ${e.dbusName ? e.dbusName + ": " : ""}${e.message}`);
    throw e;
  } finally {
    bus.connection.end();
  }
}

/** The helper process's main: request on stdin, answer on stdout, always exit status 0. */
export async function serve(): Promise<void> {
  let answer: BusAnswer;
  try {
    answer = { ok: true, ...(await handle(JSON.parse(fs.readFileSync(0, "utf8")) as BusRequest)) };
  } catch (e) {
    answer = { ok: false, error: String((e as Error)?.message ?? e).split("\n")[0], connected: !(e instanceof ConnectError) };
  }
  fs.writeSync(1, JSON.stringify(answer) + "\n");
  process.exit(0);
}
