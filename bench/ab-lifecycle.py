#!/usr/bin/env python3
# Interleaved A/B of create, start and delete -f (one sequence per build per repetition), CPU
# time from wait4 rusage. Usage: BUNDLE=DIR bench/ab-lifecycle.py N name=TSRUN_BIN:ROOT ...
import os, sys, statistics, random, time
n = int(sys.argv[1]); vs = [a.split("=", 1) for a in sys.argv[2:]]
BUNDLE = os.environ["BUNDLE"]  # an OCI bundle of a short-lived process
env = dict(os.environ); env.pop("NODE_EXTRA_CA_CERTS", None)
dn = os.open("/dev/null", os.O_RDWR)
def run(argv):
    t0 = time.monotonic(); pid = os.fork()
    if pid == 0:
        os.dup2(dn, 0); os.dup2(dn, 1); os.dup2(dn, 2); os.execve(argv[0], argv, env)
    _, st, ru = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(st) != 0: print("FAIL", argv, file=sys.stderr)
    return ((ru.ru_utime + ru.ru_stime) * 1000, (time.monotonic() - t0) * 1000)
res = {name: {"create": [], "start": [], "delete": []} for name, _ in vs}
for w in range(n + 1):
    for name, spec in random.sample(vs, len(vs)):
        b, root = spec.split(":"); cid = f"ab-{os.getpid()}-{name}"
        r = [run([b, "--root", root, "create", "-b", BUNDLE, cid]), run([b, "--root", root, "start", cid]), run([b, "--root", root, "delete", "-f", cid])]
        if w: 
            for k, x in zip(["create", "start", "delete"], r): res[name][k].append(x)
for name, d in res.items():
    print(name, "  ".join(f"{k} cpu {statistics.median(x[0] for x in v):6.1f} wall {statistics.median(x[1] for x in v):6.1f}" for k, v in d.items()), " sum cpu %.1f" % sum(statistics.median(x[0] for x in v) for v in d.values()))
print("load", open("/proc/loadavg").read().strip())
