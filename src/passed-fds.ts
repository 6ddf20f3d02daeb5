/**
 * `--preserve-fds N` (and LISTEN_FDS) hand fds 3 .. 3+N-1 to the container. Only fds the caller
 * passed may go (DESIGN.md §4): a gap in the range must never hand over one of tsrun's own fds (the
 * state dir, a cgroup dir). What the caller passed is what was open when tsrun's code first ran
 * (src/start-fds.ts, imported first by every entry). Without that record (no /proc), an fd passes
 * only if it has no FD_CLOEXEC: everything tsrun opens has it. Anything else in the range is an
 * error naming the fd.
 */
import { TsrunError } from "./errors.js";
import { startFds } from "./start-fds.js";

const FD_CLOEXEC = 1;

/**
 * fdFlags: fcntl(F_GETFD), null when the fd is not open (Sys.fdFlags). passed: the fds open at start.
 * count: how many fds after 2 go to the container; the first `listen` of them come from LISTEN_FDS.
 */
export function checkPassedFds(fdFlags: (fd: number) => number | null, count: number, listen = 0,
  passed: Set<number> | null = startFds): void {
  for (let fd = 3; fd < 3 + count; fd++) {
    const what = fd < 3 + listen ? `LISTEN_FDS=${listen}` : `--preserve-fds ${count - listen}`;
    const f = fdFlags(fd);
    if (f === null) throw new TsrunError(`${what}: fd ${fd} is not open (the caller did not pass it)`, "EBADF");
    if (passed ? !passed.has(fd) : (f & FD_CLOEXEC) !== 0) {
      throw new TsrunError(`${what}: fd ${fd} was not passed by the caller (it is tsrun's own)`, "EBADF");
    }
  }
}
