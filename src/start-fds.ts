/**
 * The fds above 2 that were open when tsrun's code first ran: the ones its caller passed, plus the
 * engine's own event loop fds. Imported first by every entry, before tsrun opens anything, because
 * both engines mark inherited fds close-on-exec at start-up, so the flag cannot tell them from
 * tsrun's own later. `--preserve-fds` and LISTEN_FDS hand over only these (src/passed-fds.ts).
 * The engine's event loop fds (epoll, eventfd, …) are left out by kind: no caller passes those.
 */
import { readdirSync, readlinkSync } from "node:fs";
import { mark } from "./profile.js";

const ENGINE_KINDS = /^anon_inode:\[?(eventpoll|eventfd|signalfd|timerfd|io_uring|pidfd)\]?$/;

function snapshot(): Set<number> | null {
  let names: string[];
  try { names = readdirSync("/proc/self/fd"); } catch { return null; }
  const fds = new Set<number>();
  for (const n of names) {
    const fd = Number(n);
    if (!(fd > 2)) continue;
    let target: string;
    try { target = readlinkSync(`/proc/self/fd/${n}`); } catch { continue; } // the listing's own fd, closed by now
    if (!ENGINE_KINDS.test(target)) fds.add(fd);
  }
  return fds;
}

/** null when /proc could not be read: then only fds without FD_CLOEXEC pass. */
export const startFds: Set<number> | null = snapshot();
mark("first module (the engine's start-up)");
