/**
 * Small synchronous cgroupfs helpers shared by the v1 and v2 drivers. Every failure is a
 * one-line TsrunError naming the operation, the path and the errno.
 */
import fs from "node:fs";
import path from "node:path";
import { TsrunError, sysError } from "../errors.js";

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * Write `value` to an existing cgroup file. No O_CREAT: a missing file is an error
 * (ENOENT), never a new regular file. O_TRUNC matters only for fake cgroupfs trees in tests.
 */
export function writeCgroupFile(file: string, value: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
  } catch (e) {
    throw sysError("write", file, e);
  }
  try {
    fs.writeSync(fd, value);
  } catch (e) {
    throw sysError("write", file, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** File text, or undefined when it does not exist. */
export function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    const c = errCode(e);
    if (c === "ENOENT" || c === "ENOTDIR" || c === "ENODEV") return undefined;
    throw sysError("read", file, e);
  }
}

export function exists(file: string): boolean {
  return fs.existsSync(file);
}

/** The errno name of a TsrunError/Node error, if any. */
export function codeOf(e: unknown): string | undefined {
  return e instanceof TsrunError ? e.code : errCode(e);
}

/**
 * mkdir -p `dir` below `root` (which must exist), pushing each directory it creates onto
 * `created` (parents first). Refuses to leave `root`. `onMkdir` lets a test play the
 * kernel's part (populating a fake cgroup directory). `beforeMkdir` is told of a directory
 * about to be made (write-ahead: a runtime killed right after the mkdir has recorded it).
 */
export function mkdirUnder(root: string, dir: string, created: string[], onMkdir?: (dir: string) => void, beforeMkdir?: (dir: string) => void): string[] {
  const rel = path.relative(root, dir);
  if (rel.startsWith("..") || path.isAbsolute(rel)) throw new TsrunError(`cgroup: \`${dir}\` is outside \`${root}\``);
  const made: string[] = [];
  let cur = root;
  for (const part of rel.split(path.sep).filter((p) => p !== "")) {
    cur = path.join(cur, part);
    try {
      if (beforeMkdir && !fs.existsSync(cur)) beforeMkdir(cur);
      fs.mkdirSync(cur, 0o755);
      onMkdir?.(cur);
      made.push(cur);
      if (!created.includes(cur)) created.push(cur);
    } catch (e) {
      if (errCode(e) !== "EEXIST") throw sysError("mkdir", cur, e);
    }
  }
  return made;
}

/** Pids listed in `dir`/cgroup.procs, and in every cgroup below it when `recursive`. */
export function readProcs(dir: string, recursive: boolean): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    const text = readOptional(path.join(d, "cgroup.procs"));
    if (text === undefined) return;
    for (const l of text.split("\n")) if (l.trim() !== "") out.push(Number(l));
    if (!recursive) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      if (errCode(e) === "ENOENT") return;
      throw sysError("readdir", d, e);
    }
    for (const ent of entries) if (ent.isDirectory()) walk(path.join(d, ent.name));
  };
  walk(dir);
  return [...new Set(out)];
}

/**
 * Remove a cgroup directory and any cgroups the container made below it, deepest first.
 * rmdir of a cgroup that just emptied can fail with EBUSY for a moment: retried.
 */
export function removeCgroupTree(dir: string, retries = 10): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (errCode(e) === "ENOENT") return;
    throw sysError("readdir", dir, e);
  }
  for (const ent of entries) if (ent.isDirectory()) removeCgroupTree(path.join(dir, ent.name), retries);
  for (let i = 0; ; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const c = errCode(e);
      if (c === "ENOENT") return;
      if (c !== "EBUSY" || i >= retries) throw sysError("rmdir", dir, e);
      sleepMs(Math.min(10 * 2 ** i, 200));
    }
  }
}

/** rmdir that only succeeds on an empty, unused cgroup; false when it is still in use. */
export function rmdirIfUnused(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (e) {
    const c = errCode(e);
    if (c === "ENOENT") return true;
    if (c === "EBUSY" || c === "ENOTEMPTY" || c === "EEXIST") return false;
    throw sysError("rmdir", dir, e);
  }
}
