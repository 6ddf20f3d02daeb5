/** --preserve-fds, as create and exec take it (a child's failure is worded by src/sync/driver.ts). */
import { TsrunError } from "../errors.js";

export function parsePreserveFds(v: string | number | undefined): number {
  const n = Number(v ?? "0");
  if (!/^\d+$/.test(String(v ?? "0")) || n > 1 << 20) throw new TsrunError(`invalid --preserve-fds ${JSON.stringify(v)}: must be a non-negative integer`);
  return n;
}
