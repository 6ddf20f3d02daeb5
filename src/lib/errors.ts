/**
 * The library's error: a TsrunError (so its message is the CLI's one line) that also says which
 * call failed, a stable code and, for a config problem, the config path it names.
 */
import { TsrunError } from "../errors.js";

export type ErrorCode =
  | "ECONFIG"      // config.json (or a process file) is invalid; configPath names the member
  | "ENOTFOUND"    // no container with that id
  | "EEXIST"       // a container with that id exists
  | "ESTATE"       // the container is in the wrong state for the call
  | "ERUNTIME"     // anything else; `errno` says more when the kernel refused
  | string;        // an errno name (EPERM, ENOENT, …) when the kernel refused

export class RuntimeError extends TsrunError {
  /** the Runtime or Container method that failed: "create", "start", "exec", … */
  readonly op: string;
  /** `mounts[3]`, `process.args`, `linux.cgroupsPath`, … when the error is about the config */
  readonly configPath?: string;
  /** the errno name when the kernel refused (the same as `code` then) */
  readonly errno?: string;
  declare readonly code: ErrorCode;

  constructor(op: string, message: string, code: ErrorCode, errno?: string, configPath?: string) {
    super(message, code);
    this.name = "RuntimeError";
    this.op = op;
    this.errno = errno;
    this.configPath = configPath;
  }
}

const STATE_WORDS = /not running|not stopped|not paused|cannot start|cannot exec in a|cannot delete|has stopped|already running/;

/** Classify a TsrunError's one line: what a program can branch on without parsing text. */
export function toRuntimeError(op: string, e: TsrunError): RuntimeError {
  if (e instanceof RuntimeError) return e;
  const m = /^config\.json: ([^:]+?):\s/.exec(e.message);
  const configPath = m?.[1];
  let code: ErrorCode;
  if (configPath) code = "ECONFIG";
  else if (/does not exist$/.test(e.message)) code = "ENOTFOUND";
  else if (/already exists$/.test(e.message)) code = "EEXIST";
  else if (STATE_WORDS.test(e.message)) code = "ESTATE";
  else code = e.code ?? "ERUNTIME";
  const err = new RuntimeError(op, e.message, code, e.code, configPath);
  err.stack = e.stack;
  return err;
}

/** Run a library call; a TsrunError comes out as a RuntimeError, anything else unchanged. */
export async function guard<T>(op: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof TsrunError ? toRuntimeError(op, e) : e;
  }
}
