/*
 * tsrun_spawn: clone the container's first process (fork semantics, no new stack) and
 * return to JS at once. The child never returns and never runs the plan as a copy of the
 * runtime: it execs tsrun-init (init.c) from the sealed memfd the caller made with
 * tsrun_sealed_memfd, handing it the plan in a memfd of its own and the fds it needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "executor.h"
#include "init.h"
#include "tsrun.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef MFD_EXEC_FLAG
#define MFD_EXEC_FLAG 0x0010U /* MFD_EXEC (6.3+): say so, or the kernel warns */
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

/* the fds init keeps get through exec: clear FD_CLOEXEC on our private copies */
static void pass_fd(int fd)
{
  long fl = fd >= 0 ? syscall(SYS_fcntl, fd, F_GETFD) : -1;
  if (fl > 0)
    syscall(SYS_fcntl, fd, F_SETFD, fl & ~(long)FD_CLOEXEC);
}

/* write all of buf to fd: 0 or -errno */
static long write_all(int fd, const uint8_t *buf, uint32_t len)
{
  uint32_t off = 0;
  long w;
  while (off < len) {
    w = syscall(SYS_write, fd, buf + off, (size_t)(len - off));
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return w < 0 ? -errno : -EIO;
    off += (uint32_t)w;
  }
  return 0;
}

/* A plan fd for init: a memfd holding a copy of the plan (this memory is gone after exec). */
static int plan_memfd(const uint8_t *plan, uint32_t len)
{
  long fd = syscall(SYS_memfd_create, "tsrun-plan", MFD_CLOEXEC), r;
  if (fd < 0)
    return -errno;
  if ((r = write_all((int)fd, plan, len)) < 0) {
    syscall(SYS_close, fd);
    return (int)r;
  }
  return (int)fd;
}

/* In a new user namespace our uid is not mapped yet, and exec would clear every capability:
 * carry them over as ambient ones (init puts the inheritable set back, init.c).
 * *inh gets the inheritable set to restore. */
static int carry_caps(uint32_t inh[2])
{
  struct tsrun_cap_header h = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
  struct tsrun_cap_data d[2];
  unsigned cap;
  if (syscall(SYS_capget, &h, d) < 0)
    return -errno;
  inh[0] = d[0].inheritable;
  inh[1] = d[1].inheritable;
  d[0].inheritable = d[0].permitted;
  d[1].inheritable = d[1].permitted;
  if (syscall(SYS_capset, &h, d) < 0)
    return -errno;
  for (cap = 0; cap < 64; cap++)
    if ((d[cap / 32].permitted >> (cap % 32)) & 1)
      syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0UL, 0UL);
  return 0;
}

static void child_fail(int sync_fd, int err, const char *what)
{
  struct tsrun_msg m;
  memset(&m, 0, sizeof m);
  m.type = MSG_ERROR;
  m.op = -1;
  m.err = err;
  strncpy(m.text, what, sizeof m.text - 1);
  syscall(SYS_sendto, sync_fd, &m, sizeof m, MSG_NOSIGNAL, (void *)0, 0);
  for (;;)
    syscall(SYS_exit_group, 1);
}

static char a_num[INIT_ARGC][24];

/* The child's only job: exec tsrun-init from the sealed memfd with the fds it needs, and nothing
 * else of ours. It never runs the plan itself: this process is still a copy of the runtime. */
