/*
 * The real syscall table: each entry is one raw syscall(), converted to the
 * ">= 0 or -errno" convention. No libc wrappers with hidden state (fork handlers,
 * setxid broadcasts, cached ids) are used: the caller is a fork of a
 * multi-threaded process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

static long ret(long r) { return r < 0 ? -errno : r; }

static long r_openat(int d, const char *p, int f, unsigned m) { return ret(syscall(SYS_openat, d, p, f, m)); }
static long r_openat2(int d, const char *p, const struct open_how *h, size_t n) { return ret(syscall(SYS_openat2, d, p, h, n)); }
static long r_close(int fd) { return ret(syscall(SYS_close, fd)); }
static long r_close_range(unsigned a, unsigned b, unsigned f) { return ret(syscall(SYS_close_range, a, b, f)); }
static long r_read(int fd, void *b, size_t n) { return ret(syscall(SYS_read, fd, b, n)); }
static long r_write(int fd, const void *b, size_t n) { return ret(syscall(SYS_write, fd, b, n)); }
static long r_fcntl(int fd, int cmd, unsigned long a) { return ret(syscall(SYS_fcntl, fd, cmd, a)); }
static long r_pipe2(int fds[2], int f) { return ret(syscall(SYS_pipe2, fds, f)); }
static long r_ioctl(int fd, unsigned long q, unsigned long a) { return ret(syscall(SYS_ioctl, fd, q, a)); }
static long r_mkdirat(int d, const char *p, unsigned m) { return ret(syscall(SYS_mkdirat, d, p, m)); }
static long r_mknodat(int d, const char *p, unsigned m, unsigned long dev) { return ret(syscall(SYS_mknodat, d, p, m, dev)); }
static long r_symlinkat(const char *t, int d, const char *l) { return ret(syscall(SYS_symlinkat, t, d, l)); }
static long r_unlinkat(int d, const char *p, int f) { return ret(syscall(SYS_unlinkat, d, p, f)); }
static long r_readlinkat(int d, const char *p, char *b, size_t n) { return ret(syscall(SYS_readlinkat, d, p, b, n)); }
static long r_fchownat(int d, const char *p, unsigned u, unsigned g, int f) { return ret(syscall(SYS_fchownat, d, p, u, g, f)); }
static long r_utimensat(int d, const char *p, const struct timespec t[2], int f) { return ret(syscall(SYS_utimensat, d, p, t, f)); }
static long r_fstat(int fd, struct stat *st) { return ret(syscall(SYS_fstat, fd, st)); }
static long r_fstatat(int d, const char *p, struct stat *st, int f) { return ret(syscall(SYS_newfstatat, d, p, st, f)); }
static long r_fstatfs(int fd, struct statfs *st) { return ret(syscall(SYS_fstatfs, fd, st)); }
static long r_faccessat(int d, const char *p, int m, int f)
{
  long r = ret(syscall(SYS_faccessat2, d, p, m, f));
  if (r == -ENOSYS && f == 0)
    r = ret(syscall(SYS_faccessat, d, p, m));
  return r;
}
static long r_fchdir(int fd) { return ret(syscall(SYS_fchdir, fd)); }
static long r_chdir(const char *p) { return ret(syscall(SYS_chdir, p)); }
static long r_chroot(const char *p) { return ret(syscall(SYS_chroot, p)); }
static long r_getcwd(char *b, size_t n) { return ret(syscall(SYS_getcwd, b, n)); }
static long r_umask(unsigned m) { return ret(syscall(SYS_umask, m)); }
static long r_mount(const char *s, const char *t, const char *f, unsigned long fl, const void *d) { return ret(syscall(SYS_mount, s, t, f, fl, d)); }
static long r_umount2(const char *t, int f) { return ret(syscall(SYS_umount2, t, f)); }
static long r_pivot_root(const char *n, const char *o) { return ret(syscall(SYS_pivot_root, n, o)); }
static long r_setns(int fd, int t) { return ret(syscall(SYS_setns, fd, t)); }
static long r_unshare(unsigned long f) { return ret(syscall(SYS_unshare, f)); }
static long r_fork(void) { return ret(syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL)); }
static long r_setsid(void) { return ret(syscall(SYS_setsid)); }
static long r_getpid(void) { return ret(syscall(SYS_getpid)); }
static long r_geteuid(void) { return ret(syscall(SYS_geteuid)); }
static long r_sethostname(const char *n, size_t l) { return ret(syscall(SYS_sethostname, n, l)); }
static long r_setdomainname(const char *n, size_t l) { return ret(syscall(SYS_setdomainname, n, l)); }
static long r_prlimit(int pid, int res, const struct tsrun_rlimit64 *n, struct tsrun_rlimit64 *o) { return ret(syscall(SYS_prlimit64, pid, res, n, o)); }
static long r_prctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d) { return ret(syscall(SYS_prctl, op, a, b, c, d)); }
static long r_setresuid(unsigned r, unsigned e, unsigned s) { return ret(syscall(SYS_setresuid, r, e, s)); }
static long r_setresgid(unsigned r, unsigned e, unsigned s) { return ret(syscall(SYS_setresgid, r, e, s)); }
static long r_setgroups(size_t n, const uint32_t *l) { return ret(syscall(SYS_setgroups, n, l)); }
static long r_capget(struct tsrun_cap_header *h, struct tsrun_cap_data *d) { return ret(syscall(SYS_capget, h, d)); }
static long r_capset(struct tsrun_cap_header *h, const struct tsrun_cap_data *d) { return ret(syscall(SYS_capset, h, d)); }
static long r_seccomp(unsigned op, unsigned f, const struct sock_fprog *p) { return ret(syscall(SYS_seccomp, op, f, p)); }
static long r_rt_sigaction(int sig, const struct tsrun_ksigaction *a, struct tsrun_ksigaction *o, size_t n) { return ret(syscall(SYS_rt_sigaction, sig, a, o, n)); }
static long r_rt_sigprocmask(int how, const uint64_t *s, uint64_t *o, size_t n) { return ret(syscall(SYS_rt_sigprocmask, how, s, o, n)); }
static long r_send(int fd, const void *b, size_t n, int f) { return ret(syscall(SYS_sendto, fd, b, n, f, (void *)0, 0)); }
static long r_recv(int fd, void *b, size_t n, int f) { return ret(syscall(SYS_recvfrom, fd, b, n, f, (void *)0, (void *)0)); }
static long r_send_fd(int fd, const void *b, size_t n, int passfd)
{
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } c;
  struct iovec iov = { (void *)b, n };
  struct msghdr m;
  struct cmsghdr *cm;
  memset(&m, 0, sizeof m);
  memset(&c, 0, sizeof c);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = c.buf;
  m.msg_controllen = sizeof c.buf;
  cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &passfd, sizeof passfd);
  return ret(syscall(SYS_sendmsg, fd, &m, MSG_NOSIGNAL));
}
static long r_execve(const char *p, char *const a[], char *const e[]) { return ret(syscall(SYS_execve, p, a, e)); }
static long r_wait4(int pid, int *status, int options) { return ret(syscall(SYS_wait4, pid, status, options, (void *)0)); }
static long r_attr3(long nr, unsigned long a1, unsigned long a2, unsigned long a3) { return ret(syscall(nr, a1, a2, a3)); }
static long r_mount_setattr(int d, const char *p, unsigned f, const void *a, size_t n) { return ret(syscall(442 /* SYS_mount_setattr */, d, p, f, a, n)); }
static long r_open_tree(int d, const char *p, unsigned f) { return ret(syscall(428 /* SYS_open_tree */, d, p, f)); }
static long r_move_mount(int fd, const char *f, int td, const char *t, unsigned fl) { return ret(syscall(429 /* SYS_move_mount */, fd, f, td, t, fl)); }
static void r_exit(int status)
{
  for (;;)
    syscall(SYS_exit_group, status);
}

