// --preserve-fds and LISTEN_FDS pass only the caller's fds (issue 13, finding 4).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readlinkSync } from "node:fs";
import { checkPassedFds } from "../../src/passed-fds.js";
import { startFds } from "../../src/start-fds.js";
import { TsrunError } from "../../src/errors.js";

test("the start-up record holds what this process inherited, and none of the engine's event loop fds", () => {
  assert.ok(startFds, "/proc/self/fd was read");
  for (const fd of startFds!) assert.doesNotMatch(readlinkSync(`/proc/self/fd/${fd}`), /eventpoll|eventfd/);
  assert.ok(![...startFds!].some((fd) => fd <= 2), "stdio is not part of it");
});

test("a gap in the range is refused naming the fd: closed, or one of tsrun's own (close-on-exec)", () => {
  const open = new Map<number, number>([[3, 0], [4, 1], [6, 0]]); // fd -> F_GETFD flags
  const flags = (fd: number): number | null => open.get(fd) ?? null;
  assert.doesNotThrow(() => checkPassedFds(flags, 1, 0, null));
  assert.throws(() => checkPassedFds(flags, 2, 0, null), (e: TsrunError) => e.message === "--preserve-fds 2: fd 4 was not passed by the caller (it is tsrun's own)");
  assert.throws(() => checkPassedFds(flags, 3, 0, new Set([3, 4])), /--preserve-fds 3: fd 5 is not open/);
  // with the start-up record, the record decides (the engines mark inherited fds close-on-exec)
  assert.doesNotThrow(() => checkPassedFds(flags, 2, 0, new Set([3, 4])));
  assert.throws(() => checkPassedFds(flags, 1, 0, new Set([4])), /fd 3 was not passed/);
  // LISTEN_FDS come first and are named as such
  assert.throws(() => checkPassedFds(flags, 4, 2, new Set([3, 4, 6])), /--preserve-fds 2: fd 5 is not open/);
  assert.throws(() => checkPassedFds((fd) => (fd === 3 ? 0 : null), 2, 2, new Set([3])), /LISTEN_FDS=2: fd 4 is not open/);
  assert.doesNotThrow(() => checkPassedFds(flags, 0, 0, new Set()));
});
