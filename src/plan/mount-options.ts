/**
 * Mount options: the single table used by the plan compiler, validation and `features`.
 * Values are the kernel's MS_* flags.
 */
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64, DIRSYNC: 128,
  NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192, REC: 16384, SILENT: 32768,
  UNBINDABLE: 1 << 17, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21,
  I_VERSION: 1 << 23, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25,
} as const;

/** option → [clear?, flag]: `clear` options remove the flag (rw, suid, ...) */
export const MOUNT_FLAGS: Record<string, { clear: boolean; flag: number }> = {
  async: { clear: true, flag: MS.SYNCHRONOUS }, atime: { clear: true, flag: MS.NOATIME },
  bind: { clear: false, flag: MS.BIND }, defaults: { clear: false, flag: 0 },
  dev: { clear: true, flag: MS.NODEV }, diratime: { clear: true, flag: MS.NODIRATIME },
  dirsync: { clear: false, flag: MS.DIRSYNC }, exec: { clear: true, flag: MS.NOEXEC },
  iversion: { clear: false, flag: MS.I_VERSION }, lazytime: { clear: false, flag: MS.LAZYTIME },
  loud: { clear: true, flag: MS.SILENT }, mand: { clear: false, flag: MS.MANDLOCK },
  noatime: { clear: false, flag: MS.NOATIME }, nodev: { clear: false, flag: MS.NODEV },
  nodiratime: { clear: false, flag: MS.NODIRATIME }, noexec: { clear: false, flag: MS.NOEXEC },
  noiversion: { clear: true, flag: MS.I_VERSION }, nolazytime: { clear: true, flag: MS.LAZYTIME },
  nomand: { clear: true, flag: MS.MANDLOCK }, norelatime: { clear: true, flag: MS.RELATIME },
  nostrictatime: { clear: true, flag: MS.STRICTATIME }, nosuid: { clear: false, flag: MS.NOSUID },
  nosymfollow: { clear: false, flag: MS.NOSYMFOLLOW }, symfollow: { clear: true, flag: MS.NOSYMFOLLOW },
  rbind: { clear: false, flag: MS.BIND | MS.REC }, relatime: { clear: false, flag: MS.RELATIME },
  remount: { clear: false, flag: MS.REMOUNT }, ro: { clear: false, flag: MS.RDONLY },
  rw: { clear: true, flag: MS.RDONLY }, silent: { clear: false, flag: MS.SILENT },
  strictatime: { clear: false, flag: MS.STRICTATIME }, suid: { clear: true, flag: MS.NOSUID },
  sync: { clear: false, flag: MS.SYNCHRONOUS },
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options tsrun accepts but handles elsewhere, or not yet: listed for `features`. */
export const RECURSIVE_OPTIONS = [
  "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnodiratime", "rdiratime",
  "rrelatime", "rnorelatime", "rnoatime", "ratime", "rstrictatime", "rnostrictatime", "rnosymfollow", "rsymfollow",
];
export const EXTRA_OPTIONS = ["tmpcopyup", "idmap", "ridmap"];

export interface ParsedMountOptions {
  flags: number;        // MS_* for mount(2)
  propagation: number;  // applied after the mount
  data: string[];       // everything else, passed as the data string
}

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const o of options) {
    const f = MOUNT_FLAGS[o];
    if (f) { flags = f.clear ? flags & ~f.flag : flags | f.flag; continue; }
    const p = PROPAGATION[o];
    if (p !== undefined) { propagation = p; continue; }
    data.push(o);
  }
  return { flags, propagation, data };
}

/** All option names tsrun knows, sorted: `features` mountOptions. */
export function knownMountOptions(): string[] {
  return [...Object.keys(MOUNT_FLAGS), ...Object.keys(PROPAGATION), ...RECURSIVE_OPTIONS, ...EXTRA_OPTIONS].sort();
}
