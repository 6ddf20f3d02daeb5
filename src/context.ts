/** What every command gets: global flags, the logger, and lazily created I/O handles. */
import type { Logger } from "./log.js";
import type { Sys } from "./sys/types.js";
import { StateStore } from "./state/store.js";

export interface Ctx {
  root: string;
  log: Logger;
  rootless: boolean;
  sys(): Sys;
  store(): StateStore;
}

export function makeCtx(root: string, log: Logger, rootless: boolean, loadSys: () => Sys): Ctx {
  let sys: Sys | undefined;
  let store: StateStore | undefined;
  const ctx: Ctx = {
    root, log, rootless,
    sys: () => (sys ??= loadSys()),
    store: () => (store ??= new StateStore(root, ctx.sys)),
  };
  return ctx;
}
