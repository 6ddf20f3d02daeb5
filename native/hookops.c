/*
 * Hook ops. OP_HOOK_SYNC stops the child at a point the plan chose (after the
 * mounts, before pivot_root) so the parent can run the createRuntime and
 * createContainer hooks while the container's mounts exist, or at an idmapped
 * mount so the parent can make it from the host; the child waits for
 * MSG_HOOKS_DONE. OP_HOOK_EXEC runs a startContainer hook inside the container:
 * fork, stdin = the state file OP_HOOK_SYNC opened, execve, wait (SIGKILL at the
 * hook's timeout). A failure is one line written to the exec fifo, which init kept
 * open after start (OP_WAIT_START a=1), so `tsrun start` fails with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <linux/close_range.h>

#include "executor.h"

#define HOOK_MAX_ARGS 1024
static char *h_argv[HOOK_MAX_ARGS + 1], *h_envp[HOOK_MAX_ARGS + 1];
static char h_msg[TSRUN_MSG_TEXT];

static int hook_sync(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  struct tsrun_msg m;
  long r;
  memset(&m, 0, sizeof m);
  m.type = MSG_HOOKS;
  m.point = (int32_t)op->a;
  r = x_send(st, &m);
  if (r < 0)
    return (int)x_fail(st, r, "sync socket");
  do
    r = s->recv(st->ctx->sync_fd, &m, sizeof m, 0);
  while (r == -EINTR);
  if (r == 0)
    return X_EXIT_BASE + 1; /* the runtime went away (a hook failed): quietly */
  if (r < 0)
    return (int)x_fail(st, r, "sync socket");
  if (r != (long)sizeof m || m.type != MSG_HOOKS_DONE)
    return (int)x_fail(st, -EPROTO, "sync socket: expected HOOKS_DONE");
  if (op->s[0] != TSRUN_NOSTR && st->ctx->state_dir_fd >= 0 && st->hook_state_fd < 0) {
    r = s->openat(st->ctx->state_dir_fd, x_str(st, op->s[0]), O_RDONLY | O_CLOEXEC, 0);
    if (r < 0)
      return (int)x_fail(st, r, x_str(st, op->s[0]));
    st->hook_state_fd = (int)r;
  }
  return 0;
}

/* in the forked child: fd 0 = a fresh open of the state file (own offset), or the fd itself */
static void hook_stdin(struct xst *st)
{
  const struct tsrun_sys *s = st->sys;
  char path[X_FD_PATH_MAX];
  long fd = -1;
  if (st->hook_state_fd < 0)
    return;
  fd = s->openat(AT_FDCWD, x_fd_path(path, st->hook_state_fd), O_RDONLY, 0);
  if (fd < 0)
    fd = st->hook_state_fd;
  s->close(0);
  s->fcntl((int)fd, F_DUPFD, 0);
}

/* wait for the hook; with a timeout (op->c seconds), poll and SIGKILL it when the time is up.
 * Returns the wait4 result; *timed_out says the hook was killed for it. */
static long hook_wait(struct xst *st, long pid, uint64_t timeout, int *status, int *timed_out)
{
  const struct tsrun_sys *s = st->sys;
  struct timespec now, end, nap = { 0, 5 * 1000 * 1000 };
  long r;
  *timed_out = 0;
  if (timeout == 0 || s->attr3(SYS_clock_gettime, CLOCK_MONOTONIC, (unsigned long)&end, 0) < 0) {
    do
      r = s->wait4((int)pid, status, 0);
    while (r == -EINTR);
    return r;
  }
  end.tv_sec += (time_t)timeout;
  for (;;) {
    r = s->wait4((int)pid, status, WNOHANG);
    if (r != 0 && r != -EINTR)
      return r;
    if (s->attr3(SYS_clock_gettime, CLOCK_MONOTONIC, (unsigned long)&now, 0) == 0 &&
        (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))) {
      *timed_out = 1;
      s->attr3(SYS_kill, (unsigned long)pid, SIGKILL, 0);
      do
        r = s->wait4((int)pid, status, 0);
      while (r == -EINTR);
      return r;
    }
    s->attr3(SYS_nanosleep, (unsigned long)&nap, 0, 0);
  }
}

