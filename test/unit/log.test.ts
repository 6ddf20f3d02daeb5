// The log lines containerd and podman parse (--log FILE --log-format json|text), pinned byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonLine, textLine } from "../../src/log.js";

test("json: logrus's keys and order, one line", () => {
  assert.equal(jsonLine("error", 'mount "x": ENODEV', "2026-12-07T13:00:00Z"),
    '{"level":"error","msg":"mount \\"x\\": ENODEV","time":"2026-12-07T13:00:00Z"}\n');
});

test("text: logrus's text form, the message quoted", () => {
  assert.equal(textLine("warn", "a\nb", "2026-12-07T13:00:00Z"), 'time="2026-12-07T13:00:00Z" level=warn msg="a\\nb"\n');
});
