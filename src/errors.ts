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
    throw new TsrunError(`${op} \`${object}\`: ${name}`, name);
  }
  return ret;
}
