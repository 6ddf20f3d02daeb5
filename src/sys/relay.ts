/** koffi binding for native/relay.c: the foreground stdio copy loop, on one async call. */
import { libtsrun } from "./ffi.js";

type RelayFn = { async: (...a: [number, number, number, number, number, number, number, (err: unknown, r: number) => void]) => void };
let fn: RelayFn | undefined;

/** in → toChild, fromOut → out, fromErr → err until both outputs reach EOF or stopFd is readable. */
export function stdioRelay(input: number, toChild: number, fromOut: number, out: number, fromErr: number, err: number, stopFd: number): Promise<void> {
  fn ??= libtsrun().func("int tsrun_stdio_relay(int, int, int, int, int, int, int)") as RelayFn;
  return new Promise((resolve) => fn!.async(input, toChild, fromOut, out, fromErr, err, stopFd, () => resolve()));
}
