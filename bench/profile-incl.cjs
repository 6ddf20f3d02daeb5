// Inclusive (self + callees) time per function in a V8 .cpuprofile: where start-up time goes.
// Usage: node bench/profile-incl.cjs PROFILE.cpuprofile [top=40]
const fs = require("fs");
const p = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const dt = new Map();
p.samples.forEach((s, i) => dt.set(s, (dt.get(s) || 0) + p.timeDeltas[i]));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const incl = new Map();
for (const n of p.nodes) {
  const t = dt.get(n.id) || 0;
  if (!t) continue;
  const seen = new Set();
  for (let id = n.id; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id).callFrame;
    const k = `${f.functionName || "(anonymous)"} ${f.url.replace(/.*\//, "")}:${f.lineNumber}`;
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) || 0) + t);
  }
}
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] || 40))) console.log(`${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`);
