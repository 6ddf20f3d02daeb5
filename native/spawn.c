/*
 * tsrun_spawn: clone the executor child (fork semantics, no new stack) and return
 * to JS at once. The child never returns: it runs tsrun_child_main with the real
 * syscall table and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "executor.h"
#include "tsrun.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone_args_v2 { /* struct clone_args up to and including .cgroup (CLONE_ARGS_SIZE_VER2) */
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  uint64_t set_tid, set_tid_size, cgroup;
};

static long do_clone3(uint64_t flags, int cgroup_fd, int *pidfd)
{
  struct clone_args_v2 a;
  memset(&a, 0, sizeof a);
  a.flags = flags;
  a.pidfd = (uint64_t)(uintptr_t)pidfd;
  a.exit_signal = SIGCHLD;
  if (flags & CLONE_INTO_CGROUP)
    a.cgroup = (uint64_t)cgroup_fd;
  long r = syscall(SYS_clone3, &a, sizeof a);
  return r < 0 ? -errno : r;
}

static long do_clone(uint64_t flags, int *pidfd)
{
  /* clone(2) with fork semantics; with CLONE_PIDFD the fd lands in parent_tid */
#if defined(__x86_64__)
  long r = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0UL, pidfd, (void *)0, 0UL);
#else
  long r = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0UL, pidfd, 0UL, (void *)0);
#endif
  return r < 0 ? -errno : r;
}

/* Keep our fds out of 0 .. 3+preserve-1: the container gets every fd there. One of
 * ours can only sit there if the caller left a hole in its preserved range. */
static int lift_fd(int fd, int floor)
{
  long r;
  if (fd < 0 || fd >= floor)
    return fd;
  r = syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor);
  if (r < 0)
    return -1; /* fail closed: the op that needs it reports EBADF */
  syscall(SYS_close, fd);
  return (int)r;
}

/* Close every inherited fd from `from` up, except the ones in keep[] (the fds the plan
 * needs). Node's own fds, and the flock'd state dir fd of the parent, must not live on
 * in the child: the lock would stay held by init until exec. */
static void close_inherited(int from, int *keep, int n)
{
  int i, j, t, lo = from;
  for (i = 0; i < n; i++) /* sort keep[] */
    for (j = i + 1; j < n; j++)
      if (keep[j] < keep[i]) { t = keep[i]; keep[i] = keep[j]; keep[j] = t; }
  for (i = 0; i < n; i++) {
    if (keep[i] < lo)
      continue;
    if (keep[i] > lo)
      syscall(SYS_close_range, (unsigned)lo, (unsigned)(keep[i] - 1), 0U);
    lo = keep[i] + 1;
  }
  syscall(SYS_close_range, (unsigned)lo, ~0U, 0U);
}

/* Foreground stdio: the given fds (>= 3) become 0, 1 and 2, so that the process never
 * holds the caller's files; the originals go. Fails closed: no half-replaced stdio. */
static void place_stdio(const int32_t *in)
{
  int i;
  for (i = 0; i < 3; i++)
    if (in[SPAWN_IN_STDIN_FD + i] > 2 && syscall(SYS_dup3, in[SPAWN_IN_STDIN_FD + i], i, 0) < 0)
      for (;;)
        syscall(SYS_exit_group, 1);
  for (i = 0; i < 3; i++)
    if (in[SPAWN_IN_STDIN_FD + i] > 2)
      syscall(SYS_close, in[SPAWN_IN_STDIN_FD + i]);
}

static void child(const uint8_t *plan, uint32_t plan_len, const int32_t *in, int parent_end, int child_end)
{
  struct tsrun_exec_ctx ctx;
  int floor = 3 + (in[SPAWN_IN_PRESERVE_FDS] > 0 ? in[SPAWN_IN_PRESERVE_FDS] : 0);
  int rc;

  /* first thing: /proc/self/exe of this half-made process (Node) must not be reachable */
  syscall(SYS_prctl, PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
  syscall(SYS_close, parent_end); /* so that the parent's exit is seen as EOF */
  place_stdio(in);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = lift_fd(child_end, floor);
  ctx.state_dir_fd = lift_fd(in[SPAWN_IN_STATE_DIR_FD], floor);
  ctx.console_fd = lift_fd(in[SPAWN_IN_CONSOLE_FD], floor);
  ctx.preserve_fds = in[SPAWN_IN_PRESERVE_FDS] > 0 ? in[SPAWN_IN_PRESERVE_FDS] : 0;
  ctx.fifo_fd = -1;
  if (ctx.state_dir_fd >= 0) {
    long f = syscall(SYS_openat, ctx.state_dir_fd, "exec.fifo", O_PATH | O_CLOEXEC | O_NOFOLLOW, 0);
    ctx.fifo_fd = f < 0 ? -1 : lift_fd((int)f, floor);
  }
  {
    int keep[4] = { ctx.sync_fd, ctx.state_dir_fd, ctx.console_fd, ctx.fifo_fd };
    close_inherited(floor, keep, 4);
  }
  rc = tsrun_child_main(&tsrun_sys_real, plan, plan_len, &ctx);
  tsrun_sys_real.exit(rc);
}

TSRUN_EXPORT int tsrun_spawn(const uint8_t *plan, uint32_t plan_len, const int32_t *in, int32_t *out)
{
  struct tsrun_exec_ctx vctx;
  struct tsrun_plan_header h;
  sigset_t all, old;
  int sv[2], pidfd = -1, placed = 0, cg, e;
  uint64_t flags;
  long pid;

  if (!plan || !in || !out)
    return -EINVAL;
  if ((e = tsrun_plan_validate(plan, plan_len, &vctx)) < 0)
    return e;
  memcpy(&h, plan, sizeof h);
  cg = in[SPAWN_IN_CGROUP_FD];
  for (e = SPAWN_IN_STDIN_FD; e <= SPAWN_IN_STDERR_FD; e++)
    if (in[e] > 2 && fcntl(in[e], F_GETFD) < 0)
      return -EBADF;
  /* a cgroup namespace is made after MSG_GO, once the caller has placed the child in
   * every hierarchy (v1 ones too), so that its root is the container's cgroup */
  flags = (h.clone_flags & ~(uint64_t)CLONE_NEWCGROUP) | CLONE_PIDFD;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return -errno;

  /* the child starts with every signal blocked: no Node handler may run in it */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  if (cg >= 0) {
    pid = do_clone3(flags | CLONE_INTO_CGROUP, cg, &pidfd);
    if (pid >= 0)
      placed = 1;
    else if (pid == -E2BIG || pid == -ENOSYS || pid == -EINVAL)
      pid = do_clone3(flags, -1, &pidfd); /* kernel < 5.7: the caller writes cgroup.procs */
  } else {
    pid = do_clone3(flags, -1, &pidfd);
  }
  if (pid == -ENOSYS) /* kernel < 5.3 */
    pid = do_clone(flags, &pidfd);
  if (pid == 0) {
    child(plan, plan_len, in, sv[0], sv[1]);
    for (;;)
      syscall(SYS_exit_group, 1);
  }
  e = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    errno = e;
    return (int)pid;
  }
  out[SPAWN_OUT_PID] = (int32_t)pid;
  out[SPAWN_OUT_PIDFD] = pidfd;
  out[SPAWN_OUT_SYNC_FD] = sv[0];
  out[SPAWN_OUT_IN_CGROUP] = placed;
  return 0;
}
