/*
 * The recording fake syscall table for the native tests. Every call appends one
 * line "name(args) = ret" to a log; systest.fail_* make one chosen call fail.
 * A tiny in-memory filesystem (path -> mode, rdev, symlink target) lets the path
 * resolution code see directories, files, symlinks and missing entries.
 * Test code only: it uses stdio freely and is not async-signal-safe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/stat.h>

#include "sync.h"
#include "sys.h"

struct systest_conf systest;

#define NFS 256
#define NFD 1024
#define P 512
static struct fent { char path[P]; unsigned mode; unsigned long rdev; char link[P]; } g_fs[NFS];
static int g_nfs;
static char g_fd[NFD][P]; /* fd -> path ("" = closed) */
static int g_nextfd;
static char g_cwd[P];
static char g_log[1 << 18];
static size_t g_loglen;
static int g_calls, g_prefix_hits;
static char g_line[2048];
static unsigned g_umask;
static struct { char root[P]; long magic; } g_magic[8]; /* systest_fsmagic */
static int g_nmagic;
static size_t g_read_off; /* how much of systest.read_data read() has given */
static unsigned g_last_sent; /* type of the last message sent: recv answers MSG_HOOKS with MSG_HOOKS_DONE */

void systest_reset(void)
{
  memset(&systest, 0, sizeof systest);
  memset(g_fs, 0, sizeof g_fs);
  memset(g_fd, 0, sizeof g_fd);
  g_nfs = 0;
  g_nextfd = 10;
  strcpy(g_cwd, "/");
  g_log[0] = 0;
  g_loglen = 0;
  g_calls = 0;
  g_prefix_hits = 0;
  g_read_off = 0;
  g_umask = 022;
  g_nmagic = 0;
  g_last_sent = 0;
}

void systest_fd(int fd, const char *path)
{
  if (fd >= 0 && fd < NFD)
    snprintf(g_fd[fd], P, "%s", path);
}

void systest_fsmagic(const char *root, long magic)
{
  if (g_nmagic < 8) {
    snprintf(g_magic[g_nmagic].root, P, "%s", root);
    g_magic[g_nmagic++].magic = magic;
  }
}

const char *systest_log(void) { return g_log; }
int systest_calls(void) { return g_calls; }

static struct fent *find(const char *path)
{
  int i;
  for (i = 0; i < g_nfs; i++)
    if (!strcmp(g_fs[i].path, path))
      return &g_fs[i];
  return NULL;
}

static struct fent *set(const char *path, unsigned mode)
{
  struct fent *f = find(path);
  if (!f && g_nfs < NFS) {
    f = &g_fs[g_nfs++];
    snprintf(f->path, sizeof f->path, "%s", path);
  }
  if (f) {
    f->mode = mode;
    f->rdev = 0;
    f->link[0] = 0;
  }
  return f;
}

void systest_file(const char *path, unsigned mode, const char *link_target)
{
  struct fent *f = set(path, mode);
  if (f && link_target)
    snprintf(f->link, sizeof f->link, "%s", link_target);
}

unsigned systest_mode(const char *path)
{
  struct fent *f = find(path);
  if (f)
    return f->mode;
  return systest.strict ? 0 : (S_IFDIR | 0755);
}

/* ---- recording ---- */

static const char *q(const char *s) /* quoted string, rotating buffers */
{
  static char buf[8][P + 4];
  static int k;
  char *b = buf[k++ % 8];
  if (!s)
    return "NULL";
  snprintf(b, P + 4, "\"%s\"", s);
  return b;
}