const struct tsrun_sys tsrun_sys_real = {
  .openat = r_openat, .openat2 = r_openat2, .close = r_close, .close_range = r_close_range,
  .read = r_read, .write = r_write, .fcntl = r_fcntl, .pipe2 = r_pipe2, .ioctl = r_ioctl,
  .mkdirat = r_mkdirat, .mknodat = r_mknodat, .symlinkat = r_symlinkat, .unlinkat = r_unlinkat,
  .readlinkat = r_readlinkat, .fchownat = r_fchownat, .utimensat = r_utimensat, .fstat = r_fstat, .fstatat = r_fstatat,
  .fstatfs = r_fstatfs, .faccessat = r_faccessat, .fchdir = r_fchdir, .chdir = r_chdir,
  .chroot = r_chroot, .getcwd = r_getcwd, .umask = r_umask, .mount = r_mount, .umount2 = r_umount2,
  .pivot_root = r_pivot_root, .setns = r_setns, .unshare = r_unshare, .fork = r_fork,
  .setsid = r_setsid, .getpid = r_getpid, .geteuid = r_geteuid, .sethostname = r_sethostname,
  .setdomainname = r_setdomainname, .prlimit = r_prlimit, .prctl = r_prctl,
  .setresuid = r_setresuid, .setresgid = r_setresgid, .setgroups = r_setgroups,
  .capget = r_capget, .capset = r_capset, .seccomp = r_seccomp,
  .rt_sigaction = r_rt_sigaction, .rt_sigprocmask = r_rt_sigprocmask,
  .send = r_send, .recv = r_recv, .send_fd = r_send_fd, .execve = r_execve, .exit = r_exit,
  .wait4 = r_wait4, .attr3 = r_attr3, .mount_setattr = r_mount_setattr,
  .open_tree = r_open_tree, .move_mount = r_move_mount,
};
