/**
 * `--preserve-fds N` (and LISTEN_FDS) hand fds 3 .. 3+N-1 to the container. Only fds the caller
 * passed may go (DESIGN.md §4): a gap in the range must never hand over one of tsrun's own fds (the
 * state dir, a cgroup dir). The launcher (native/launcher.c) records the fds it inherited before
 * anything is opened, in TSRUN_PASSED_FDS, because node marks some inherited fds close-on-exec at
 * start. Without that record (node run directly), an fd passes only if it has no FD_CLOEXEC:
 * everything tsrun and its engine open has it. Anything else in the range is an error naming the fd.
 */
import { TsrunError } from "./errors.js";

const FD_CLOEXEC = 1;

/** "3-5,9" → {3,4,5,9}; undefined → null (no record); a malformed value records nothing. */
export function parsePassedFds(v: string | undefined): Set<number> | null {
  if (v === undefined) return null;
  const out = new Set<number>();
  for (const part of v.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]), hi = Number(m[2] ?? m[1]);
    for (let fd = lo; fd <= hi && fd - lo < 65536; fd++) out.add(fd);
  }
  return out;
}

/**
 * fdFlags: fcntl(F_GETFD), null when the fd is not open (Sys.fdFlags). passed: the launcher's record.
 * count: how many fds after 2 go to the container; the first `listen` of them come from LISTEN_FDS.
 */
export function checkPassedFds(fdFlags: (fd: number) => number | null, count: number, listen = 0,
  passed: Set<number> | null = parsePassedFds(process.env.TSRUN_PASSED_FDS)): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    const what = fd < 3 + listen ? `LISTEN_FDS=${listen}` : `--preserve-fds ${count - listen}`;
    const f = fdFlags(fd);
    if (f === null) throw new TsrunError(`${what}: fd ${fd} is not open (the caller did not pass it)`, "EBADF");
    if (passed ? !passed.has(fd) : (f & FD_CLOEXEC) !== 0) {
      throw new TsrunError(`${what}: fd ${fd} was not passed by the caller (it is tsrun's own)`, "EBADF");
    }
  }
}
