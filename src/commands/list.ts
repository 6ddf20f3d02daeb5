/** tsrun list: runc's table (tabwriter min width 12, padding 3) or -f json, or -q. */
import type { Runtime } from "../lib/index.js";

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(Math.max(12, widths[c] + 3)))).join("").trimEnd() + "\n").join("");
}

export default async function list(rt: Runtime, opts: { format: string; quiet?: boolean }): Promise<number> {
  const items = await rt.list();
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
