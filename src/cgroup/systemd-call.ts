/**
 * Synchronous D-Bus calls for the systemd driver. The lifecycle is synchronous (create asks for
 * the unit between clone and GO, while the child waits on the sync socket), and a D-Bus client
 * is asynchronous, so each call runs in a helper process: this executable again, with
 * TSRUN_SYSTEMD_BUS=1 (src/main.ts hands it to src/cgroup/systemd-bus.ts), request on stdin,
 * answer on stdout. spawnSync waits for it; the helper enforces the job deadline itself and
 * spawnSync's timeout is the backstop. Nothing of the D-Bus code loads in tsrun's own process.
 */
import * as fs from "node:fs";
import { TsrunError } from "../errors.js";
import type { BusAnswer, BusRequest } from "./systemd-bus.js";
import { systemBusSocket } from "./systemd-props.js";

/** the env variable that makes this executable the D-Bus helper */
export const BUS_HELPER_ENV = "TSRUN_SYSTEMD_BUS";

/** the code of a TsrunError for a bus that was never reached (nothing was asked of systemd) */
export const NOT_CONNECTED = "ENOTCONN";

/** How long a job (start, stop) may take, as runc's 30 s. */
export const JOB_TIMEOUT_MS = 30_000;

/** The bus socket, checked: the one-line error when there is no system bus at all. */
export function busSocket(env: NodeJS.ProcessEnv = process.env): string {
  const socket = systemBusSocket(env.DBUS_SYSTEM_BUS_ADDRESS);
  try {
    if (!fs.statSync(socket).isSocket()) throw Object.assign(new Error("not a socket"), { code: "ENOTSOCK" });
  } catch (e) {
    throw new TsrunError(`--systemd-cgroup: cannot connect to the system bus (${socket}: ${(e as NodeJS.ErrnoException).code ?? String(e)})`, NOT_CONNECTED);
  }
  return socket;
}

/** argv of this executable as the helper: the Bun-compiled tsrun runs itself; under node, src/main.js. */
function self(): string[] {
  if (process.versions.bun) return [process.execPath];
  return [process.execPath, process.getBuiltinModule("node:url").fileURLToPath(new URL("../main.js", import.meta.url))];
}

/** existed: start found the unit already there (and started nothing) */
export type BusCall = (req: Omit<BusRequest, "socket" | "timeoutMs"> & { timeoutMs?: number; socket?: string }) => { existed?: boolean };

/** One D-Bus request, synchronously; throws the helper's one line. */
export const busCall: BusCall = (req) => {
  const full: BusRequest = { timeoutMs: JOB_TIMEOUT_MS, ...req, socket: req.socket ?? busSocket() };
  const [cmd, ...args] = self();
  const r = process.getBuiltinModule("node:child_process").spawnSync(cmd, args, {
    input: JSON.stringify(full), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, [BUS_HELPER_ENV]: "1" }, timeout: full.timeoutMs + 10_000, killSignal: "SIGKILL",
  });
  const what = `${req.op} ${req.unit}`;
  if (r.error) throw new TsrunError(`--systemd-cgroup: ${what}: D-Bus helper: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  let answer: BusAnswer;
  try {
    answer = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as BusAnswer;
  } catch {
    const err = (r.stderr ?? "").trim().split("\n")[0];
    throw new TsrunError(`--systemd-cgroup: ${what}: D-Bus helper failed (${r.signal ?? `exit status ${r.status}`})${err ? `: ${err}` : ""}`);
  }
  if (!answer.ok) throw new TsrunError(answer.error, answer.connected ? undefined : NOT_CONNECTED);
  return { existed: answer.existed };
};
