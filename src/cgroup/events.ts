/** `tsrun events`: Go duration parsing for --interval and the non-stats event lines (runc's shapes). */
import { TsrunError } from "../errors.js";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration subset: "5s", "100ms", "1m30s", "1.5s"; result in milliseconds (> 0). */
export function parseInterval(v: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let ms = 0;
  let i = 0;
  if (v === "") throw new TsrunError(`events: invalid --interval "${v}"`);
  while (i < v.length) {
    re.lastIndex = i;
    const m = re.exec(v);
    if (!m) throw new TsrunError(`events: invalid --interval "${v}" (want a duration like 5s or 500ms)`);
    ms += Number(m[1]) * UNIT_MS[m[2]];
    i = re.lastIndex;
  }
  if (!(ms > 0)) throw new TsrunError(`events: --interval must be positive, got "${v}"`);
  return ms;
}

/** The line runc prints when the container's cgroup reports an OOM kill. */
export function oomEvent(id: string): string {
  return JSON.stringify({ type: "oom", id }) + "\n";
}
