/*
 * The syscall table the executor child uses. Every entry returns >= 0 on success
 * or -errno on failure (raw syscall convention; errno is never read by callers).
 *
 *   tsrun_sys_real (sysreal.c)  raw syscall() for each entry; used by tsrun_spawn.
 *   tsrun_sys_test (systest.c)  a recording fake for the native tests; it is passed
 *                               in explicitly, there is no global switch.
 */
#ifndef TSRUN_SYS_H
#define TSRUN_SYS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>

struct open_how;
struct sock_fprog;

struct tsrun_rlimit64 { uint64_t cur, max; };
struct tsrun_cap_header { uint32_t version; int32_t pid; };
struct tsrun_cap_data { uint32_t effective, permitted, inheritable; };
/* Kernel struct sigaction (x86_64/arm64 layout); all zero = SIG_DFL, no flags, empty mask. */
struct tsrun_ksigaction { uint64_t handler, flags, restorer, mask; };

struct tsrun_sys {
  /* files and paths */
  long (*openat)(int dirfd, const char *path, int flags, unsigned mode);
  long (*openat2)(int dirfd, const char *path, const struct open_how *how, size_t size);
  long (*close)(int fd);
  long (*close_range)(unsigned first, unsigned last, unsigned flags);
  long (*read)(int fd, void *buf, size_t n);
  long (*write)(int fd, const void *buf, size_t n);
  long (*fcntl)(int fd, int cmd, unsigned long arg);
  long (*pipe2)(int fds[2], int flags);
  long (*ioctl)(int fd, unsigned long req, unsigned long arg);
  long (*mkdirat)(int dirfd, const char *path, unsigned mode);
  long (*mknodat)(int dirfd, const char *path, unsigned mode, unsigned long dev);
  long (*symlinkat)(const char *target, int dirfd, const char *linkpath);
  long (*unlinkat)(int dirfd, const char *path, int flags);
  long (*readlinkat)(int dirfd, const char *path, char *buf, size_t size);
  long (*fchownat)(int dirfd, const char *path, unsigned uid, unsigned gid, int flags);
  long (*utimensat)(int dirfd, const char *path, const struct timespec times[2], int flags);
  long (*fstat)(int fd, struct stat *st);
  long (*fstatat)(int dirfd, const char *path, struct stat *st, int flags);
  long (*fstatfs)(int fd, struct statfs *st);
  long (*faccessat)(int dirfd, const char *path, int mode, int flags);
  long (*fchdir)(int fd);
  long (*chdir)(const char *path);
  long (*chroot)(const char *path);
  long (*getcwd)(char *buf, size_t size); /* the path's length with its NUL; "(unreachable)..." outside the root */
  long (*umask)(unsigned mask);
  /* mounts */
  long (*mount)(const char *src, const char *target, const char *fstype, unsigned long flags, const void *data);
  long (*umount2)(const char *target, int flags);
  long (*pivot_root)(const char *new_root, const char *put_old);
  /* namespaces and processes */
  long (*setns)(int fd, int nstype);
  long (*unshare)(unsigned long flags);
  long (*fork)(void); /* raw clone(SIGCHLD): no atfork handlers, no libc locks */
  long (*setsid)(void);
  long (*getpid)(void);
  long (*geteuid)(void);
  long (*sethostname)(const char *name, size_t len);
  long (*setdomainname)(const char *name, size_t len);
  long (*prlimit)(int pid, int resource, const struct tsrun_rlimit64 *new_limit, struct tsrun_rlimit64 *old_limit);
  long (*prctl)(int op, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
  /* credentials and security */
  long (*setresuid)(unsigned r, unsigned e, unsigned s);
  long (*setresgid)(unsigned r, unsigned e, unsigned s);
  long (*setgroups)(size_t n, const uint32_t *list);
  long (*capget)(struct tsrun_cap_header *hdr, struct tsrun_cap_data *data);
  long (*capset)(struct tsrun_cap_header *hdr, const struct tsrun_cap_data *data);
  long (*seccomp)(unsigned op, unsigned flags, const struct sock_fprog *prog);
  /* signals */
  long (*rt_sigaction)(int sig, const struct tsrun_ksigaction *act, struct tsrun_ksigaction *old, size_t setsize);
  long (*rt_sigprocmask)(int how, const uint64_t *set, uint64_t *old, size_t setsize);
  /* sync socket (MSG_NOSIGNAL is passed by the caller) */
  long (*send)(int fd, const void *buf, size_t n, int flags);
  long (*recv)(int fd, void *buf, size_t n, int flags);
  /* sendmsg(fd, {buf, n} + SCM_RIGHTS [passfd], MSG_NOSIGNAL) */
  long (*send_fd)(int fd, const void *buf, size_t n, int passfd);
  long (*execve)(const char *path, char *const argv[], char *const envp[]);
  /* terminate the calling process at once (exit_group); the fake records and returns */
  void (*exit)(int status);
  long (*wait4)(int pid, int *status, int options); /* rusage is not wanted */
  /* small syscalls taking up to 3 plain arguments (personality, ioprio_set, sched_setattr,
   * sched_setaffinity; getdents64, fchmod, fchmodat for tmpcopyup; clock_gettime, nanosleep,
   * kill for hook timeouts): nr is the SYS_* number */
  long (*attr3)(long nr, unsigned long a1, unsigned long a2, unsigned long a3);
  long (*mount_setattr)(int dfd, const char *path, unsigned flags, const void *attr, size_t size);
  long (*open_tree)(int dfd, const char *path, unsigned flags);
  long (*move_mount)(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags);
};

extern const struct tsrun_sys tsrun_sys_real;

/*
 * The recording fake (systest.c; linked only into the native tests).
 * It keeps a tiny in-memory "filesystem" of path -> mode entries. A path that has
 * no entry exists as a directory, unless systest.strict is set. mode 0 = absent.
 */
struct systest_conf {
  int fail_call;            /* 1-based index of the call to fail (0 = none) ... */
  const char *fail_prefix;  /* ... or fail the fail_nth call whose record starts with this */
  int fail_nth;             /* 1-based; 0 means 1 */
  int fail_errno;           /* errno for the failed call */
  long fork_ret;            /* what fork() returns: 0 = we are the child */
  long execve_ret;          /* what execve() returns (real execve never returns 0) */
  int openat2_enosys;       /* openat2 fails with ENOSYS (exercise the manual walk) */
  int recv_eof;             /* recv returns 0 (parent went away) instead of MSG_GO (MSG_HOOKS_DONE after MSG_HOOKS) */
  int strict;               /* unknown paths are absent instead of directories */
  int cwd_outside;          /* getcwd answers "(unreachable)/host" */
  const char *read_data;    /* what read() returns, in order, across calls (else EOF at once) */
  const char *proc_root;    /* a procfs is mounted here: fstatfs says proc at and below it,
                               and fstat gives the path itself inode 1 */
};
extern const struct tsrun_sys tsrun_sys_test;
extern struct systest_conf systest;
void systest_reset(void);               /* clears the log, the fs and the conf */
void systest_file(const char *path, unsigned mode, const char *link_target);
unsigned systest_mode(const char *path); /* current fake mode of an absolute path */
void systest_fd(int fd, const char *path);   /* fd is open on path (an fd the child inherits) */
void systest_fsmagic(const char *root, long magic); /* fstatfs of root and below reports magic (else 0) */
const char *systest_log(void);          /* one line per call: name(args) = ret */
int systest_calls(void);

#endif
