/*
 * Real smoke test for libtsrun.so (root only; not part of `make test`):
 *   make -C native smoke && native/build/smoke
 * Builds plans by hand and runs busybox through tsrun_spawn in new namespaces on
 * a throwaway rootfs under /tmp. Every mount happens in the child's mount
 * namespace; the host is left alone. Prints "N passed, M failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan.h"
#include "sync.h"
#include "tsrun.h"

static struct {
  struct tsrun_plan_header h;
  struct tsrun_op ops[64];
  char strs[8192];
  uint32_t slen;
  uint8_t buf[64 + 64 * 48 + 8192];
} P;

static void pinit(void) { memset(&P, 0, sizeof P); P.h.magic = TSRUN_PLAN_MAGIC; P.h.version = 1; P.slen = 1; }
static uint32_t str(const char *s) { uint32_t o = P.slen; strcpy(P.strs + o, s); P.slen += strlen(s) + 1; return o; }
static struct tsrun_op *op(uint32_t code, uint32_t flags, const char *s0, const char *s1)
{
  struct tsrun_op *o = &P.ops[P.h.op_count++];
  o->code = code;
  o->flags = flags;
  o->s[0] = s0 ? str(s0) : TSRUN_NOSTR;
  o->s[1] = s1 ? str(s1) : TSRUN_NOSTR;
  o->s[2] = o->s[3] = TSRUN_NOSTR;
  return o;
}
static void exec_op(const char *cmd)
{
  struct tsrun_op *o = op(OP_EXEC, 0, "/bin/busybox", NULL);
  str("sh"); str("-c"); str(cmd);
  o->a = 4;
  o->s[1] = str("PATH=/bin");
  o->b = 1;
}
static uint32_t build(void)
{
  P.h.str_len = P.slen;
  memcpy(P.buf, &P.h, 64);
  memcpy(P.buf + 64, P.ops, P.h.op_count * 48);
  memcpy(P.buf + 64 + P.h.op_count * 48, P.strs, P.slen);
  return 64 + P.h.op_count * 48 + P.slen;
}

static char base[256], rootfs[300], state[300], data[300];
static int passed, failed;
#define CHECK(c, ...) do { if (c) passed++; else { failed++; fprintf(stderr, "FAIL line %d: %s: ", __LINE__, #c); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

static void sh(const char *fmt, const char *arg)
{
  char cmd[1024];
  snprintf(cmd, sizeof cmd, fmt, arg, arg, arg, arg);
  if (system(cmd) != 0) {
    fprintf(stderr, "setup failed: %s\n", cmd);
    exit(2);
  }
}

static int recv_msg(int fd, struct tsrun_msg *m, int timeout_ms)
{
  struct pollfd p = { fd, POLLIN, 0 };
  if (poll(&p, 1, timeout_ms) <= 0)
    return -ETIMEDOUT;
  ssize_t n = recv(fd, m, sizeof *m, 0);
  return n == (ssize_t)sizeof *m ? 1 : n == 0 ? 0 : -EPROTO;
}

static int send_go(int fd)
{
  struct tsrun_msg m;
  memset(&m, 0, sizeof m);
  m.type = MSG_GO;
  return send(fd, &m, sizeof m, MSG_NOSIGNAL) == sizeof m ? 0 : -1;
}

/* The common container setup: private propagation, self bind, /proc, /dev, pivot. */
static void container_ops(int userns)
{
  struct tsrun_op *o;
  op(OP_OPEN_ROOT, 0, rootfs, NULL);
  op(OP_PRIVATE_ROOT, 0, NULL, NULL)->a = MS_REC | MS_PRIVATE;
  op(OP_MOUNT, OPF_BIND, rootfs, "/")->a = MS_BIND | MS_REC;
  o = op(OP_MOUNT, OPF_CHECK_PROCFS, "proc", "/proc");
  o->s[2] = str("proc");
  o->a = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  o = op(OP_MOUNT, 0, "tmpfs", "/dev");
  o->s[2] = str("tmpfs");
  o->s[3] = str("mode=755,size=1m");
  o->a = MS_NOSUID | MS_STRICTATIME;
  o = op(OP_MKNOD, OPF_BIND_FALLBACK, "/dev/null", NULL);
  o->a = S_IFCHR | 0666;
  o->b = makedev(1, 3);
  op(OP_SYMLINK, 0, "/proc/self/fd", "/dev/fd");
  o = op(OP_MOUNT, OPF_BIND | OPF_REMOUNT_BIND, data, "/data/ro");
  o->a = MS_BIND | MS_REC;
  o->b = MS_RDONLY;
  o = op(OP_MOUNT, OPF_BIND, "/etc/hostname", "/etc/host-hostname"); /* a file bind: created as a file */
  o->a = MS_BIND;
  op(OP_SETHOSTNAME, 0, "tsrun-smoke", NULL);
  op(OP_PIVOT_ROOT, 0, rootfs, NULL);
  op(OP_MASK_PATH, 0, "/proc/kcore", NULL); /* may not exist: ignored */
  op(OP_MASK_PATH, 0, "/proc/timer_list", NULL);
  op(OP_MASK_PATH, 0, "/proc/acpi", NULL);
  op(OP_READONLY_PATH, 0, "/proc/sys", NULL);
  op(OP_REMOUNT_RO, 0, "/", NULL);
  op(OP_CHDIR, 0, "/", NULL);
  (void)userns;
}

