/**
 * <root>/<id>/ holds state.json and exec.fifo. The directory is 0700, state.json is
 * replaced atomically (temp file + rename), and every command holds an flock on the
 * directory itself for as long as it works on the container, so concurrent commands on
 * one id are serialised and a deleted container is seen as gone by those that waited.
 */
import { fault } from "../fault.js";
import * as fs from "node:fs";
import { join } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { Sys } from "../sys/types.js";
import { validateId } from "./ids.js";
import type { Spec } from "../spec/schema.js";
import type { CgroupPaths } from "../cgroup/manager.js";

export const DEFAULT_ROOT = "/run/tsrun";

export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
  phase: "creating" | "created";
  initStartTime: number;
  cgroup: CgroupPaths;
  spec: Spec;
  /** checkpoint stopped it (criu dump without --leave-running): restore may take its id over */
  checkpointed?: boolean;
}

export class Handle {
  constructor(readonly store: StateStore, readonly id: string, readonly dir: string, readonly dirFd: number) {}
  get fifoPath(): string { return join(this.dir, "exec.fifo"); }
  get statePath(): string { return join(this.dir, "state.json"); }

  read(): ContainerState {
    let text: string;
    try {
      // never through a symlink, and only a regular file of ours: a planted state.json is refused
      const fd = fs.openSync(this.statePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      try {
        const st = fs.fstatSync(fd);
        if (!st.isFile() || st.uid !== process.geteuid!()) throw new TsrunError(`read \`${this.statePath}\`: not a regular file owned by the current user`);
        text = fs.readFileSync(fd, "utf8");
      } finally { fs.closeSync(fd); }
    } catch (e) {
      if (e instanceof TsrunError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw notExist(this.id);
      if (code === "ELOOP") throw new TsrunError(`read \`${this.statePath}\`: is a symbolic link: ELOOP`, "ELOOP");
      throw sysError("read", this.statePath, e);
    }
    try {
      return JSON.parse(text) as ContainerState;
    } catch {
      throw new CorruptState(this.id, `read \`${this.statePath}\`: corrupt state file`);
    }
  }

  /**
   * No fsync (runc does none either): rename is atomic against a crashed tsrun without it,
   * and a machine crash ends every container, so durability buys nothing; it cost 10-30 ms
   * per write on a disk-backed root. See docs/PERFORMANCE.md.
   */
  write(st: ContainerState): void {
    const tmp = join(this.dir, `.state.json.${process.pid}`);
    try {
      const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
      try { fs.writeSync(fd, JSON.stringify(st)); } finally { fs.closeSync(fd); }
      fs.renameSync(tmp, this.statePath);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw sysError("write", this.statePath, e);
    }
  }

  /** A directory without state.json: a create that died before writing it. */
  stateMissing(): boolean {
    try { fs.lstatSync(this.statePath); return false; } catch (e) { return (e as NodeJS.ErrnoException).code === "ENOENT"; }
  }

  fifoExists(): boolean {
    try { return fs.lstatSync(this.fifoPath).isFIFO(); } catch { return false; }
  }

  /**
   * Remove every file and the directory; the lock goes with the fd. Never recursive: a directory in
   * here (the mount point of a container without a mount namespace) is only rmdir'ed, so a mount
   * left on it makes this fail rather than delete what the mount shows.
   */
  remove(): void {
    for (const f of fs.readdirSync(this.dir)) {
      const p = join(this.dir, f);
      try {
        if (fs.lstatSync(p).isDirectory()) fs.rmdirSync(p);
        else fs.rmSync(p, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw sysError("remove", p, e);
      }
    }
    fault("delete-state-remove-middle");
    try { fs.rmdirSync(this.dir); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw sysError("rmdir", this.dir, e);
    }
    this.close();
  }

  close(): void {
    try { fs.closeSync(this.dirFd); } catch { /* already closed */ }
  }
}

/** A state.json that does not parse: `list` warns about it and `delete --force` removes it. */
export class CorruptState extends TsrunError {
  constructor(readonly id: string, message: string) { super(message); }
}

export function notExist(id: string): TsrunError {
  return new TsrunError("container does not exist");
}

export class StateStore {
  /** sys is a getter: readers that take no lock (state, list) never load the FFI. */
  constructor(readonly root: string, private readonly sys: () => Sys) {}

  /** An existing root must be ours: another user's directory could hold planted state. */
  private checkRoot(): void {
    let st: fs.Stats;
    try { st = fs.statSync(this.root); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code === "ENOTDIR") throw new TsrunError(`root \`${this.root}\`: not a directory: ENOTDIR`, "ENOTDIR");
      throw sysError("stat", this.root, e);
    }
    if (!st.isDirectory()) throw new TsrunError(`root \`${this.root}\`: not a directory: ENOTDIR`, "ENOTDIR");
    if (st.uid !== process.geteuid!()) throw new TsrunError(`root \`${this.root}\`: not owned by the current user`);
  }

  private ensureRoot(): void {
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
      const st = fs.statSync(this.root);
      if (!st.isDirectory()) throw new TsrunError(`root \`${this.root}\`: not a directory`);
      if (st.uid !== process.geteuid!()) throw new TsrunError(`root \`${this.root}\`: not owned by the current user`);
    } catch (e) {
      if (e instanceof TsrunError) throw e;
      throw sysError("mkdir", this.root, e);
    }
  }

  /** Make <root>/<id> and lock it. A duplicate id fails here, before anything else exists. */
  create(id: string): Handle {
    validateId(id);
    this.ensureRoot();
    const dir = join(this.root, id);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new TsrunError(`container with id "${id}" already exists`);
      throw sysError("mkdir", dir, e);
    }
    const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    this.sys().flock(fd, "ex");
    return new Handle(this, id, dir, fd);
  }

  /**
   * Lock an existing container. Fails with runc's "does not exist" text when it is not there.
   * "none" takes no lock, for readers (state, list), as runc's do: state.json is replaced by
   * rename, so a reader sees the old or the new file, never half of one; a container still
   * being created shows as "creating", one deleted meanwhile as not existing.
   */
  open(id: string, mode: "ex" | "sh" | "none" = "ex"): Handle {
    validateId(id);
    this.checkRoot();
    const dir = join(this.root, id);
    let fd: number;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") throw notExist(id);
      throw sysError("open", dir, e);
    }
    const dst = fs.fstatSync(fd);
    if (dst.uid !== process.geteuid!()) { fs.closeSync(fd); throw new TsrunError(`open \`${dir}\`: state directory not owned by the current user`); }
    if (mode !== "none") this.sys().flock(fd, mode);
    if (fs.fstatSync(fd).nlink === 0) { fs.closeSync(fd); throw notExist(id); } // deleted while we waited
    return new Handle(this, id, dir, fd);
  }

  list(): string[] {
    this.checkRoot();
    try {
      return fs.readdirSync(this.root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw sysError("readdir", this.root, e);
    }
  }
}
