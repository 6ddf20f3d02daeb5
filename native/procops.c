/*
 * Executor ops on the process itself: namespaces joined later, proc files,
 * hostname, rlimits, cwd, credentials, capabilities, no_new_privs, seccomp, the
 * executable lookup, start gating and execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "executor.h"

#define MAX_ARGS 4096

static uint32_t g_groups[65536];
static struct sock_filter g_filter[4096];
static char *g_argv[MAX_ARGS + 1], *g_envp[MAX_ARGS + 1];
static char g_path[X_PATH_MAX];      /* sysctl path, lookup candidates */
static char g_exec[X_PATH_MAX];      /* OP_LOOKUP_EXEC result */
static char g_msg[TSRUN_MSG_TEXT];   /* detail text being built */

static long write_file(struct xst *st, const char *path, const char *data)
{
  size_t n = strlen(data);
  long fd, r;
  fd = st->sys->openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    return x_fail(st, fd, path);
  r = st->sys->write((int)fd, data, n);
  st->sys->close((int)fd);
  if (r >= 0 && (size_t)r != n)
    r = -EIO;
  return r < 0 ? x_fail(st, r, path) : 0;
}

static long op_sysctl(struct xst *st, const char *key, const char *value)
{
  struct sbuf b;
  const char *p;
  int slashes = strchr(key, '/') != NULL;
  size_t start;
  sb_init(&b, g_path, sizeof g_path);
  sb_str(&b, "/proc/sys/");
  start = b.len;
  sb_str(&b, key);
  if (b.over)
    return -ENAMETOOLONG;
  if (!slashes)
    for (char *q = g_path + start; *q; q++)
      if (*q == '.')
        *q = '/';
  /* every component must be a plain name */
  for (p = g_path + start;;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
      return x_fail(st, -EINVAL, key);
    if (!e)
      break;
    p = e + 1;
  }
  return write_file(st, g_path, value);
}

static long op_capbset(struct xst *st, uint64_t keep)
{
  unsigned cap;
  for (cap = 0; cap < 64; cap++) {
    long r = st->sys->prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r == -EINVAL)
      break; /* past the kernel's last capability */
    if (r < 0)
      return r;
    if (r == 0 || (keep >> cap) & 1)
      continue;
    r = st->sys->prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    if (r < 0) {
      struct sbuf b;
      sb_init(&b, g_msg, sizeof g_msg);
      sb_str(&b, "capability ");
      sb_num(&b, cap);
      return x_fail(st, r, g_msg);
    }
  }
  return 0;
}