static int devnull_fd(void) { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

/* Spawn; with out_fd >= 0 the child's stdout/stderr go there (set up around the call). */
static int spawn(int state_fd, int out_fd, int32_t out[4], int cgfd)
{
  int32_t in[SPAWN_IN__COUNT] = { cgfd, state_fd, -1, 0 };
  int save1 = dup(1), save2 = dup(2), r;
  if (out_fd >= 0) {
    dup2(out_fd, 1);
    dup2(out_fd, 2);
  }
  /* like Node: stdio close-on-exec and non-blocking; the executor must undo both */
  fcntl(1, F_SETFD, FD_CLOEXEC);
  fcntl(2, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
  r = tsrun_spawn(P.buf, build(), in, out);
  dup2(save1, 1);
  dup2(save2, 2);
  close(save1);
  close(save2);
  return r;
}

static int wait_status(int pid)
{
  int st = 0;
  if (waitpid(pid, &st, 0) < 0)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static ssize_t read_all(int fd, char *buf, size_t n)
{
  size_t k = 0;
  ssize_t r;
  while (k < n - 1 && (r = read(fd, buf + k, n - 1 - k)) > 0)
    k += (size_t)r;
  buf[k] = 0;
  return (ssize_t)k;
}

static void test_container(int userns, int fork_init)
{
  int32_t out[4] = { -1, -1, -1, -1 };
  struct tsrun_msg m;
  int p[2], sfd, r, pid, fifo;
  char outbuf[4096], c;

  pinit();
  if (fork_init) {
    P.h.clone_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    P.h.unshare_flags = CLONE_NEWPID;
    P.h.flags = TSRUN_PF_FORK_INIT | TSRUN_PF_SETSID;
  } else {
    P.h.clone_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWIPC | (userns ? CLONE_NEWUSER : 0);
    P.h.flags = TSRUN_PF_SETSID | (userns ? TSRUN_PF_NEW_USERNS : 0);
  }
  container_ops(userns);
  op(OP_LOOKUP_EXEC, 0, "sh", "/usr/bin:/bin");
  op(OP_REPORT_READY, 0, NULL, NULL);
  op(OP_WAIT_START, 0, NULL, NULL);
  exec_op("echo host=$(hostname) pid=$$; cat /data/ro/x; touch /data/ro/y 2>/dev/null || echo ro-ok;"
          " touch /newfile 2>/dev/null || echo rootro-ok; ls -l /dev/null | cut -c1;"
          " head -c 3 /etc/host-hostname >/dev/null && echo filebind-ok;"
          " cat /proc/timer_list | wc -c; ls /proc/acpi | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo sysro-ok;"
          " ls /proc/self/fd | wc -l; id -u");

  sfd = open(state, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (pipe2(p, O_CLOEXEC) < 0)
    exit(2);
  r = spawn(sfd, p[1], out, -1);
  close(p[1]);
  CHECK(r == 0, "tsrun_spawn = %d", r);
  if (r)
    return;
  CHECK(out[1] >= 0 && out[2] >= 0 && out[3] == 0, "out = %d %d %d %d", out[0], out[1], out[2], out[3]);
  if (userns) {
    char path[64], map[] = "0 0 4294967295\n";
    r = recv_msg(out[2], &m, 5000);
    CHECK(r == 1 && m.type == MSG_MAPS_REQUEST && m.pid == 0, "maps request: r=%d type=%u pid=%d", r, m.type, m.pid);
    for (const char *f = "uid_map"; f; f = strcmp(f, "uid_map") ? NULL : "gid_map") {
      snprintf(path, sizeof path, "/proc/%d/%s", out[0], f);
      int fd = open(path, O_WRONLY);
      CHECK(fd >= 0 && write(fd, map, strlen(map)) == (ssize_t)strlen(map), "%s: %s", path, strerror(errno));
      close(fd);
    }
  }
  CHECK(send_go(out[2]) == 0, "GO");
  pid = out[0];
  if (fork_init) {
    r = recv_msg(out[2], &m, 5000);
    CHECK(r == 1 && m.type == MSG_PID && m.pid > 0, "MSG_PID: r=%d type=%u", r, m.type);
    CHECK(wait_status(out[0]) == 0, "intermediate exit 0");
    pid = m.pid;
  }
  r = recv_msg(out[2], &m, 5000);
  CHECK(r == 1 && m.type == MSG_READY, "READY: r=%d type=%u op=%d err=%d text=%s", r, m.type, m.op, m.err, m.text);
  if (r != 1 || m.type != MSG_READY) {
    kill(pid, SIGKILL);
    if (!fork_init)
      wait_status(pid);
    return;
  }
  /* gating: nothing runs until the fifo is opened */
  struct pollfd pf = { p[0], POLLIN, 0 };
  CHECK(poll(&pf, 1, 300) == 0, "output before start");
  {
    char fpath[400];
    snprintf(fpath, sizeof fpath, "%s/exec.fifo", state);
    fifo = open(fpath, O_RDONLY | O_CLOEXEC);
    CHECK(fifo >= 0 && read(fifo, &c, 1) == 1 && c == '0', "fifo read");
    close(fifo);
  }
  read_all(p[0], outbuf, sizeof outbuf);
  close(p[0]);
  CHECK(wait_status(pid) == 0, "container exit 0"); /* the grandchild is ours: we are a subreaper */
  CHECK(recv(out[2], &m, sizeof m, 0) == 0, "sync socket EOF after exec");
  close(out[2]);
  if (out[1] >= 0)
    close(out[1]);
  fprintf(stderr, "--- container output (userns=%d fork_init=%d)\n%s", userns, fork_init, outbuf);
  CHECK(strstr(outbuf, "host=tsrun-smoke pid=1\n") != NULL, "hostname / pid 1");
  CHECK(strstr(outbuf, "hello\n") != NULL, "bind mount content");
  CHECK(strstr(outbuf, "ro-ok\n") != NULL, "read-only bind");
  CHECK(strstr(outbuf, "rootro-ok\n") != NULL, "read-only root");
  CHECK(strstr(outbuf, "filebind-ok\n") != NULL, "file bind");
  CHECK(strstr(outbuf, "\nc\n") != NULL, "/dev/null is a char device (mknod, or the host node bound in a userns)");
  CHECK(strstr(outbuf, "\n0\n0\n") != NULL, "masked paths");
  CHECK(strstr(outbuf, "sysro-ok\n") != NULL, "read-only /proc/sys");
  CHECK(strstr(outbuf, "\n4\n0\n") != NULL, "only fds 0-2 (+ the ls dir fd) survive exec, uid 0");
}

static void test_error_report(void)
{
  int32_t out[4];
  struct tsrun_msg m;
  struct tsrun_op *o;
  int r;
  pinit();
  P.h.clone_flags = CLONE_NEWNS;
  op(OP_OPEN_ROOT, 0, rootfs, NULL);
  op(OP_PRIVATE_ROOT, 0, NULL, NULL)->a = MS_REC | MS_PRIVATE;
  o = op(OP_MOUNT, OPF_BIND, "/nonexistent/tsrun-smoke", "/data");
  o->a = MS_BIND;
  exec_op("true");
  r = spawn(-1, -1, out, -1);
  CHECK(r == 0, "spawn %d", r);
  send_go(out[2]);
  r = recv_msg(out[2], &m, 5000);
  CHECK(r == 1 && m.type == MSG_ERROR && m.op == 2 && m.err == ENOENT && !strcmp(m.text, "/nonexistent/tsrun-smoke"),
        "r=%d type=%u op=%d err=%d text=%s", r, m.type, m.op, m.err, m.text);
  CHECK(wait_status(out[0]) == 1, "exit 1");
  close(out[1]);
  close(out[2]);

  /* a missing executable is a create-time error with Go's text */
  pinit();
  P.h.clone_flags = CLONE_NEWNS;
  container_ops(0);
  op(OP_LOOKUP_EXEC, 0, "nope", "/bin");
  op(OP_REPORT_READY, 0, NULL, NULL);
  exec_op("true");
  r = spawn(-1, -1, out, -1);
  send_go(out[2]);
  r = recv_msg(out[2], &m, 5000);
  CHECK(r == 1 && m.type == MSG_ERROR && m.err == ENOENT &&
        !strcmp(m.text, "exec: \"nope\": executable file not found in $PATH"), "text=%s", m.text);
  CHECK(wait_status(out[0]) == 1, "exit 1");
  close(out[1]);
  close(out[2]);

  /* the parent going away before GO: the child exits 1 silently */
  pinit();
  exec_op("true");
  r = spawn(-1, -1, out, -1);
  close(out[2]);
  CHECK(wait_status(out[0]) == 1, "EOF before GO exits 1");
  close(out[1]);

  /* a malformed plan never clones */
  pinit();
  exec_op("true");
  build();
  P.buf[0] ^= 1;
  {
    int32_t in[4] = { -1, -1, -1, 0 };
    CHECK(tsrun_spawn(P.buf, 64 + 48 + P.slen, in, out) == -EINVAL, "malformed plan");
  }
}

static void test_cgroup_and_fdpass(void)
{
  char cg[] = "/sys/fs/cgroup/unified/tsrun-smoke-cg", procs[128], buf[64];
  int32_t out[4];
  int cgfd, r, sv[2], fd;
  char cgout[4096];
  int p[2];
  pinit();
  P.h.clone_flags = CLONE_NEWCGROUP;
  exec_op("grep ^0:: /proc/self/cgroup");
  if (mkdir(cg, 0755) < 0 && errno != EEXIST) {
    fprintf(stderr, "skip cgroup test: %s\n", strerror(errno));
  } else {
    cgfd = open(cg, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (pipe2(p, O_CLOEXEC) < 0)
      exit(2);
    r = spawn(-1, p[1], out, cgfd);
    CHECK(r == 0 && out[3] == 1, "CLONE_INTO_CGROUP r=%d placed=%d", r, out[3]);
    snprintf(procs, sizeof procs, "%s/cgroup.procs", cg);
    fd = open(procs, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    CHECK(atoi(buf) == out[0], "child %d in cgroup.procs: %s", out[0], buf);
    send_go(out[2]);
    close(p[1]);
    read_all(p[0], cgout, sizeof cgout);
    close(p[0]);
    CHECK(wait_status(out[0]) == 0 && !strcmp(cgout, "0::/\n"), "cgroup namespace rooted at the container's cgroup: %s", cgout);
    close(out[2]);
    close(out[1]);
    close(cgfd);
    rmdir(cg);
  }
  /* SCM_RIGHTS round trip */
  socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
  fd = devnull_fd();
  CHECK(tsrun_send_fd(sv[0], fd, "/dev/pts/7") == 0, "send_fd");
  char name[64];
  int got = tsrun_recv_fd(sv[1], name, sizeof name);
  struct stat a, b;
  fstat(fd, &a);
  CHECK(got >= 0 && fstat(got, &b) == 0 && a.st_rdev == b.st_rdev && !strcmp(name, "/dev/pts/7"), "recv_fd %d %s", got, name);
  CHECK((fcntl(got, F_GETFD) & FD_CLOEXEC) != 0, "received fd is CLOEXEC");
  close(got);
  close(fd);
  send(sv[0], "x", 1, 0);
  CHECK(tsrun_recv_fd(sv[1], name, sizeof name) == -EBADMSG, "no fd -> EBADMSG");
  close(sv[0]);
  CHECK(tsrun_recv_fd(sv[1], name, sizeof name) == -ECONNRESET, "EOF -> ECONNRESET");
  close(sv[1]);
}

int main(void)
{
  char tmpl[] = "/tmp/tsrun-smoke-XXXXXX";
  if (geteuid() != 0) {
    fprintf(stderr, "smoke test needs root\n");
    return 2;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (!mkdtemp(tmpl))
    return 2;
  snprintf(base, sizeof base, "%s", tmpl);
  snprintf(rootfs, sizeof rootfs, "%s/rootfs", base);
  snprintf(state, sizeof state, "%s/state", base);
  snprintf(data, sizeof data, "%s/data", base);
  sh("mkdir -p %s/bin %s/proc %s/dev %s/etc", rootfs);
  sh("cp /bin/busybox %s/bin/busybox && cd %s/bin && for a in $(./busybox --list); do [ $a = busybox ] || ln -sf busybox $a; done", rootfs);
  sh("mkdir -m 0700 %s && mkfifo -m 0622 %s/exec.fifo", state);
  sh("mkdir -p %s && echo hello > %s/x", data);

  test_container(0, 0);
  test_container(1, 0);
  sh("rm -f %s/exec.fifo && mkfifo -m 0622 %s/exec.fifo", state);
  test_container(0, 1);
  test_error_report();
  test_cgroup_and_fdpass();

  sh("rm -rf %s", base);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
