// --preserve-fds and LISTEN_FDS pass only the caller's fds (issue 13, finding 4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPassedFds, parsePassedFds } from "../../src/passed-fds.js";
import { TsrunError } from "../../src/errors.js";

test("the launcher's record parses as ranges; a missing record is null, a malformed one passes nothing", () => {
  assert.deepEqual([...parsePassedFds("3-5,9")!], [3, 4, 5, 9]);
  assert.deepEqual([...parsePassedFds("")!], []);
  assert.deepEqual([...parsePassedFds("x,7")!], [7]);
  assert.equal(parsePassedFds(undefined), null);
});

test("a gap in the range is refused naming the fd: closed, or one of tsrun's own (close-on-exec)", () => {
  const open = new Map<number, number>([[3, 0], [4, 1], [6, 0]]); // fd -> F_GETFD flags
  const flags = (fd: number): number | null => open.get(fd) ?? null;
  assert.doesNotThrow(() => checkPassedFds(flags, 1, 0, null));
  assert.throws(() => checkPassedFds(flags, 2, 0, null), (e: TsrunError) => e.message === "--preserve-fds 2: fd 4 was not passed by the caller (it is tsrun's own)");
  assert.throws(() => checkPassedFds(flags, 3, 0, new Set([3, 4])), /--preserve-fds 3: fd 5 is not open/);
  // with the launcher's record, the record decides (node marks some inherited fds close-on-exec)
  assert.doesNotThrow(() => checkPassedFds(flags, 2, 0, new Set([3, 4])));
  assert.throws(() => checkPassedFds(flags, 1, 0, new Set([4])), /fd 3 was not passed/);
  // LISTEN_FDS come first and are named as such
  assert.throws(() => checkPassedFds(flags, 4, 2, new Set([3, 4, 6])), /--preserve-fds 2: fd 5 is not open/);
  assert.throws(() => checkPassedFds((fd) => (fd === 3 ? 0 : null), 2, 2, new Set([3])), /LISTEN_FDS=2: fd 4 is not open/);
  assert.doesNotThrow(() => checkPassedFds(flags, 0, 0, new Set()));
});