struct bit { unsigned long v; const char *n; };
static const char *bits(const struct bit *t, unsigned long v)
{
  static char buf[4][256];
  static int k;
  char *b = buf[k++ % 4];
  size_t len = 0;
  b[0] = 0;
  for (; t->n; t++)
    if (t->v && (v & t->v) == t->v) {
      len += (size_t)snprintf(b + len, 256 - len, "%s%s", len ? "|" : "", t->n);
      v &= ~t->v;
    }
  if (v || !len)
    snprintf(b + len, 256 - len, "%s0x%lx", len ? "|" : "", v);
  return b;
}
static const struct bit oflags[] = {
  { O_PATH, "O_PATH" }, { O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" },
  { O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_WRONLY, "O_WRONLY" }, { O_RDWR, "O_RDWR" },
  { O_CLOEXEC, "O_CLOEXEC" }, { 0, NULL } };
static const struct bit mflags[] = {
  { MS_RDONLY, "MS_RDONLY" }, { MS_NOSUID, "MS_NOSUID" }, { MS_NODEV, "MS_NODEV" },
  { MS_NOEXEC, "MS_NOEXEC" }, { MS_REMOUNT, "MS_REMOUNT" }, { MS_BIND, "MS_BIND" },
  { MS_MOVE, "MS_MOVE" }, { MS_REC, "MS_REC" }, { MS_PRIVATE, "MS_PRIVATE" },
  { MS_SLAVE, "MS_SLAVE" }, { MS_SHARED, "MS_SHARED" }, { MS_UNBINDABLE, "MS_UNBINDABLE" },
  { MS_NOATIME, "MS_NOATIME" }, { MS_RELATIME, "MS_RELATIME" }, { 0, NULL } };

/* Start a call: format it and say whether it must fail (returns the errno, or 0). */
static int begin(const char *fmt, ...)
{
  va_list ap;
  int fail = 0;
  va_start(ap, fmt);
  vsnprintf(g_line, sizeof g_line, fmt, ap);
  va_end(ap);
  g_calls++;
  if (systest.fail_call && g_calls == systest.fail_call)
    fail = 1;
  if (systest.fail_prefix && !strncmp(g_line, systest.fail_prefix, strlen(systest.fail_prefix)) &&
      ++g_prefix_hits == (systest.fail_nth ? systest.fail_nth : 1))
    fail = 1;
  return fail ? (systest.fail_errno ? systest.fail_errno : EIO) : 0;
}

static long end(long r)
{
  int n = snprintf(g_log + g_loglen, sizeof g_log - g_loglen, "%s = %ld\n", g_line, r);
  if (n > 0 && g_loglen + (size_t)n < sizeof g_log)
    g_loglen += (size_t)n;
  return r;
}

#define CALL(...) do { int e_ = begin(__VA_ARGS__); if (e_) return end(-e_); } while (0)

/* ---- the fake filesystem ---- */

static const char *dirpath(int dirfd)
{
  if (dirfd == AT_FDCWD)
    return g_cwd;
  if (dirfd >= 0 && dirfd < NFD && g_fd[dirfd][0])
    return g_fd[dirfd];
  return NULL;
}

static int full(int dirfd, const char *path, char *out)
{
  const char *base;
  if (path[0] == '/') {
    snprintf(out, P, "%s", path);
    return 0;
  }
  base = dirpath(dirfd);
  if (!base)
    return -EBADF;
  if (!path[0] || !strcmp(path, "."))
    snprintf(out, P, "%s", base);
  else if (snprintf(out, P, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", path) >= P)
    return -ENAMETOOLONG;
  return 0;
}

static long newfd(const char *path)
{
  int fd = g_nextfd++;
  if (fd >= NFD)
    return -EMFILE;
  snprintf(g_fd[fd], P, "%s", path);
  return fd;
}

static const char *fdn(int fd) /* fd for the log */
{
  static char buf[4][16];
  static int k;
  char *b = buf[k++ % 4];
  if (fd == AT_FDCWD)
    return "AT_FDCWD";
  snprintf(b, 16, "%d", fd);
  return b;
}

static long f_openat(int d, const char *path, int flags, unsigned mode)
{
  char p[P];
  unsigned m;
  CALL("openat(%s,%s,%s,0%o)", fdn(d), q(path), bits(oflags, (unsigned)flags), mode);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  m = systest_mode(p);
  if (flags & O_CREAT) {
    if (m && (flags & O_EXCL))
      return end(-EEXIST);
    if (!m)
      set(p, S_IFREG | (mode & ~g_umask));
  } else if (!m)
    return end(-ENOENT);
  if (m && S_ISLNK(m) && (flags & O_NOFOLLOW) && !(flags & O_PATH))
    return end(-ELOOP);
  if (m && (flags & O_DIRECTORY) && !S_ISDIR(m))
    return end(-ENOTDIR);
  return end(newfd(p));
}

static long f_openat2(int d, const char *path, const struct open_how *how, size_t size)
{
  char p[P];
  (void)size;
  CALL("openat2(%s,%s,%s,%s)", fdn(d), q(path), bits(oflags, how->flags),
       how->resolve == (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) ? "RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS" : "?");
  if (systest.openat2_enosys)
    return end(-ENOSYS);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  if (!systest_mode(p))
    return end(-ENOENT);
  return end(newfd(p));
}

static long f_close(int fd)
{
  CALL("close(%d)", fd);
  if (fd < 0 || fd >= NFD)
    return end(-EBADF);
  g_fd[fd][0] = 0;
  return end(0);
}
static long f_close_range(unsigned a, unsigned b, unsigned f)
{
  CALL("close_range(%u,0x%x,%s)", a, b, f == 4 ? "CLOSE_RANGE_CLOEXEC" : "?");
  return end(0);
}
static long f_read(int fd, void *buf, size_t n)
{
  size_t k = 0;
  CALL("read(%d,%zu)", fd, n);
  if (systest.read_data) {
    k = strlen(systest.read_data + g_read_off);
    if (k > n)
      k = n;
    memcpy(buf, systest.read_data + g_read_off, k);
    g_read_off += k;
  }
  return end((long)k);
}
static long f_write(int fd, const void *buf, size_t n)
{
  char t[200];
  size_t i, k = 0;
  for (i = 0; i < n && k < sizeof t - 3; i++) {
    char c = ((const char *)buf)[i];
    if (c == '\n') { t[k++] = '\\'; t[k++] = 'n'; } else t[k++] = c;
  }
  t[k] = 0;
  CALL("write(%d,\"%s\")", fd, t);
  return end((long)n);
}
static long f_fcntl(int fd, int cmd, unsigned long arg)
{
  const char *c = cmd == F_GETFD ? "F_GETFD" : cmd == F_SETFD ? "F_SETFD" : cmd == F_GETFL ? "F_GETFL"
                : cmd == F_SETFL ? "F_SETFL" : "?";
  CALL("fcntl(%d,%s,0x%lx)", fd, c, arg);
  if (cmd == F_GETFD)
    return end(FD_CLOEXEC);
  if (cmd == F_GETFL)
    return end(O_RDWR | O_NONBLOCK);
  return end(0);
}
static long f_pipe2(int fds[2], int flags)
{
  CALL("pipe2(%s)", bits(oflags, (unsigned)flags));
  fds[0] = (int)newfd("pipe:r");
  fds[1] = (int)newfd("pipe:w");
  return end(0);
}
static long f_ioctl(int fd, unsigned long req, unsigned long arg)
{
  CALL("ioctl(%d,0x%lx,0x%lx)", fd, req, arg);
  return end(0);
}
static long f_mkdirat(int d, const char *path, unsigned mode)
{
  char p[P];
  CALL("mkdirat(%s,%s,0%o)", fdn(d), q(path), mode);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  if (systest_mode(p))
    return end(-EEXIST);
  set(p, S_IFDIR | (mode & ~g_umask));
  return end(0);
}
static long f_mknodat(int d, const char *path, unsigned mode, unsigned long dev)
{
  char p[P];
  struct fent *f;
  CALL("mknodat(%s,%s,0%o,0x%lx)", fdn(d), q(path), mode, dev);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  if (systest_mode(p))
    return end(-EEXIST);
  f = set(p, mode & ~g_umask);
  if (f)
    f->rdev = dev;
  return end(0);
}
static long f_symlinkat(const char *target, int d, const char *link)
{
  char p[P];
  CALL("symlinkat(%s,%s,%s)", q(target), fdn(d), q(link));
  if (full(d, link, p) < 0)
    return end(-EBADF);
  if (systest_mode(p))
    return end(-EEXIST);
  systest_file(p, S_IFLNK | 0777, target);
  return end(0);
}
static long f_unlinkat(int d, const char *path, int flags)
{
  char p[P];
  CALL("unlinkat(%s,%s,%d)", fdn(d), q(path), flags);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  if (!systest_mode(p))
    return end(-ENOENT);
  set(p, 0);
  return end(0);
}
static long f_readlinkat(int d, const char *path, char *buf, size_t size)
{
  char p[P];
  struct fent *f;
  size_t n;
  CALL("readlinkat(%s,%s)", fdn(d), q(path));
  if (d == AT_FDCWD && !strncmp(path, "/proc/self/fd/", 14)) { /* the magic link of an open fd */
    int fd = atoi(path + 14);
    if (fd < 0 || fd >= NFD || !g_fd[fd][0])
      return end(-ENOENT);
    n = strlen(g_fd[fd]) < size ? strlen(g_fd[fd]) : size;
    memcpy(buf, g_fd[fd], n);
    return end((long)n);
  }
  if (full(d, path, p) < 0)
    return end(-EBADF);
  f = find(p);
  if (!f || !S_ISLNK(f->mode))
    return end(-EINVAL);
  n = strlen(f->link);
  if (n > size)
    n = size;
  memcpy(buf, f->link, n);
  return end((long)n);
}
static long f_fchownat(int d, const char *path, unsigned uid, unsigned gid, int flags)
{
  CALL("fchownat(%s,%s,%u,%u,%s)", fdn(d), q(path), uid, gid,
       flags == AT_SYMLINK_NOFOLLOW ? "AT_SYMLINK_NOFOLLOW" : "?");
  return end(0);
}
static long f_utimensat(int d, const char *path, const struct timespec t[2], int flags)
{
  (void)t;
  CALL("utimensat(%s,%s,%d)", fdn(d), q(path), flags);
  return end(0);
}
static long stat_path(const char *p, struct stat *st)
{
  struct fent *f = find(p);
  unsigned m = systest_mode(p);
  if (!m)
    return -ENOENT;
  memset(st, 0, sizeof *st);
  st->st_mode = m;
  st->st_rdev = f ? f->rdev : 0;
  st->st_ino = systest.proc_root && !strcmp(p, systest.proc_root) ? 1 : 2;
  return 0;
}
static long f_fstat(int fd, struct stat *st)
{
  CALL("fstat(%d)", fd);
  if (fd < 0 || fd >= NFD || !g_fd[fd][0])
    return end(-EBADF);
  return end(stat_path(g_fd[fd], st));
}
static long f_fstatat(int d, const char *path, struct stat *st, int flags)
{
  char p[P];
  CALL("fstatat(%s,%s,0x%x)", fdn(d), q(path), flags);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  return end(stat_path(p, st));
}
static long f_fstatfs(int fd, struct statfs *st)
{
  const char *p = fd >= 0 && fd < NFD ? g_fd[fd] : "";
  const char *r = systest.proc_root;
  size_t n = r ? strlen(r) : 0, best = 0;
  int i;
  CALL("fstatfs(%d)", fd);
  memset(st, 0, sizeof *st);
  if (r && fd >= 0 && fd < NFD && !strncmp(g_fd[fd], r, n) && (!g_fd[fd][n] || g_fd[fd][n] == '/'))
    st->f_type = 0x9fa0;
  st->f_flags = ST_NOSUID | ST_NODEV | ST_RELATIME;
  for (i = 0; i < g_nmagic; i++) { /* the longest filesystem root at or above the fd's path */
    size_t m = strlen(g_magic[i].root);
    if (m > best && !strncmp(p, g_magic[i].root, m) && (p[m] == 0 || p[m] == '/')) {
      best = m;
      st->f_type = g_magic[i].magic;
    }
  }
  return end(0);
}
static long f_faccessat(int d, const char *path, int mode, int flags)
{
  char p[P];
  unsigned m;
  CALL("faccessat(%s,%s,%d,0x%x)", fdn(d), q(path), mode, flags);
  if (full(d, path, p) < 0)
    return end(-EBADF);
  m = systest_mode(p);
  if (!m)
    return end(-ENOENT);
  return end(mode == X_OK && !(m & 0111) ? -EACCES : 0);
}
static long f_fchdir(int fd)
{
  CALL("fchdir(%d)", fd);
  if (fd < 0 || fd >= NFD || !g_fd[fd][0])
    return end(-EBADF);
  snprintf(g_cwd, P, "%s", g_fd[fd]);
  return end(0);
}
static long f_chdir(const char *path)
{
  char p[P];
  CALL("chdir(%s)", q(path));
  full(AT_FDCWD, path, p);
  if (!systest_mode(p))
    return end(-ENOENT);
  snprintf(g_cwd, P, "%s", p);
  return end(0);
}
static long f_chroot(const char *path) { CALL("chroot(%s)", q(path)); return end(0); }
static long f_getcwd(char *buf, size_t n)
{
  /* systest.cwd_outside: the cwd is outside the root, as the kernel says it */
  const char *cwd = systest.cwd_outside ? "(unreachable)/host" : g_cwd;
  CALL("getcwd()");
  if (strlen(cwd) + 1 > n)
    return end(-ERANGE);
  snprintf(buf, n, "%s", cwd);
  return end((long)strlen(cwd) + 1);
}
static long f_umask(unsigned m)
{
  unsigned old = g_umask;
  CALL("umask(0%o)", m);
  g_umask = m;
  return end(old);
}
static long f_mount(const char *s, const char *t, const char *fs, unsigned long fl, const void *d)
{
  CALL("mount(%s,%s,%s,%s,%s)", q(s), q(t), q(fs), bits(mflags, fl), q(d));
  return end(0);
}
static long f_umount2(const char *t, int f) { CALL("umount2(%s,%s)", q(t), f == MNT_DETACH ? "MNT_DETACH" : "?"); return end(0); }
static long f_pivot_root(const char *n, const char *o) { CALL("pivot_root(%s,%s)", q(n), q(o)); return end(0); }
static long f_setns(int fd, int t) { CALL("setns(%d,0x%x)", fd, t); return end(0); }
static long f_unshare(unsigned long f) { CALL("unshare(0x%lx)", f); return end(0); }
static long f_fork(void) { CALL("fork()"); return end(systest.fork_ret); }
static long f_setsid(void) { CALL("setsid()"); return end(4242); }
static long f_getpid(void) { CALL("getpid()"); return end(4242); }
static long f_geteuid(void) { CALL("geteuid()"); return end(0); }
static long f_sethostname(const char *n, size_t l) { CALL("sethostname(\"%.*s\")", (int)l, n); return end(0); }
static long f_setdomainname(const char *n, size_t l) { CALL("setdomainname(\"%.*s\")", (int)l, n); return end(0); }
static long f_prlimit(int pid, int res, const struct tsrun_rlimit64 *n, struct tsrun_rlimit64 *o)
{
  if (n)
    CALL("prlimit(%d,%d,%llu,%llu)", pid, res, (unsigned long long)n->cur, (unsigned long long)n->max);
  else
    CALL("prlimit(%d,%d,NULL)", pid, res);
  if (o)
    o->cur = o->max = 1024;
  return end(0);
}
static long f_prctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
  const char *n = op == PR_SET_DUMPABLE ? "PR_SET_DUMPABLE" : op == PR_CAPBSET_READ ? "PR_CAPBSET_READ"
                : op == PR_CAPBSET_DROP ? "PR_CAPBSET_DROP" : op == PR_SET_KEEPCAPS ? "PR_SET_KEEPCAPS"
                : op == PR_SET_NO_NEW_PRIVS ? "PR_SET_NO_NEW_PRIVS" : op == PR_CAP_AMBIENT ? "PR_CAP_AMBIENT" : "?";
  (void)c;
  (void)d;
  CALL("prctl(%s,%lu,%lu)", n, a, b);
  if (op == PR_CAPBSET_READ)
    return end(a <= 40 ? 1 : -EINVAL);
  return end(0);
}
static long f_setresuid(unsigned r, unsigned e, unsigned s) { CALL("setresuid(%u,%u,%u)", r, e, s); return end(0); }
static long f_setresgid(unsigned r, unsigned e, unsigned s) { CALL("setresgid(%u,%u,%u)", r, e, s); return end(0); }
static long f_setgroups(size_t n, const uint32_t *l)
{
  char t[256];
  size_t i, k = 0;
  t[0] = 0;
  for (i = 0; i < n && k < 200; i++)
    k += (size_t)snprintf(t + k, sizeof t - k, "%s%u", i ? "," : "", l[i]);
  CALL("setgroups(%zu,[%s])", n, t);
  return end(0);
}
static long f_capget(struct tsrun_cap_header *h, struct tsrun_cap_data *d)
{
  (void)h;
  CALL("capget()");
  memset(d, 0, 2 * sizeof *d);
  return end(0);
}
static long f_capset(struct tsrun_cap_header *h, const struct tsrun_cap_data *d)
{
  CALL("capset(0x%x,e=%x:%x,p=%x:%x,i=%x:%x)", h->version, d[1].effective, d[0].effective,
       d[1].permitted, d[0].permitted, d[1].inheritable, d[0].inheritable);
  return end(0);
}
static long f_seccomp(unsigned op, unsigned flags, const struct sock_fprog *p)
{
  CALL("seccomp(%u,0x%x,len=%u,k0=0x%x)", op, flags, p->len, p->len ? p->filter[0].k : 0);
  return end(flags & 8 ? 7 : 0); /* NEW_LISTENER: a listener fd */
}
static long f_rt_sigaction(int sig, const struct tsrun_ksigaction *a, struct tsrun_ksigaction *o, size_t n)
{
  (void)o;
  CALL("rt_sigaction(%d,%s,%zu)", sig, a && !a->handler ? "SIG_DFL" : "?", n);
  return end(sig == 32 || sig == 33 ? -EINVAL : 0);
}
static long f_rt_sigprocmask(int how, const uint64_t *s, uint64_t *o, size_t n)
{
  (void)o;
  CALL("rt_sigprocmask(%d,0x%llx,%zu)", how, s ? (unsigned long long)*s : 0ULL, n);
  return end(0);
}
static long f_send(int fd, const void *buf, size_t n, int flags)
{
  struct tsrun_msg m;
  memset(&m, 0, sizeof m);
  memcpy(&m, buf, n < sizeof m ? n : sizeof m);
  m.text[sizeof m.text - 1] = 0;
  switch (m.type) {
  case MSG_MAPS_REQUEST: CALL("send(%d,MAPS_REQUEST pid=%d,0x%x)", fd, m.pid, flags); break;
  case MSG_PID: CALL("send(%d,PID pid=%d,0x%x)", fd, m.pid, flags); break;
  case MSG_READY: CALL("send(%d,READY,0x%x)", fd, flags); break;
  case MSG_ERROR: CALL("send(%d,ERROR op=%d err=%d \"%s\",0x%x)", fd, m.op, m.err, m.text, flags); break;
  case MSG_HOOKS: CALL("send(%d,HOOKS point=%d pid=%d,0x%x)", fd, m.point, m.pid, flags); break;
  default: CALL("send(%d,type=%u)", fd, m.type); break;
  }
  g_last_sent = m.type;
  return end((long)n);
}
static long f_recv(int fd, void *buf, size_t n, int flags)
{
  struct tsrun_msg m;
  CALL("recv(%d,%zu,%d)", fd, n, flags);
  if (systest.recv_eof)
    return end(0);
  memset(&m, 0, sizeof m);
  m.type = g_last_sent == MSG_HOOKS ? MSG_HOOKS_DONE : MSG_GO; /* the parent ran the hooks, or says GO */
  memcpy(buf, &m, n < sizeof m ? n : sizeof m);
  return end((long)sizeof m);
}
static long f_send_fd(int fd, const void *buf, size_t n, int passfd)
{
  struct tsrun_msg m;
  memset(&m, 0, sizeof m);
  memcpy(&m, buf, n < sizeof m ? n : sizeof m);
  CALL("send_fd(%d,type=%u,fd=%d)", fd, m.type, passfd);
  return end((long)n);
}
static long f_execve(const char *path, char *const argv[], char *const envp[])
{
  char a[512];
  size_t k = 0;
  int i, ne = 0;
  a[0] = 0;
  for (i = 0; argv[i] && k < 400; i++)
    k += (size_t)snprintf(a + k, sizeof a - k, "%s%s", i ? " " : "", argv[i]);
  while (envp[ne])
    ne++;
  CALL("execve(%s,[%s],env=%d)", q(path), a, ne);
  return end(systest.execve_ret);
}
static long f_wait4(int pid, int *status, int options)
{
  CALL("wait4(%d,%d)", pid, options);
  if (status)
    *status = 0;
  return end(pid);
}
static long f_attr3(long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
  CALL("attr3(%ld,%lu,%lu,%lu)", nr, a1, a2 > 4096 ? 1UL : a2, a3);
  return end(0);
}
static long f_mount_setattr(int d, const char *p, unsigned f, const void *a, size_t n)
{
  (void)a;
  CALL("mount_setattr(%d,%s,0x%x,%zu)", d, q(p), f, n);
  return end(0);
}
static long f_open_tree(int d, const char *p, unsigned f)
{
  CALL("open_tree(%d,%s,0x%x)", d, q(p), f);
  return end(90);
}
static long f_move_mount(int fd, const char *f, int td, const char *t, unsigned fl)
{
  CALL("move_mount(%d,%s,%d,%s,0x%x)", fd, q(f), td, q(t), fl);
  return end(0);
}
static void f_exit(int status)
{
  begin("exit(%d)", status);
  end(0);
}

const struct tsrun_sys tsrun_sys_test = {
  .openat = f_openat, .openat2 = f_openat2, .close = f_close, .close_range = f_close_range,
  .read = f_read, .write = f_write, .fcntl = f_fcntl, .pipe2 = f_pipe2, .ioctl = f_ioctl,
  .mkdirat = f_mkdirat, .mknodat = f_mknodat, .symlinkat = f_symlinkat, .unlinkat = f_unlinkat,
  .readlinkat = f_readlinkat, .fchownat = f_fchownat, .utimensat = f_utimensat, .fstat = f_fstat, .fstatat = f_fstatat,
  .fstatfs = f_fstatfs, .faccessat = f_faccessat, .fchdir = f_fchdir, .chdir = f_chdir,
  .chroot = f_chroot, .getcwd = f_getcwd, .umask = f_umask, .mount = f_mount, .umount2 = f_umount2,
  .pivot_root = f_pivot_root, .setns = f_setns, .unshare = f_unshare, .fork = f_fork,
  .setsid = f_setsid, .getpid = f_getpid, .geteuid = f_geteuid, .sethostname = f_sethostname,
  .setdomainname = f_setdomainname, .prlimit = f_prlimit, .prctl = f_prctl,
  .setresuid = f_setresuid, .setresgid = f_setresgid, .setgroups = f_setgroups,
  .capget = f_capget, .capset = f_capset, .seccomp = f_seccomp,
  .rt_sigaction = f_rt_sigaction, .rt_sigprocmask = f_rt_sigprocmask,
  .send = f_send, .recv = f_recv, .send_fd = f_send_fd, .execve = f_execve, .exit = f_exit,
  .wait4 = f_wait4, .attr3 = f_attr3, .mount_setattr = f_mount_setattr,
  .open_tree = f_open_tree, .move_mount = f_move_mount,
};
