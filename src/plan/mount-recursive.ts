/**
 * Recursive mount options (runc's rro, rnosuid, ...): MOUNT_ATTR_* for mount_setattr(2) with
 * AT_RECURSIVE, applied by OP_MOUNT_SETATTR right after the mount itself.
 */
export const MOUNT_ATTR = {
  RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, _ATIME: 0x70, RELATIME: 0x0, NOATIME: 0x10,
  STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000,
} as const;

type Rec = { set: number; clr: number };
const A = MOUNT_ATTR;
/** option → attributes it sets and clears (the atime ones replace the whole atime field) */
export const RECURSIVE: Record<string, Rec> = {
  rro: { set: A.RDONLY, clr: 0 }, rrw: { set: 0, clr: A.RDONLY },
  rnosuid: { set: A.NOSUID, clr: 0 }, rsuid: { set: 0, clr: A.NOSUID },
  rnodev: { set: A.NODEV, clr: 0 }, rdev: { set: 0, clr: A.NODEV },
  rnoexec: { set: A.NOEXEC, clr: 0 }, rexec: { set: 0, clr: A.NOEXEC },
  rnodiratime: { set: A.NODIRATIME, clr: 0 }, rdiratime: { set: 0, clr: A.NODIRATIME },
  rrelatime: { set: A.RELATIME, clr: A._ATIME }, rnorelatime: { set: A.RELATIME, clr: A._ATIME },
  rnoatime: { set: A.NOATIME, clr: A._ATIME }, ratime: { set: A.RELATIME, clr: A._ATIME },
  rstrictatime: { set: A.STRICTATIME, clr: A._ATIME }, rnostrictatime: { set: A.RELATIME, clr: A._ATIME },
  rnosymfollow: { set: A.NOSYMFOLLOW, clr: 0 }, rsymfollow: { set: 0, clr: A.NOSYMFOLLOW },
};

/** Folds the recursive options in order; later ones win, like the plain flags. */
export function recursiveAttrs(options: readonly string[]): Rec | undefined {
  let out: Rec | undefined;
  for (const o of options) {
    const r = RECURSIVE[o];
    if (!r) continue;
    out ??= { set: 0, clr: 0 };
    out.set = (out.set & ~r.clr) | r.set;
    out.clr = (out.clr & ~r.set) | r.clr;
  }
  return out;
}
