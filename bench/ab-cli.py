#!/usr/bin/env python3
# Interleaved A/B of tsrun builds over the calls clients make most, by wall and CPU time
# (wait4 rusage). Each repetition runs, for every build in a shuffled order, one sequence:
#   state <missing id>; state <created id>; run (the demo bundle); create; start;
#   exec --process F --detach --pid-file P (containerd's form); kill ID 9; delete --force
# and reports medians per command (and create+start+delete). Used for docs/PERFORMANCE.md.
# Usage (root, after npm run build): bench/ab-cli.py N name=BIN [name=BIN ...]
import json, os, random, shutil, statistics, sys, tempfile
import time

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
n = int(sys.argv[1]); builds = [a.split("=", 1) for a in sys.argv[2:]]
env = dict(os.environ); env.pop("NODE_EXTRA_CA_CERTS", None)
dn = os.open("/dev/null", os.O_RDWR)
work = tempfile.mkdtemp(prefix="tsrun-ab-")
demo = os.path.join(repo, "spec-fixtures", "demo")
cfg = json.load(open(os.path.join(demo, "config.json")))
cfg["root"]["path"] = os.path.join(demo, "rootfs")
cfg["process"]["args"] = ["/bin/tsrun-testhelper", "sleep", "100000"]
sleeper = os.path.join(work, "sleeper"); os.mkdir(sleeper)
json.dump(cfg, open(os.path.join(sleeper, "config.json"), "w"))
proc = os.path.join(work, "exec-process.json")
json.dump({"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/bin/tsrun-testhelper", "exit", "0"], "env": cfg["process"]["env"], "cwd": "/"}, open(proc, "w"))

def run(argv, check=True):
    t0 = time.monotonic(); pid = os.fork()
    if pid == 0:
        os.dup2(dn, 0); os.dup2(dn, 1); os.dup2(dn, 2); os.execve(argv[0], argv, env)
    _, st, ru = os.wait4(pid, 0)
    if check and os.waitstatus_to_exitcode(st) != 0: print("FAIL", " ".join(argv), file=sys.stderr)
    return ((time.monotonic() - t0) * 1000, (ru.ru_utime + ru.ru_stime) * 1000)

KEYS = ["state-missing", "state", "run", "create", "start", "exec-d", "kill", "delete"]
res = {name: {k: [] for k in KEYS} for name, _ in builds}
for name, b in builds:
    root = os.path.join(work, "root-" + name)
    run([b, "--root", root, "create", "-b", sleeper, "st"])
for w in range(n + 1):
    for name, b in random.sample(builds, len(builds)):
        root = os.path.join(work, "root-" + name); g = [b, "--root", root]
        r = {"state-missing": run(g + ["state", "nope"], check=False), "state": run(g + ["state", "st"]),
             "run": run(g + ["run", "-b", demo, "r"]), "create": run(g + ["create", "--bundle", sleeper, "--pid-file", os.path.join(work, "init.pid"), "c"]),
             "start": run(g + ["start", "c"]),
             "exec-d": run(g + ["exec", "--process", proc, "--detach", "--pid-file", os.path.join(work, "exec.pid"), "c"]),
             "kill": run(g + ["kill", "c", "9"]), "delete": run(g + ["delete", "--force", "c"])}
        if w:
            for k in KEYS: res[name][k].append(r[k])
for name, b in builds:
    run([b, "--root", os.path.join(work, "root-" + name), "delete", "--force", "st"])
shutil.rmtree(work, ignore_errors=True)
med = lambda v, i: statistics.median(x[i] for x in v)
print("| command | " + " | ".join(f"{name} wall | {name} CPU" for name, _ in builds) + " |")
print("|---|" + "---|---|" * len(builds))
for k in KEYS + ["create+start+delete"]:
    cells = []
    for name, _ in builds:
        d = res[name]
        if k == "create+start+delete": cells += [f"{sum(med(d[x], i) for x in ('create', 'start', 'delete')):.1f}" for i in (0, 1)]
        else: cells += [f"{med(d[k], i):.1f}" for i in (0, 1)]
    print(f"| `{k}` | " + " | ".join(cells) + " |")
print(f"{n} repetitions, medians in ms; load", open("/proc/loadavg").read().strip())
