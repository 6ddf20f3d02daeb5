/**
 * SCMP_ACT_NOTIFY: hand the seccomp listener fd to the agent at linux.seccomp.listenerPath.
 *
 * What happens, in order:
 *   1. The profile has a NOTIFY rule, so the filter is compiled with
 *      SECCOMP_FILTER_FLAG_NEW_LISTENER and the plan loads it before READY, whatever
 *      noNewPrivileges says: without NNP at the usual place (before the capabilities are
 *      dropped); with NNP right after the executable lookup, just before READY (a deferred
 *      load inside OP_EXEC would come after the parent stopped listening).
 *   2. seccomp(2) returns the listener fd in the child, which sends it to the parent on the
 *      sync socket (MSG_SECCOMP_FD, SCM_RIGHTS) and closes its own copy.
 *   3. The parent connects to listenerPath (unix stream socket) and sends, in one sendmsg,
 *      the "seccomp state" of the runtime spec as runc writes it — {ociVersion, fds:
 *      ["seccompFd"], pid, metadata (listenerMetadata, left out when empty), state (the
 *      OCI state, status "creating")} — with the fd as SCM_RIGHTS; then closes its copy.
 *   4. Only then does it wait for READY. An unreachable listener fails create (and the
 *      usual cleanup leaves nothing). The sync driver (src/sync/driver.ts) receives the fd
 *      and hands it to create, which calls sendToListener.
 *
 * What the agent sees: the fd lets it receive a notification for every syscall of the
 * container that the filter sends to NOTIFY, from step 1 on. Between the load and execve
 * tsrun's own child still makes a few syscalls: sendmsg (the fd), close, sendto (READY),
 * then after `start` openat/write/close on exec.fifo, rt_sigaction and rt_sigprocmask,
 * fcntl, close_range and execve itself (with NNP, only those after the lookup; without
 * NNP also prctl, capset, setgroups, setresuid/gid and chdir). If the profile notifies any
 * of them, the agent gets those notifications with the init pid and must answer them
 * (e.g. with SECCOMP_USER_NOTIF_FLAG_CONTINUE); until it does, that step of the setup waits.
 */
import { TsrunError } from "../errors.js";
import { closeFd, connectUnix, sendWithFd } from "../sys/fdmsg.js";
import { SPEC_VERSION_MAX } from "../version.js";

export const SECCOMP_FD_NAME = "seccompFd";

/**
 * The JSON the listener receives (runtime-spec "seccomp state", runc's key order). Its
 * ociVersion is the spec version the runtime supports (runc: specs.Version), not the bundle's.
 */
export function listenerState(pid: number, metadata: string | undefined, state: Record<string, unknown>): string {
  const o: Record<string, unknown> = { ociVersion: SPEC_VERSION_MAX, fds: [SECCOMP_FD_NAME], pid };
  if (metadata) o.metadata = metadata;
  o.state = state;
  return JSON.stringify(o);
}

/** Connect to listenerPath and send the state with the listener fd. Throws one clear line. */
export function sendToListener(listenerPath: string, listenerFd: number, stateJson: string): void {
  let sock = -1;
  // runc's words first (a client matches them), the syscall, path and errno after
  const reword = (prefix: string, e: unknown): unknown => e instanceof TsrunError ? new TsrunError(`${prefix}: ${e.message}`, e.code) : e;
  try {
    try { sock = connectUnix(listenerPath); } catch (e) { throw reword("failed to connect with seccomp agent specified in the seccomp profile", e); }
    try { sendWithFd(sock, listenerFd, stateJson, listenerPath); } catch (e) { throw reword("cannot send seccomp fd to the seccomp agent", e); }
  } finally {
    closeFd(sock);
  }
}
