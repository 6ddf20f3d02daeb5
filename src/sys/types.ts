/**
 * The one interface through which tsrun reaches the kernel for what Node lacks
 * (youki's Syscall trait). src/sys/native.ts implements it with koffi; tests pass
 * a recording fake in. Nothing outside src/sys imports koffi.
 *
 * Every method throws TsrunError naming the operation, object and errno on failure.
 */
import type { SyncChannel } from "../sync/channel.js";

export interface SpawnInput {
  plan: Buffer;
  cgroupFd: number;      // -1: no CLONE_INTO_CGROUP
  stateDirFd: number;    // -1: no exec fifo
  consoleFd: number;     // -1: no console socket
  preserveFds: number;
  /** fds (>= 3) that become the process's 0, 1 and 2 (foreground pipes); absent: it inherits ours */
  stdio?: [number, number, number];
}
export interface SpawnResult {
  pid: number;
  pidfd: number;         // -1 when the kernel gave none
  syncFd: number;
  inCgroup: boolean;     // CLONE_INTO_CGROUP placed the child
}
export interface WaitResult { pid: number; status: number } // raw wait status

export interface Sys {
  spawn(input: SpawnInput): SpawnResult;
  flock(fd: number, op: "ex" | "sh" | "un", nonblock?: boolean): boolean;
  mkfifo(path: string, mode: number): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  setSubreaper(): void;
  /** the effective uid: not 0 means no privileges (rootless: runc's config checks, maps through newuidmap) */
  geteuid(): number;
  /** waitpid without blocking the event loop */
  waitpid(pid: number, flags?: number): Promise<WaitResult>;
  sendFd(sock: number, fd: number, text: string): void;
  recvFd(sock: number): { fd: number; text: string };
  /** fcntl(fd, F_GETFD): the fd flags (FD_CLOEXEC = 1), or null when fd is not open */
  fdFlags(fd: number): number | null;
  /** pipe2(O_CLOEXEC): [read end, write end] */
  pipe(): [number, number];
  /** dup2(2): `from` onto `to` */
  dup2(from: number, to: number): void;
  /** umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW): the top mount at path and everything under it */
  detachMount(path: string): void;
  /** the parent's end of the sync protocol over spawn's syncFd (src/sync/channel.ts); a fake scripts the child here */
  syncChannel(syncFd: number): SyncChannel;
}

/** Decode a raw wait status the way shells do: exit code, or 128+signal. */
export function exitCodeOf(status: number): number {
  const sig = status & 0x7f;
  if (sig === 0) return (status >> 8) & 0xff;
  if (sig === 0x7f) return 128 + ((status >> 8) & 0xff); // stopped; should not happen
  return 128 + sig;
}
