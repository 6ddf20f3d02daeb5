/** tsrun list: runc's table (tabwriter min width 12, padding 3) or -f json, or -q. */
import type { Ctx } from "../context.js";
import { ociState, statusOf } from "../container.js";
import { TsrunError } from "../errors.js";

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(Math.max(12, widths[c] + 3)))).join("").trimEnd() + "\n").join("");
}

export default function list(ctx: Ctx, opts: { format: string; quiet?: boolean }): number {
  const store = ctx.store();
  const items: Array<Record<string, unknown>> = [];
  for (const id of store.list()) {
    let h;
    try { h = store.open(id, "none"); } catch (e) { if (e instanceof TsrunError) continue; throw e; }
    try {
      const st = h.read();
      const s = ociState(st, statusOf(h, st));
      s.owner = "root";
      items.push(s);
    } catch { /* half-written or foreign entry: not a container */ } finally { h.close(); }
  }
  if (opts.quiet) {
    process.stdout.write(items.map((i) => `${i.id}\n`).join(""));
  } else if (opts.format === "json") {
    process.stdout.write(JSON.stringify(items.length ? items : null) + "\n");
  } else {
    const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]];
    for (const i of items) rows.push([String(i.id), String(i.pid), String(i.status), String(i.bundle), String(i.created), String(i.owner)]);
    process.stdout.write(table(rows));
  }
  return 0;
}
