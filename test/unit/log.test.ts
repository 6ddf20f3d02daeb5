// The log lines containerd and podman parse (--log FILE --log-format json|text), pinned byte for byte
// as pino writes them, and the rule that keeps pino off the start-up path: loaded only to write a line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger, textLine } from "../../src/log.js";
import { repoRoot } from "../helpers/rootfs.js";

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function withFile(fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "log-"));
  try { fn(join(dir, "log")); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test("json: logrus's keys and order, one line per call, appended", () => {
  withFile((file) => {
    const log = new Logger({ file, format: "json", debug: true });
    log.error('mount "x": ENODEV\n\u2028');
    log.warn("w");
    log.debug("d");
    const lines = readFileSync(file, "utf8").split("\n");
    assert.equal(lines.pop(), "");
    assert.equal(lines.length, 3);
    const [e, w, d] = lines.map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(Object.keys(e), ["level", "msg", "time"]);
    assert.match(e.time, TIME);
    assert.equal(lines[0], JSON.stringify({ level: "error", msg: 'mount "x": ENODEV\n\u2028', time: e.time }));
    assert.deepEqual([w.level, w.msg, d.level, d.msg], ["warn", "w", "debug", "d"]);
  });
});

test("text: logrus's text form, the message quoted", () => {
  assert.equal(textLine("warn", "a\nb", "2026-12-07T13:00:00Z"), 'time="2026-12-07T13:00:00Z" level=warn msg="a\\nb"\n');
  withFile((file) => {
    new Logger({ file, format: "text", debug: false }).error("a\nb");
    new Logger({ file, format: "text", debug: false }).debug("not without --debug");
    const text = readFileSync(file, "utf8");
    assert.match(text, /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=error msg="a\\nb"\n$/);
  });
});

test("an unwritable log file does not hide the error", () => {
  new Logger({ file: "/nonexistent-dir/log", format: "json", debug: false }).warn("still fine");
});

test("pino is loaded only when a line is written", () => {
  const mod = JSON.stringify(join(repoRoot, "dist", "src", "log.js"));
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", `
    import { createRequire } from "node:module";
    const { Logger } = await import(${mod});
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("/node_modules/pino/"));
    const log = new Logger({ file: "/dev/null", format: "json", debug: false });
    log.debug("dropped: no --debug");
    const before = loaded();
    log.warn("w");
    console.log(JSON.stringify([before, loaded()]));`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.deepEqual(JSON.parse(out), [false, true]);
});