static void child(const uint8_t *plan, uint32_t plan_len, const int32_t *in, uint64_t clone_flags,
                  int parent_end, int child_end)
{
  int floor = 3 + (in[SPAWN_IN_PRESERVE_FDS] > 0 ? in[SPAWN_IN_PRESERVE_FDS] : 0);
  int sync_fd, dir_fd, con_fd, fifo_fd = -1, plan_fd, init_fd, i, r;
  uint32_t inh[2] = { 0, 0 };
  int restore = 0;
  char *argv[INIT_ARGC + 1];
  char *envp[1] = { NULL };
  long long vals[INIT_ARGC - 2];

  /* first thing: /proc/self/exe of this half-made process (the runtime) must not be reachable */
  syscall(SYS_prctl, PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
  syscall(SYS_close, parent_end); /* so that the parent's exit is seen as EOF */
  place_stdio(in);
  sync_fd = lift_fd(child_end, floor);
  init_fd = lift_fd(in[SPAWN_IN_INIT_FD], floor);
  dir_fd = lift_fd(in[SPAWN_IN_STATE_DIR_FD], floor);
  con_fd = lift_fd(in[SPAWN_IN_CONSOLE_FD], floor);
  if (dir_fd >= 0) {
    long f = syscall(SYS_openat, dir_fd, "exec.fifo", O_PATH | O_CLOEXEC | O_NOFOLLOW, 0);
    fifo_fd = f < 0 ? -1 : lift_fd((int)f, floor);
  }
  if (init_fd < 0)
    child_fail(sync_fd, EBADF, "tsrun-init: no sealed init");
  plan_fd = plan_memfd(plan, plan_len);
  if (plan_fd < 0)
    child_fail(sync_fd, -plan_fd, "tsrun-init: memfd for the plan");
  plan_fd = lift_fd(plan_fd, floor);
  {
    int keep[6] = { sync_fd, dir_fd, con_fd, fifo_fd, plan_fd, init_fd };
    close_inherited(floor, keep, 6);
  }
  /* stdio and the preserved fds go to the process: Node marks even its stdio FD_CLOEXEC */
  for (i = 0; i < floor; i++)
    pass_fd(i);
  pass_fd(sync_fd);
  pass_fd(dir_fd);
  pass_fd(con_fd);
  pass_fd(fifo_fd);
  pass_fd(plan_fd);
  if (clone_flags & CLONE_NEWUSER) {
    if ((r = carry_caps(inh)) < 0)
      child_fail(sync_fd, -r, "tsrun-init: capabilities across exec");
    restore = 1;
  }
  vals[0] = plan_fd;
  vals[1] = sync_fd;
  vals[2] = dir_fd;
  vals[3] = con_fd;
  vals[4] = fifo_fd;
  vals[5] = in[SPAWN_IN_PRESERVE_FDS] > 0 ? in[SPAWN_IN_PRESERVE_FDS] : 0;
  vals[6] = restore ? (long long)inh[0] : -1;
  vals[7] = restore ? (long long)inh[1] : -1;
  argv[0] = "tsrun-init";
  argv[1] = INIT_MAGIC;
  for (i = 0; i < INIT_ARGC - 2; i++) {
    struct sbuf b;
    sb_init(&b, a_num[i], sizeof a_num[i]);
    sb_num(&b, vals[i]);
    argv[i + 2] = a_num[i];
  }
  argv[INIT_ARGC] = NULL;
  syscall(SYS_execveat, init_fd, "", argv, envp, AT_EMPTY_PATH);
  child_fail(sync_fd, errno, "tsrun-init: execveat of the sealed init");
}

/* A sealed, executable memfd holding `len` bytes of an ELF file (the tsrun-init program):
 * nothing can write it, grow it, shrink it or unseal it. Returns the fd (CLOEXEC) or -errno. */
TSRUN_EXPORT int tsrun_sealed_memfd(const char *name, const uint8_t *buf, uint32_t len)
{
  long fd = syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC_FLAG), r;
  if (fd < 0 && errno == EINVAL) /* kernel < 6.3 knows no MFD_EXEC: memfds are executable there */
    fd = syscall(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return -errno;
  r = write_all((int)fd, buf, len);
  if (r == 0 && syscall(SYS_fcntl, (int)fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    r = -errno;
  if (r < 0) {
    syscall(SYS_close, fd);
    return (int)r;
  }
  return (int)fd;
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
  if (in[SPAWN_IN_INIT_FD] < 0) /* by construction: no container process runs the runtime's binary */
    return -EBADF;
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
    child(plan, plan_len, in, flags, sv[0], sv[1]);
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