/* whether this user namespace forbids setgroups(2) (its gid map was written unprivileged) */
static int setgroups_denied(struct xst *st)
{
  char buf[8] = { 0 };
  long fd = st->sys->openat(AT_FDCWD, "/proc/self/setgroups", O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  long r;
  if (fd < 0)
    return 0;
  r = st->sys->read((int)fd, buf, sizeof buf - 1);
  st->sys->close((int)fd);
  return r >= 4 && memcmp(buf, "deny", 4) == 0;
}

static long op_setgroups(struct xst *st, const struct tsrun_op *op)
{
  const uint8_t *p = (const uint8_t *)x_str(st, op->s[0]);
  size_t i, n = (size_t)op->a;
  long r;
  for (i = 0; i < n; i++)
    g_groups[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
                  (uint32_t)p[4 * i + 3] << 24;
  r = st->sys->setgroups(n, g_groups);
  if (r != -EPERM || !setgroups_denied(st))
    return r;
  /* an unprivileged user namespace whose gid map was written without newgidmap: nothing to clear */
  if (n == 0)
    return 0;
  return x_fail(st, r, "/proc/self/setgroups is \"deny\": additionalGids need a gid map made by newgidmap");
}

static long op_capset(struct xst *st, const struct tsrun_op *op)
{
  struct tsrun_cap_header h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct tsrun_cap_data d[2];
  int k;
  for (k = 0; k < 2; k++) {
    d[k].effective = (uint32_t)(op->a >> (32 * k));
    d[k].permitted = (uint32_t)(op->b >> (32 * k));
    d[k].inheritable = (uint32_t)(op->c >> (32 * k));
  }
  return st->sys->capset(&h, d);
}

static long op_ambient(struct xst *st, uint64_t mask)
{
  unsigned cap;
  long r = st->sys->prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (r < 0)
    return r == -EINVAL && mask == 0 ? 0 : r;
  for (cap = 0; cap < 64; cap++) {
    if (!((mask >> cap) & 1))
      continue;
    r = st->sys->prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    if (r < 0 && r != -EINVAL) {
      struct sbuf b;
      sb_init(&b, g_msg, sizeof g_msg);
      sb_str(&b, "ambient capability ");
      sb_num(&b, cap);
      return x_fail(st, r, g_msg);
    }
  }
  return 0;
}

static long op_seccomp(struct xst *st, const struct tsrun_op *op)
{
  struct sock_fprog prog;
  memcpy(g_filter, x_str(st, op->s[0]), (size_t)op->a);
  prog.len = (unsigned short)(op->a / 8);
  prog.filter = g_filter;
  long r = st->sys->seccomp(SECCOMP_SET_MODE_FILTER, (unsigned)op->b, &prog);
  if (r < 0 || !(op->b & SECCOMP_FILTER_FLAG_NEW_LISTENER))
    return r < 0 ? r : 0;
  /* SCMP_ACT_NOTIFY: r is the listener fd; hand it to the parent (who passes it on to
   * listenerPath) and keep no copy. The plan puts this load before READY. */
  if (st->ctx->ready_sent) {
    st->sys->close((int)r);
    return -EINVAL;
  }
  struct tsrun_msg m;
  long s;
  memset(&m, 0, sizeof m);
  m.type = MSG_SECCOMP_FD;
  do
    s = st->sys->send_fd(st->ctx->sync_fd, &m, sizeof m, (int)r);
  while (s == -EINTR);
  st->sys->close((int)r);
  return s < 0 ? s : 0;
}

/* Go's exec.LookPath findExecutable: 0, or -errno with *stage 1 when stat failed. */
static long check_exec(struct xst *st, const char *path, int *stat_failed)
{
  struct stat sb;
  long r = st->sys->fstatat(AT_FDCWD, path, &sb, 0);
  *stat_failed = r < 0;
  if (r < 0)
    return r;
  if (S_ISDIR(sb.st_mode))
    return -EISDIR;
  r = st->sys->faccessat(AT_FDCWD, path, X_OK, AT_EACCESS);
  if (r == 0 || (r != -ENOSYS && r != -EPERM))
    return r;
  return (sb.st_mode & 0111) ? 0 : -EACCES;
}

static long op_lookup(struct xst *st, const char *name, const char *pathvar)
{
  struct sbuf b;
  long r;
  int stat_failed;
  sb_init(&b, g_msg, sizeof g_msg);
  sb_str(&b, "exec: \"");
  sb_str(&b, name);
  sb_str(&b, "\": ");
  if (strchr(name, '/')) {
    r = check_exec(st, name, &stat_failed);
    if (r == 0) {
      st->exec_path = name;
      return 0;
    }
    if (stat_failed) {
      sb_str(&b, "stat ");
      sb_str(&b, name);
      sb_str(&b, ": ");
    }
    sb_str(&b, x_errstr((int)-r) ? x_errstr((int)-r) : "error");
    return x_fail(st, r, g_msg);
  }
  if (*name && pathvar && *pathvar) {
    const char *p = pathvar;
    for (;;) {
      const char *e = strchr(p, ':');
      size_t n = e ? (size_t)(e - p) : strlen(p);
      if (n + 1 + strlen(name) < sizeof g_exec) {
        if (n == 0)
          g_exec[n++] = '.';
        else
          memcpy(g_exec, p, n);
        g_exec[n] = '/';
        strcpy(g_exec + n + 1, name);
        if (check_exec(st, g_exec, &stat_failed) == 0) {
          st->exec_path = g_exec;
          return 0;
        }
      }
      if (!e)
        break;
      p = e + 1;
    }
  }
  sb_str(&b, "executable file not found in $PATH");
  return x_fail(st, -ENOENT, g_msg);
}

static long op_wait_start(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  long fd, r;
  mnt_close_root(st); /* the waiting init holds only what the start handshake needs */
  fd = -ENOENT;
  if (st->ctx->fifo_fd > 0) {
    /* reopen the fifo we pinned while still root: the state dir is 0700 */
    char path[X_FD_PATH_MAX];
    x_fd_path(path, st->ctx->fifo_fd);
    do
      fd = s->openat(AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0);
    while (fd == -EINTR);
  }
  if (fd == -ENOENT && st->ctx->state_dir_fd >= 0) { /* no /proc in the container */
    do
      fd = s->openat(st->ctx->state_dir_fd, "exec.fifo", O_WRONLY | O_CLOEXEC, 0);
    while (fd == -EINTR);
  }
  if (fd < 0)
    return x_fail(st, fd, "exec.fifo");
  do
    r = s->write((int)fd, "0", 1);
  while (r == -EINTR);
  x_drop_state_dir(st); /* the handshake is over: nothing of the host's stays open */
  if (op->a & 1) /* startContainer hooks follow: start reads on until exec closes it (O_CLOEXEC) */
    st->start_fd = (int)fd;
  else
    s->close((int)fd);
  return r < 0 ? x_fail(st, r, "exec.fifo") : 0;
}

/* fd survives exec, blocking: Node leaves its stdio FD_CLOEXEC and O_NONBLOCK */
static long keep_fd(struct xst *st, int fd)
{
  const struct tsrun_sys *s = st->sys;
  long fl = s->fcntl(fd, F_GETFD, 0), r;
  if (fl == -EBADF)
    return 0; /* not open: nothing to hand over */
  if (fl < 0)
    return fl;
  if ((fl & FD_CLOEXEC) && (r = s->fcntl(fd, F_SETFD, (unsigned long)fl & ~(unsigned long)FD_CLOEXEC)) < 0)
    return r;
  fl = s->fcntl(fd, F_GETFL, 0);
  if (fl < 0)
    return fl;
  if ((fl & O_NONBLOCK) && (r = s->fcntl(fd, F_SETFL, (unsigned long)fl & ~(unsigned long)O_NONBLOCK)) < 0)
    return r;
  return 0;
}

static long cloexec_from(struct xst *st, unsigned first)
{
  const struct tsrun_sys *s = st->sys;
  struct tsrun_rlimit64 lim;
  unsigned fd, top = 65536;
  long r = s->close_range(first, ~0U, CLOSE_RANGE_CLOEXEC);
  if (r != -ENOSYS && r != -EINVAL && r != -EPERM)
    return r;
  /* kernel < 5.11, or a seccomp profile that denies close_range: mark each one */
  if (s->prlimit(0, RLIMIT_NOFILE, NULL, &lim) == 0 && lim.cur < (1u << 20))
    top = (unsigned)lim.cur;
  for (fd = first; fd < top; fd++)
    s->fcntl((int)fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

static int op_exec(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  int preserve = st->ctx->preserve_fds > 0 ? st->ctx->preserve_fds : 0, fd;
  const char *path;
  uint64_t empty = 0;
  long r;

  if (op->a > MAX_ARGS || op->b > MAX_ARGS)
    return (int)x_fail(st, -E2BIG, "exec");
  x_strlist(st, g_argv, op->s[0], op->a);
  x_strlist(st, g_envp, op->s[1], op->b);
  path = st->exec_path ? st->exec_path : g_argv[0];
  mnt_close_root(st);
  x_reset_signals(s);
  if ((r = s->rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8)) < 0)
    return (int)x_fail(st, r, "sigprocmask");
  for (fd = 0; fd < 3 + preserve; fd++)
    if ((r = keep_fd(st, fd)) < 0) {
      struct sbuf b;
      sb_init(&b, g_msg, sizeof g_msg);
      sb_str(&b, "fd ");
      sb_num(&b, fd);
      return (int)x_fail(st, r, g_msg);
    }
  if ((r = cloexec_from(st, 3u + (unsigned)preserve)) < 0)
    return (int)x_fail(st, r, "close_range");
  if (st->seccomp_op >= 0 && (r = op_seccomp(st, &st->seccomp)) < 0) {
    st->fail_op = st->seccomp_op;
    return (int)x_fail(st, r, "seccomp");
  }
  r = s->execve(path, g_argv, g_envp);
  if (r >= 0)
    return X_EXIT_BASE; /* only a fake table gets here */
  if (st->ctx->ready_sent) {
    struct sbuf b;
    const char *es = x_errstr((int)-r);
    sb_init(&b, g_path, sizeof g_path - 1);
    sb_str(&b, "tsrun: exec ");
    sb_str(&b, path);
    sb_str(&b, ": ");
    sb_str(&b, es ? es : "exec failed");
    g_path[b.len++] = '\n';
    s->write(2, g_path, b.len);
    return X_EXIT_BASE + (r == -ENOENT ? 127 : 126);
  }
  return (int)x_fail(st, r, path);
}

/* After chdir: the kernel prefixes getcwd with "(unreachable)" when the cwd is outside the root,
 * e.g. a cwd of /proc/self/fd/N on a host directory fd, or /proc/<host pid>/cwd (CVE-2024-21626). */
static long cwd_inside(struct xst *st, const char *path)
{
  struct sbuf b;
  long r = st->sys->getcwd(g_path, sizeof g_path);
  if (r > 0 && g_path[0] == '/')
    return 0;
  sb_init(&b, g_msg, sizeof g_msg);
  sb_str(&b, "cwd \"");
  sb_str(&b, path);
  sb_str(&b, "\" is outside the container's root (possible container breakout detected)");
  return x_fail(st, r < 0 ? r : -EPERM, g_msg);
}

int proc_op(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *s0 = x_str(st, op->s[0]);
  struct tsrun_rlimit64 lim;
  struct sbuf b;
  long r, fd;

  switch (op->code) {
  case OP_NSJOIN:
    fd = s->openat(AT_FDCWD, s0, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
      return (int)fd;
    r = s->setns((int)fd, (int)op->a);
    s->close((int)fd);
    return (int)r;
  case OP_OOM_SCORE_ADJ:
    sb_init(&b, g_msg, sizeof g_msg);
    sb_num(&b, (int64_t)op->a);
    return (int)write_file(st, "/proc/self/oom_score_adj", g_msg);
  case OP_SYSCTL:
    return (int)op_sysctl(st, s0, x_str(st, op->s[1]));
  case OP_SETHOSTNAME:
    return (int)s->sethostname(s0, strlen(s0));
  case OP_SETDOMAINNAME:
    return (int)s->setdomainname(s0, strlen(s0));
  case OP_RLIMIT:
    lim.cur = op->b;
    lim.max = op->c;
    return (int)s->prlimit(0, (int)op->a, &lim, NULL);
  case OP_CHDIR:
    r = s->chdir(s0);
    if ((r == -EACCES || r == -EPERM) && (op->flags & OPF_RETRY_LATER)) {
      st->chdir_later = s0;
      return 0;
    }
    return r < 0 ? (int)r : (int)cwd_inside(st, s0);
  case OP_CHDIR_RETRY:
    if (!st->chdir_later)
      return 0;
    r = s->chdir(st->chdir_later);
    return r < 0 ? (int)x_fail(st, r, st->chdir_later) : (int)cwd_inside(st, st->chdir_later);
  case OP_UMASK:
    r = s->umask((unsigned)op->a);
    return r < 0 ? (int)r : 0;
  case OP_KEEPCAPS:
    return (int)s->prctl(PR_SET_KEEPCAPS, (unsigned long)op->a, 0, 0, 0);
  case OP_CAPBSET_DROP:
    return (int)op_capbset(st, op->a);
  case OP_SETGROUPS:
    return (int)op_setgroups(st, op);
  case OP_SETRESGID:
    return (int)s->setresgid((unsigned)op->a, (unsigned)op->a, (unsigned)op->a);
  case OP_SETRESUID:
    return (int)s->setresuid((unsigned)op->a, (unsigned)op->a, (unsigned)op->a);
  case OP_CAPSET:
    return (int)op_capset(st, op);
  case OP_AMBIENT:
    return (int)op_ambient(st, op->a);
  case OP_NO_NEW_PRIVS:
    return (int)s->prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  case OP_SECCOMP:
    if (op->flags & OPF_DEFER) { /* loaded by OP_EXEC, last thing before execve */
      st->seccomp = *op;
      st->seccomp_op = st->cur_op;
      return 0;
    }
    return (int)op_seccomp(st, op);
  case OP_LOOKUP_EXEC:
    return (int)op_lookup(st, s0, x_str(st, op->s[1]));
  case OP_WAIT_START:
    return (int)op_wait_start(st, op);
  case OP_EXEC:
    return op_exec(st, op);
  default:
    return -EINVAL;
  }
}
