// The log lines containerd and podman parse (--log FILE --log-format json|text), pinned byte for byte
// as pino writes them, and the rule that keeps pino off the start-up path: loaded only to write a line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
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
    assert.deepEqual([w.level, w.msg, d.level, d.msg], ["warning", "w", "debug", "d"]);
  });
});

test("text: logrus's text form, the message quoted", () => {
  assert.equal(textLine("warn", "a\nb", "2026-12-07T13:00:00Z"), 'time="2026-12-07T13:00:00Z" level=warning msg="a\\nb"\n');
  withFile((file) => {
    new Logger({ file, format: "text", debug: false }).error("a\nb");
    new Logger({ file, format: "text", debug: false }).debug("not without --debug");
    const text = readFileSync(file, "utf8");
    assert.match(text, /^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=error msg="a\\nb"\n$/);
  });
});

/** What a Logger with `opts` writes to stderr for error("e"), warn("w"), debug("d"), run in a child process. */
function stderrOf(opts: object): string {
  const mod = JSON.stringify(join(repoRoot, "dist", "src", "log.js"));
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", `
    const { Logger } = await import(${mod});
    const log = new Logger(${JSON.stringify(opts)});
    log.error("e \\"q\\""); log.warn("w"); log.debug("d");`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "");
  return r.stderr;
}

test("without --log, json: every line is logrus's JSON on stderr, one per line", () => {
  const lines = stderrOf({ format: "json", debug: true }).split("\n");
  assert.equal(lines.pop(), "");
  const o = lines.map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(o.map((x) => [x.level, x.msg]), [["error", 'e "q"'], ["warning", "w"], ["debug", "d"]]);
  for (const x of o) { assert.deepEqual(Object.keys(x), ["level", "msg", "time"]); assert.match(x.time, TIME); }
  assert.equal(stderrOf({ format: "json", debug: false }).split("\n").length, 3, "no debug line without --debug");
});

test("without --log, text: the error is the plain message, warnings and debug lines are logrus's key=value", () => {
  const lines = stderrOf({ format: "text", debug: true }).split("\n");
  assert.equal(lines[0], 'e "q"');
  assert.match(lines[1], /^time="[^"]+" level=warning msg="w"$/);
  assert.match(lines[2], /^time="[^"]+" level=debug msg="d"$/);
  assert.equal(lines.length, 4);
});

test("with --log: every line goes to the file, only the error also to stderr as plain text", () => {
  withFile((file) => {
    assert.equal(stderrOf({ file, format: "text", debug: true }), 'e "q"\n');
    const lines = readFileSync(file, "utf8").split("\n");
    assert.match(lines[0], /^time="[^"]+" level=error msg="e \\"q\\""$/);
    assert.match(lines[1], /^time="[^"]+" level=warning msg="w"$/);
    assert.match(lines[2], /^time="[^"]+" level=debug msg="d"$/);
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
