// Statistics and the markdown report for bench/bench.mjs.
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (xs) => quantile(xs, 0.5);
export const fmtMs = (s) => (s ? `${s.median.toFixed(1)} (${s.p25.toFixed(1)}–${s.p75.toFixed(1)})` : "n/a");
export const fmtRatio = (r) => (r == null ? "n/a" : `${r.toFixed(2)}×`);
const fmtKb = (s) => (s ? `${(s.median / 1024).toFixed(1)}` : "n/a");

export function markdownReport({ meta, ratios, summary }) {
  const rts = [...new Set(Object.values(summary).flatMap((o) => Object.keys(o)))];
  const order = ["node", "tsrun", "tsrun-node", "runc", "crun"].filter((r) => rts.includes(r));
  const L = [];
  L.push(`# tsrun benchmark, ${meta.date}`, "");
  L.push(`node ${meta.node}, ${meta.cpus} CPUs, kernel ${meta.kernel}, load average at the end ${meta.loadavg}. ${meta.reps} interleaved repetitions (batches: ${meta.batchReps}).`);
  L.push(`NODE_EXTRA_CA_CERTS: ${meta.nodeExtraCaCerts}.`, "");
  for (const [rt, s] of Object.entries(meta.runtimes)) L.push(`- ${rt}: ${s}`);
  L.push(`- ${meta.exec}`);
  for (const n of meta.notes) L.push(`- ${n}`);
  L.push("", "## Ratios (medians, same run)", "", "| ratio | value | target | met |", "|---|---|---|---|");
  for (const [k, r] of Object.entries(ratios)) L.push(`| ${k} | ${fmtRatio(r.value)} | ${r.target == null ? "" : `≤ ${r.target}×`} | ${r.met == null ? "" : r.met ? "yes" : "NO"} |`);
  L.push("", "## Wall time, ms: median (p25–p75)", "", `| scenario | ${order.join(" | ")} |`, `|---|${order.map(() => "---").join("|")}|`);
  for (const [sc, byRt] of Object.entries(summary)) {
    if (sc === "waiting init RSS") continue;
    L.push(`| ${sc} | ${order.map((r) => (byRt[r]?.na ? "n/a" : fmtMs(byRt[r]?.ms))).join(" | ")} |`);
  }
  L.push("", `## CPU time of the command (user+sys), ms: median (p25–p75); clock: ${meta.cpuClock ?? "GNU time, 10 ms steps"}`, "", `| scenario | ${order.join(" | ")} |`, `|---|${order.map(() => "---").join("|")}|`);
  for (const [sc, byRt] of Object.entries(summary)) {
    if (sc === "waiting init RSS" || sc.startsWith("50")) continue;
    L.push(`| ${sc} | ${order.map((r) => (byRt[r]?.na ? "n/a" : fmtMs(byRt[r]?.cpuMs))).join(" | ")} |`);
  }
  L.push("", "## Peak RSS of the command, MiB (median; wait4 rusage)", "", `| scenario | ${order.join(" | ")} |`, `|---|${order.map(() => "---").join("|")}|`);
  for (const [sc, byRt] of Object.entries(summary)) {
    if (sc === "waiting init RSS" || sc.startsWith("50") || sc === "create+start+delete") continue;
    L.push(`| ${sc} | ${order.map((r) => (byRt[r]?.na ? "n/a" : fmtKb(byRt[r]?.rssKb))).join(" | ")} |`);
  }
  const w = summary["waiting init RSS"];
  if (w) {
    L.push("", "## The waiting init between create and start, MiB (median of /proc/PID/status)", "", "| | " + order.filter((r) => w[r]).join(" | ") + " |", "|---|" + order.filter((r) => w[r]).map(() => "---").join("|") + "|");
    L.push("| VmRSS | " + order.filter((r) => w[r]).map((r) => fmtKb(w[r].rssKb)).join(" | ") + " |");
    L.push("| RssAnon | " + order.filter((r) => w[r]).map((r) => fmtKb(w[r].anonKb)).join(" | ") + " |");
  }
  return L.join("\n") + "\n";
}
