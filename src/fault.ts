/**
 * Test-only fault injection: with TSRUN_FAULT=<point> in the environment, tsrun SIGKILLs
 * itself when it reaches that point, so tests can check that `delete --force` cleans up
 * after a runtime that died anywhere (TSRUN_FAULT=stop:<point> stops it there instead).
 * Without the variable, fault() is two compares with undefined.
 *
 * Every point tsrun knows is listed here (a test iterates over all of them); the prefix
 * names the command that reaches it (hook-* and cgroup-* points are shared code).
 */
export const FAULT_POINTS = [
  // create
  "create-after-mkdir",            // state dir made and locked, no state.json yet
  "create-after-state-creating",   // "creating" state written, nothing else exists
  "create-after-cgroup-parent",    // a parent cgroup made (and recorded), leaf not yet
  "create-after-cgroup",           // cgroups made, resources applied
  "create-after-fifo",             // exec fifo made
  "create-after-clone",            // child cloned (waiting for GO), its pid not yet written
  "create-after-state-pid",        // child's pid written
  "create-after-maps",             // user namespace: uid/gid maps written
  "create-after-cgroup-join",      // child placed in every cgroup, GO not sent
  "create-after-go",               // GO sent: the child sets the container up
  "create-after-init-pid",         // pid namespace: the grandchild (init) reported its pid
  "create-after-state-init-pid",   // init's pid written
  "create-after-ready",            // init waits on the exec fifo
  "hook-prestart",                 // after the first prestart hook ran
  "hook-createRuntime",
  "hook-createContainer",
  "create-before-state-created",
  "create-after-state-created",
  // start
  "start-after-fifo",              // init released (it execs), exec fifo not yet removed
  "start-after-fifo-removed",
  "hook-poststart",
  // run
  "run-after-start",               // container running, run not yet waiting
  "run-after-exit",                // container exited, not yet deleted
  // exec
  "exec-after-process",            // process (--process FILE or the CLI) read and checked, nothing made
  "exec-after-console",            // console socket connected (or the proxy's socketpair made), no child
  "exec-after-clone",              // child cloned (v2 cgroup at most), waiting for GO
  "exec-after-cgroup-join",        // child in every cgroup, GO not sent
  "exec-after-go",                 // GO sent: the child joins and sets itself up
  "exec-after-init-pid",           // pid namespace: the grandchild (the process) reported its pid
  "exec-after-ready",              // the process execs; its pid not written anywhere yet
  "exec-after-console-master",     // tty proxied by tsrun: the pty master received, proxy not started
  "exec-before-pid-file",
  "exec-after-pid-file",
  "exec-waiting",                  // foreground: signals forwarded, waiting for the exit
  // kill
  "kill-before-signal",
  "kill-after-signal",
  // delete
  "delete-after-kill",             // processes gone, cgroup and state still there
  "hook-poststop",
  "cgroup-remove-middle",          // the first cgroup directory removed, others not
  "delete-after-cgroup",           // cgroups gone, state dir still there
  "delete-state-remove-middle",    // state.json removed, directory not yet
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

const armed = process.env.TSRUN_FAULT;
/** TSRUN_FAULT=stop:<point>: SIGSTOP instead, so a test can look at what exists there (then SIGCONT or SIGKILL) */
const stopAt = armed?.startsWith("stop:") ? armed.slice(5) : undefined;

export function fault(point: FaultPoint): void {
  if (armed === point) process.kill(process.pid, "SIGKILL");
  else if (stopAt === point) process.kill(process.pid, "SIGSTOP");
}
