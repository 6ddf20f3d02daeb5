/** umount2(2) through koffi, for the host-side cleanup of a container without a mount namespace. */
import { createRequire } from "node:module";
import { TsrunError, errnoName } from "../errors.js";

const require = createRequire(import.meta.url);
const MNT_DETACH = 2;
const UMOUNT_NOFOLLOW = 8;

let umount2: ((path: string, flags: number) => number) | undefined;
let errno: (() => number) | undefined;

/** Lazily detach the top mount at `path` (and everything under it); never follows a final symlink. */
export function detachMount(path: string): void {
  if (!umount2) {
    const koffi = require("koffi");
    umount2 = koffi.load("libc.so.6").func("int umount2(const char *, int)") as (p: string, f: number) => number;
    errno = () => koffi.errno() as number;
  }
  if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
    const e = errnoName(errno!());
    throw new TsrunError(`umount \`${path}\`: ${e}`, e);
  }
}
