/** What create and exec share before and after the sync sequence: --preserve-fds, and the child's failure as one line. */
import { TsrunError, errnoName } from "../errors.js";
import type { recvMsg } from "../sys/sync.js";

export function parsePreserveFds(v: string | number | undefined): number {
  const n = Number(v ?? "0");
  if (!/^\d+$/.test(String(v ?? "0")) || n > 1 << 20) throw new TsrunError(`invalid --preserve-fds ${JSON.stringify(v)}: must be a non-negative integer`);
  return n;
}

export function childFailure(m: ReturnType<typeof recvMsg>, describe: (i: number) => string, hint = "",
  explain?: (i: number, errno: string, text: string) => string | undefined): TsrunError {
  if (m.type === "error") {
    if (m.text.startsWith("exec:")) return new TsrunError(`unable to start container process: ${m.text}`, errnoName(m.errno));
    const line = explain?.(m.op, errnoName(m.errno), m.text);
    if (line) return new TsrunError(line, errnoName(m.errno));
    const detail = m.text ? ` (${m.text})` : "";
    return new TsrunError(`${describe(m.op)} (op ${m.op}): ${errnoName(m.errno)}${detail}`, errnoName(m.errno));
  }
  if (m.type === "eof") return new TsrunError(`container init exited during setup${hint}`);
  return new TsrunError(`sync: unexpected message "${m.type}" from container init`);
}
