// Summarise a V8 .cpuprofile (node --cpu-prof) by module: self time per file/package.
// Usage: node bench/profile-summary.mjs PROFILE.cpuprofile [top=25]
import { readFileSync } from "node:fs";
const [file, topArg] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, "utf8"));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const byKey = new Map();
let total = 0;
const key = (url) => {
  if (!url) return "(native/gc/idle)";
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return `npm:${m[1]}`;
  if (url.startsWith("node:")) return "node-internal";
  return url.replace(/^file:\/\//, "").replace(/.*\/(dist|src)\//, "$1/");
};
for (const n of p.nodes) {
  const us = dt.get(n.id) ?? 0;
  total += us;
  const k = n.callFrame.functionName === "(garbage collector)" ? "(gc)" : key(n.callFrame.url);
  byKey.set(k, (byKey.get(k) ?? 0) + us);
}
const rows = [...byKey].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25));
console.log(`total sampled: ${(total / 1000).toFixed(1)} ms`);
for (const [k, us] of rows) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${k}`);