static int hook_exec(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *path = x_str(st, op->s[0]), *label = x_str(st, op->s[3]);
  int status = 0, timed_out = 0;
  long pid, r;
  struct sbuf b;

  if (op->a > HOOK_MAX_ARGS || op->b > HOOK_MAX_ARGS)
    return (int)x_fail(st, -E2BIG, path);
  x_strlist(st, h_argv, op->s[1], op->a);
  x_strlist(st, h_envp, op->s[2], op->b);
  pid = s->fork();
  if (pid < 0)
    return (int)x_fail(st, pid, "fork");
  if (pid == 0) {
    hook_stdin(st);
    s->close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    s->execve(path, h_argv, h_envp);
    s->exit(127);
    return X_EXIT_BASE + 127; /* only the fake table gets here */
  }
  r = hook_wait(st, pid, op->c, &status, &timed_out);
  if (r < 0)
    return (int)x_fail(st, r, "wait4");
  if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  sb_init(&b, h_msg, sizeof h_msg - 1);
  if (label)
    sb_str(&b, label);
  else {
    sb_str(&b, "startContainer hook ");
    sb_str(&b, path);
  }
  if (timed_out) {
    sb_str(&b, ": timed out after ");
    sb_num(&b, (long long)op->c);
    sb_str(&b, "s");
  } else if (WIFEXITED(status)) {
    sb_str(&b, ": exit status ");
    sb_num(&b, WEXITSTATUS(status));
  } else {
    const char *words = strsignal(WTERMSIG(status)); /* runc's "signal: bad system call" */
    sb_str(&b, ": killed by signal ");
    sb_num(&b, WTERMSIG(status));
    if (words && *words) {
      char lower[64];
      size_t i;
      for (i = 0; words[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)(words[i] >= 'A' && words[i] <= 'Z' ? words[i] - 'A' + 'a' : words[i]);
      lower[i] = 0;
      sb_str(&b, " (");
      sb_str(&b, lower);
      sb_str(&b, ")");
    }
  }
  if (st->start_fd >= 0) { /* tsrun start is reading the fifo: it reports this line and fails */
    h_msg[b.len] = '\n';
    if (s->write(st->start_fd, h_msg, b.len + 1) > 0)
      st->ctx->ready_sent = 0; /* reported: no fallback line on the container's stderr */
    h_msg[b.len] = 0;
  }
  return (int)x_fail(st, -ECHILD, h_msg);
}

int hook_op(struct xst *st, const struct tsrun_op *op)
{
  return op->code == OP_HOOK_SYNC ? hook_sync(st, op) : hook_exec(st, op);
}

/* OP_PROC_ATTR: personality, I/O priority, scheduler, CPU affinity of the process */
int proc_attr_op(struct xst *st, const struct tsrun_op *op)
{
  const struct tsrun_sys *s = st->sys;
  const char *blob = op->s[0] == TSRUN_NOSTR ? NULL : st->strs + op->s[0];
  long r;
  switch (op->a) {
  case 1:
    r = s->attr3(SYS_personality, (unsigned long)op->b, 0, 0);
    return r < 0 ? (int)x_fail(st, r, "personality") : 0;
  case 2:
    r = s->attr3(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (unsigned long)op->b);
    return r < 0 ? (int)x_fail(st, r, "ioprio_set") : 0;
  case 3:
    r = s->attr3(SYS_sched_setattr, 0, (unsigned long)blob, 0);
    return r < 0 ? (int)x_fail(st, r, "sched_setattr") : 0;
  case 4:
    r = s->attr3(SYS_sched_setaffinity, 0, (unsigned long)op->c, (unsigned long)blob);
    return r < 0 ? (int)x_fail(st, r, "sched_setaffinity") : 0;
  default:
    return (int)x_fail(st, -EINVAL, "process attribute");
  }
}
