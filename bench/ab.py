#!/usr/bin/env python3
# Interleaved A/B of whole commands by CPU time (wait4 rusage, µs) and wall time: each
# repetition runs every command once, in a shuffled order. Used for docs/PERFORMANCE.md.
# Usage: bench/ab.py N "cmd1 args" "cmd2 args" ...   (args split on spaces; stdio to /dev/null)
import os, sys, time, statistics, random
n = int(sys.argv[1]); cmds = [c.split() for c in sys.argv[2:]]
env = dict(os.environ); env.pop("NODE_EXTRA_CA_CERTS", None)
res = [[] for _ in cmds]
devnull = os.open("/dev/null", os.O_RDWR)
for w in range(n + 2):
    order = list(range(len(cmds))); random.shuffle(order)
    for i in order:
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.dup2(devnull, 0); os.dup2(devnull, 1); os.dup2(devnull, 2)
            os.execve(cmds[i][0], cmds[i], env)
        _, st, ru = os.wait4(pid, 0)
        wall = (time.monotonic() - t0) * 1000
        if os.waitstatus_to_exitcode(st) != 0: print("FAIL", " ".join(cmds[i]), file=sys.stderr)
        if w >= 2: res[i].append((wall, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_utime*1000, ru.ru_stime*1000))
for c, r in zip(cmds, res):
    md = lambda k: statistics.median(x[k] for x in r)
    print(f"cpu med {md(1):6.1f} (u {md(2):5.1f} s {md(3):5.1f})  cpu mean {statistics.mean(x[1] for x in r):6.1f}  wall med {md(0):6.1f}  | {' '.join(c)[:110]}")
print("load", open("/proc/loadavg").read().strip())
