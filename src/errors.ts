/**
 * Every failure tsrun reports is a TsrunError: one line that names the operation,
 * the object and, where there is one, the errno — crun style:
 *   open `/rootfs/proc`: EACCES
 *   config.json: process.args: must have at least one element
 * The CLI prints `message` and exits 1; no stack trace ever reaches the user.
 */
export class TsrunError extends Error {
  /** errno name such as "EPERM", when the failure came from the kernel */
  readonly code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = "TsrunError";
    this.code = code;
  }
}

// Built on first use, and node:os loaded only then: every call loads this module, few name an errno.
let errnoNames: Map<number, string> | undefined;

/** "EPERM" for 1; "errno 999" for an unknown number. Accepts negative values. */
export function errnoName(errno: number): string {
  errnoNames ??= new Map(Object.entries(process.getBuiltinModule("node:os").constants.errno).map(([name, num]) => [num as number, name]));
  return errnoNames.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

/** What each errno means, in words (glibc's strerror, lower case): the one table every printed errno uses. */
const ERRNO_WORDS: Record<string, string> = {
  EPERM: "operation not permitted", ENOENT: "no such file or directory", ESRCH: "no such process",
  EINTR: "interrupted system call", EIO: "input/output error", ENXIO: "no such device or address",
  E2BIG: "argument list too long", ENOEXEC: "exec format error", EBADF: "bad file descriptor",
  ECHILD: "no child processes", EAGAIN: "resource temporarily unavailable", ENOMEM: "cannot allocate memory",
  EACCES: "permission denied", EFAULT: "bad address", EBUSY: "device or resource busy", EEXIST: "file exists",
  EXDEV: "invalid cross-device link", ENODEV: "no such device", ENOTDIR: "not a directory", EISDIR: "is a directory",
  EINVAL: "invalid argument", ENFILE: "too many open files in system", EMFILE: "too many open files",
  ENOTTY: "inappropriate ioctl for device", ETXTBSY: "text file busy", EFBIG: "file too large",
  ENOSPC: "no space left on device", ESPIPE: "illegal seek", EROFS: "read-only file system", EMLINK: "too many links",
  EPIPE: "broken pipe", ERANGE: "numerical result out of range", ENAMETOOLONG: "file name too long",
  ENOSYS: "function not implemented", ENOTEMPTY: "directory not empty", ELOOP: "too many levels of symbolic links",
  EPROTO: "protocol error", EOVERFLOW: "value too large for defined data type", EUSERS: "too many users",
  EOPNOTSUPP: "operation not supported", ECONNREFUSED: "connection refused", ECONNRESET: "connection reset by peer",
  ETIMEDOUT: "connection timed out", ENOTSUP: "operation not supported", ECANCELED: "operation canceled",
  EOWNERDEAD: "owner died", ENOTCONN: "transport endpoint is not connected",
};

/** "ENODEV (no such device)" for 19, -19 or "ENODEV"; the bare name when the table has no words for it. */
export function errnoText(errno: number | string): string {
  const name = typeof errno === "number" ? errnoName(errno) : errno;
  const words = ERRNO_WORDS[name];
  return words ? `${name} (${words})` : name;
}

/** "no such file or directory" for "ENOENT": the words alone, for text that must read as the kernel's (runc's wording). */
export function errnoWords(name: string): string {
  return ERRNO_WORDS[name] ?? name;
}

/** Wrap a Node fs/system error as `<op> \`<object>\`: <ERRNO>`. */
export function sysError(op: string, object: string, err: unknown): TsrunError {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : typeof e?.errno === "number" ? errnoName(e.errno) : undefined;
  return new TsrunError(`${op} \`${object}\`: ${code ?? String((e as Error)?.message ?? err)}`, code);
}

/** Turn a -errno return of a native call into an error, or pass the value through. */
export function checkErrno(ret: number, op: string, object: string): number {
  if (ret < 0) {
    const name = errnoName(ret);
    throw new TsrunError(`${op} \`${object}\`: ${errnoText(name)}`, name);
  }
  return ret;
}
