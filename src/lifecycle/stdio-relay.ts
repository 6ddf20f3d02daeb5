/**
 * Foreground stdio without a terminal (`run` and `exec` without -d), as runc does it: the
 * process gets three fresh pipes as fds 0, 1 and 2, and tsrun copies stdin → pipe,
 * pipe → stdout and pipe → stderr. The process thus never holds tsrun's own files: a host
 * log that is tsrun's stdout cannot be reopened (and read back) through /proc/self/fd/1.
 * Detached runs (create, run -d, exec -d) keep handing the caller's stdio straight through.
 *
 * After the exit, tsrun copies the output to EOF, that is until every holder of the pipes
 * is gone (run has killed what was left in the container by then; an exec'd process's
 * background children keep tsrun waiting, as they keep runc). A write to our stdout that
 * fails (the reader went away) closes that pipe: the process gets EPIPE, as under runc.
 */
import * as fs from "node:fs";
import type { Sys } from "../sys/types.js";
import { sysError } from "../errors.js";
import { reopenDevNullStdio } from "../sys/devnull.js";
import { closeFd } from "./foreground.js";
import { stdioRelay } from "../sys/relay.js";

export interface StdioPipes {
  /** the process's ends (stdin's read end, stdout's and stderr's write ends), for spawn */
  child: [number, number, number];
  /** ours: stdin's write end, stdout's and stderr's read ends */
  ours: [number, number, number];
}

/**
 * Three CLOEXEC pipes. `owner` (the host ids of the container's root) gets them, as under
 * runc, so that a process in a user namespace can still reopen /dev/stdout.
 */
export function openStdioPipes(sys: Sys, owner?: { uid: number; gid: number }): StdioPipes {
  const made: number[] = [];
  try {
    const pairs = [0, 1, 2].map(() => {
      const p = sys.pipe();
      made.push(...p);
      return p;
    });
    if (owner && (owner.uid !== process.geteuid?.() || owner.gid !== process.getegid?.())) {
      for (const [r] of pairs) {
        try { fs.fchownSync(r, owner.uid, owner.gid); } catch (e) { throw sysError("fchown", `stdio pipe to ${owner.uid}:${owner.gid}`, e); }
      }
    }
    reopenDevNullStdio(sys);        // a read-only /dev/null as our stdout would fail every copied write
    return { child: [pairs[0][0], pairs[1][1], pairs[2][1]], ours: [pairs[0][1], pairs[1][0], pairs[2][0]] };
  } catch (e) {
    made.forEach(closeFd);
    throw e;
  }
}

/** Once the process is cloned: it holds its ends, and ours must go or EOF never comes. */
export function closeChildEnds(p: StdioPipes | undefined): void {
  if (!p) return;
  p.child.forEach(closeFd);
  p.child = [-1, -1, -1];                          // closed once: the numbers may be reused at once
}

/** A failure before the relay started: every fd goes. */
export function closeStdioPipes(p: StdioPipes | undefined): void {
  if (!p) return;
  closeChildEnds(p);
  p.ours.forEach(closeFd);
  p.ours = [-1, -1, -1];
}

export interface Relay {
  /** stdout and stderr copied to EOF */
  done: Promise<void>;
  /** stop copying (stdin too) and close our ends; safe to call more than once */
  stop: () => void;
}

/**
 * Start copying between tsrun's stdio and the process's pipes (our ends are owned from here).
 * The copy runs in C (native/relay.c) on one koffi async call: poll() on the pipes, the same under
 * every engine (Bun's net.Socket reads no pipe, and fs streams tie up thread-pool threads in
 * blocking reads). `stop` writes to a pipe the loop also polls.
 */
export function relayStdio(sys: Sys, p: StdioPipes): Relay {
  const [stopR, stopW] = sys.pipe();
  const done = stdioRelay(0, p.ours[0], p.ours[1], 1, p.ours[2], 2, stopR).finally(() => {
    closeFd(stopR);
    closeFd(stopW);
  });
  p.ours = [-1, -1, -1];                           // the loop closes them
  let stopped = false;
  return {
    done,
    stop(): void {
      if (stopped) return;
      stopped = true;
      try { fs.writeSync(stopW, "x"); } catch { /* the loop is over */ }
    },
  };
}
