/*
 * Native tier: the executor against the recording fake syscall table (systest.c),
 * built with ASan/UBSan. Each test builds a plan by hand, runs it, and checks the
 * recorded syscall sequence (an ordered list of line prefixes) or the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "executor.h"

/* ---- plan builder ---- */

struct pb {
  struct tsrun_plan_header h;
  struct tsrun_op ops[64];
  char strs[8192];
  uint32_t slen;
  uint8_t buf[64 + 64 * 48 + 8192];
};

static void pb_init(struct pb *p)
{
  memset(p, 0, sizeof *p);
  p->h.magic = TSRUN_PLAN_MAGIC;
  p->h.version = TSRUN_PLAN_VERSION;
  p->slen = 1; /* offset 0 is "" */
}

static uint32_t pb_str(struct pb *p, const char *s)
{
  uint32_t off = p->slen;
  size_t n = strlen(s) + 1;
  memcpy(p->strs + off, s, n);
  p->slen += (uint32_t)n;
  return off;
}

static uint32_t pb_blob(struct pb *p, const void *b, size_t n)
{
  uint32_t off = p->slen;
  memcpy(p->strs + off, b, n);
  p->slen += (uint32_t)n;
  return off;
}

static struct tsrun_op *pb_op(struct pb *p, uint32_t code, uint32_t flags)
{
  struct tsrun_op *o = &p->ops[p->h.op_count++];
  o->code = code;
  o->flags = flags;
  o->s[0] = o->s[1] = o->s[2] = o->s[3] = TSRUN_NOSTR;
  return o;
}

static struct tsrun_op *pb_op1(struct pb *p, uint32_t code, uint32_t flags, const char *s0)
{
  struct tsrun_op *o = pb_op(p, code, flags);
  o->s[0] = pb_str(p, s0);
  return o;
}

static void pb_exec(struct pb *p, const char **argv, const char **env)
{
  struct tsrun_op *o = pb_op(p, OP_EXEC, 0);
  int i;
  for (i = 0; argv[i]; i++) {
    uint32_t off = pb_str(p, argv[i]);
    if (i == 0)
      o->s[0] = off;
  }
  o->a = (uint64_t)i;
  for (i = 0; env && env[i]; i++) {
    uint32_t off = pb_str(p, env[i]);
    if (i == 0)
      o->s[1] = off;
  }
  o->b = (uint64_t)i;
}

static uint32_t pb_build(struct pb *p)
{
  uint32_t len;
  p->h.str_len = p->slen;
  len = 64 + p->h.op_count * 48 + p->slen;
  memcpy(p->buf, &p->h, 64);
  memcpy(p->buf + 64, p->ops, p->h.op_count * 48);
  memcpy(p->buf + 64 + p->h.op_count * 48, p->strs, p->slen);
  return len;
}

/* ---- harness ---- */

static int passed, failed;
static const char *cur;
/* the last prefix has_seq did not find: shown only when a CHECK fails (a negative check expects it missing) */
static const char *last_missing;

#define CHECK(cond) do { if (!(cond)) { fail_at(__LINE__, #cond); return; } } while (0)

static void fail_at(int line, const char *what)
{
  fprintf(stderr, "FAIL %s (line %d): %s\n", cur, line, what);
  if (last_missing)
    fprintf(stderr, "missing (in order): %s\n", last_missing);
  fprintf(stderr, "--- log ---\n%s-----------\n", systest_log());
  failed++;
}

/* Every prefix in `want` (NULL-terminated) must start a log line, in this order. */
static int has_seq(const char *const *want)
{
  const char *log = systest_log();
  last_missing = NULL;
  for (; *want; want++) {
    size_t n = strlen(*want);
    const char *p = log;
    int found = 0;
    while (*p) {
      const char *nl = strchr(p, '\n');
      if (!strncmp(p, *want, n)) {
        found = 1;
        log = nl ? nl + 1 : p + strlen(p);
        break;
      }
      if (!nl)
        break;
      p = nl + 1;
    }
    if (!found) {
      last_missing = *want;
      return 0;
    }
  }
  return 1;
}

static int has_line(const char *prefix)
{
  const char *want[] = { prefix, NULL };
  return has_seq(want);
}

static struct tsrun_exec_ctx ctx;
static int run(struct pb *p)
{
  uint32_t len = pb_build(p);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = -1;
  ctx.console_fd = -1;
  return tsrun_exec_plan(&tsrun_sys_test, p->buf, len, &ctx);
}

static struct pb P;
static const char *ARGV[] = { "sh", "-c", "true", NULL };
static const char *ENV[] = { "PATH=/bin", NULL };

#define TEST(name) static void name(void)
#define RUN(name) do { int f0 = failed; cur = #name; last_missing = NULL; systest_reset(); name(); if (failed == f0) passed++; \
    if (getenv("VERBOSE")) printf("== %s\n%s", cur, systest_log()); } while (0)

/* ---- tests ---- */

TEST(bind_mount_readonly)
{
  struct tsrun_op *o;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, OPF_BIND | OPF_REMOUNT_BIND, "/host/data");
  o->s[1] = pb_str(&P, "/data");
  o->a = MS_BIND | MS_REC;
  o->b = MS_RDONLY;
  o->c = MS_PRIVATE;
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  const char *want[] = {
    "openat(AT_FDCWD,\"/rootfs\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 10",
    "openat(AT_FDCWD,\"/host/data\",O_PATH|O_CLOEXEC,00) = 11",
    "fstat(11) = 0",
    "openat2(10,\"data\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = 12",
    "mount(\"/proc/self/fd/11\",\"/proc/self/fd/12\",NULL,MS_BIND|MS_REC,NULL) = 0",
    "close(12)", "close(11)",
    "openat2(10,\"data\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = 13",
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_RDONLY|MS_REMOUNT|MS_BIND,NULL) = 0",
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_PRIVATE,NULL) = 0",
    "close(13)",
    "close(10)", /* the root fd is closed before exec */
    "execve(\"sh\",[sh -c true],env=1)", NULL };
  CHECK(has_seq(want));
}

TEST(bind_remount_keeps_locked_flags)
{
  struct tsrun_op *o;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, OPF_BIND | OPF_REMOUNT_BIND, "/host/data");
  o->s[1] = pb_str(&P, "data");
  o->a = MS_BIND;
  o->b = MS_RDONLY;
  systest.fail_prefix = "mount(NULL,\"/proc/self/fd/13\",NULL,MS_RDONLY|MS_REMOUNT|MS_BIND,NULL)";
  systest.fail_errno = EPERM;
  CHECK(run(&P) == 0);
  const char *want[] = {
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_RDONLY|MS_REMOUNT|MS_BIND,NULL) = -1",
    "fstatfs(13)",
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND|MS_RELATIME,NULL) = 0",
    NULL };
  CHECK(has_seq(want));
}

TEST(file_bind_creates_file)
{
  struct tsrun_op *o;
  systest_file("/etc/resolv.conf", S_IFREG | 0644, NULL);
  systest_file("/rootfs/etc/resolv.conf", 0, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, OPF_BIND, "/etc/resolv.conf");
  o->s[1] = pb_str(&P, "/etc/resolv.conf");
  o->a = MS_BIND;
  CHECK(run(&P) == 0);
  const char *want[] = {
    /* the /proc rule looks first: the file is missing, its parent is not on proc */
    "openat2(10,\"etc/resolv.conf\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = -2",
    "fstatfs(12) = 0", "close(12)",
    "openat2(10,\"etc\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = 13",
    "openat(13,\"resolv.conf\",O_NOFOLLOW|O_CREAT|O_EXCL|O_CLOEXEC,0644) = 14",
    "mount(\"/proc/self/fd/11\",\"/proc/self/fd/", NULL };
  CHECK(has_seq(want));
  CHECK(S_ISREG(systest_mode("/rootfs/etc/resolv.conf")));
}

TEST(pivot_root_sequence)
{
  struct tsrun_op *o;
  systest_file("/proc/kcore", S_IFREG | 0400, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op(&P, OP_PRIVATE_ROOT, 0)->a = MS_REC | MS_SLAVE;
  o = pb_op1(&P, OP_MOUNT, OPF_BIND, "/rootfs");
  o->s[1] = pb_str(&P, "/");
  o->a = MS_BIND | MS_REC;
  pb_op1(&P, OP_PIVOT_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MASK_PATH, 0, "/proc/kcore");
  pb_op1(&P, OP_MASK_PATH, 0, "/proc/acpi");
  pb_op1(&P, OP_READONLY_PATH, 0, "/proc/sys");
  pb_op1(&P, OP_REMOUNT_RO, 0, "/");
  CHECK(run(&P) == 0);
  const char *want[] = {
    "mount(NULL,\"/\",NULL,MS_REC|MS_SLAVE,NULL) = 0",
    "openat2(10,\".\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = 12",
    "mount(\"/proc/self/fd/11\",\"/proc/self/fd/12\",NULL,MS_BIND|MS_REC,NULL) = 0",
    /* the fd from before the self-bind sees what is underneath: reopened */
    "openat(AT_FDCWD,\"/rootfs\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 13",
    "close(10)",
    "openat(AT_FDCWD,\"/\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 14",
    "openat(AT_FDCWD,\"/rootfs\",O_DIRECTORY|O_CLOEXEC,00) = 15",
    "fchdir(15) = 0",
    "pivot_root(\".\",\".\") = 0",
    "fchdir(14) = 0",
    "mount(NULL,\".\",NULL,MS_REC|MS_SLAVE,NULL) = 0",
    "umount2(\".\",MNT_DETACH) = 0",
    "chdir(\"/\") = 0",
    "openat(AT_FDCWD,\"/\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 16",
    "close(13)",
    "openat2(16,\"proc/kcore\"",
    "mount(\"/dev/null\",\"/proc/self/fd/17\",NULL,MS_BIND,NULL) = 0",
    "openat2(16,\"proc/acpi\"",
    "mount(\"tmpfs\",\"/proc/self/fd/18\",\"tmpfs\",MS_RDONLY,NULL) = 0",
    "openat2(16,\"proc/sys\"",
    "mount(\"/proc/self/fd/19\",\"/proc/self/fd/19\",NULL,MS_BIND|MS_REC,NULL) = 0",
    "fstatfs(20)", /* proc's nosuid/nodev/noexec are kept on the read-only bind */
    "mount(NULL,\"/proc/self/fd/20\",NULL,MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND|MS_REC,NULL) = 0",
    "openat2(16,\".\"",
    "fstatfs(21)",
    "mount(NULL,\"/proc/self/fd/21\",NULL,MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND|MS_RELATIME,NULL) = 0",
    NULL };
  CHECK(has_seq(want));
}

TEST(masked_path_missing_is_ignored)
{
  systest_file("/rootfs/proc/nope", 0, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MASK_PATH, 0, "/proc/nope");
  CHECK(run(&P) == 0);
  CHECK(!strstr(systest_log(), "mount("));
}

TEST(move_root_sequence)
{
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MOVE_ROOT, 0, "/rootfs");
  CHECK(run(&P) == 0);
  const char *want[] = { "chdir(\"/rootfs\") = 0", "getcwd()", "openat(AT_FDCWD,\"/proc/self/mountinfo\"",
                         "mount(\"/rootfs\",\"/\",NULL,MS_MOVE,NULL) = 0",
                         "chroot(\".\") = 0", "chdir(\"/\") = 0",
                         "openat(AT_FDCWD,\"/\",O_PATH|O_DIRECTORY|O_CLOEXEC,00)", NULL };
  CHECK(has_seq(want));
}

TEST(capability_op_order)
{
  struct tsrun_op *o;
  uint8_t gids[8] = { 1, 0, 0, 0, 0x2c, 0x01, 0, 0 }; /* 1, 300 */
  uint8_t filt[16] = { 6, 0, 0, 0, 0x34, 0x12, 0, 0, 6, 0, 0, 0, 0, 0, 0xff, 0x7f };
  pb_init(&P);
  pb_op(&P, OP_CAPBSET_DROP, 0)->a = (1ULL << 0) | (1ULL << 5);
  pb_op(&P, OP_KEEPCAPS, 0)->a = 1;
  o = pb_op(&P, OP_SETGROUPS, 0);
  o->a = 2;
  o->s[0] = pb_blob(&P, gids, sizeof gids);
  pb_op(&P, OP_SETRESGID, 0)->a = 100;
  pb_op(&P, OP_SETRESUID, 0)->a = 1000;
  pb_op(&P, OP_KEEPCAPS, 0)->a = 0;
  o = pb_op(&P, OP_CAPSET, 0);
  o->a = (1ULL << 5) | (1ULL << 33);
  o->b = (1ULL << 5) | (1ULL << 33);
  o->c = 0;
  pb_op(&P, OP_AMBIENT, 0)->a = 1ULL << 5;
  pb_op(&P, OP_NO_NEW_PRIVS, 0);
  o = pb_op(&P, OP_SECCOMP, 0);
  o->s[0] = pb_blob(&P, filt, sizeof filt);
  o->a = sizeof filt;
  o->b = 0;
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  const char *want[] = {
    "prctl(PR_CAPBSET_READ,0,0) = 1",
    "prctl(PR_CAPBSET_READ,1,0) = 1", "prctl(PR_CAPBSET_DROP,1,0) = 0",
    "prctl(PR_CAPBSET_READ,4,0) = 1", "prctl(PR_CAPBSET_DROP,4,0) = 0",
    "prctl(PR_CAPBSET_READ,5,0) = 1", "prctl(PR_CAPBSET_READ,6,0) = 1",
    "prctl(PR_CAPBSET_DROP,40,0) = 0", "prctl(PR_CAPBSET_READ,41,0) = -22",
    "prctl(PR_SET_KEEPCAPS,1,0) = 0",
    "setgroups(2,[1,300]) = 0",
    "setresgid(100,100,100) = 0",
    "setresuid(1000,1000,1000) = 0",
    "prctl(PR_SET_KEEPCAPS,0,0) = 0",
    "capset(0x20080522,e=2:20,p=2:20,i=0:0) = 0",
    "prctl(PR_CAP_AMBIENT,4,0) = 0", /* CLEAR_ALL */
    "prctl(PR_CAP_AMBIENT,2,5) = 0", /* RAISE 5 */
    "prctl(PR_SET_NO_NEW_PRIVS,1,0) = 0",
    "seccomp(1,0x0,len=2,k0=0x1234) = 0",
    "execve(", NULL };
  CHECK(has_seq(want));
  CHECK(!strstr(systest_log(), "prctl(PR_CAPBSET_DROP,0,"));
  CHECK(!strstr(systest_log(), "prctl(PR_CAPBSET_DROP,5,"));
}

TEST(exec_fd_cleanup)
{
  struct tsrun_op *o;
  systest_file("/usr/bin/sh", 0, NULL);
  systest_file("/bin/sh", S_IFREG | 0755, NULL);
  pb_init(&P);
  o = pb_op1(&P, OP_LOOKUP_EXEC, 0, "sh");
  o->s[1] = pb_str(&P, "/usr/bin:/bin");
  pb_exec(&P, ARGV, ENV);
  pb_build(&P);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = -1;
  ctx.preserve_fds = 2;
  CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, pb_build(&P), &ctx) == 0);
  const char *want[] = {
    "fstatat(AT_FDCWD,\"/usr/bin/sh\",0x0) = -2",
    "fstatat(AT_FDCWD,\"/bin/sh\",0x0) = 0",
    "rt_sigaction(1,SIG_DFL,8) = 0",
    "rt_sigaction(64,SIG_DFL,8) = 0",
    "rt_sigprocmask(2,0x0,8) = 0",
    "fcntl(0,F_GETFD,0x0) = 1", "fcntl(0,F_SETFD,0x0) = 0", "fcntl(0,F_GETFL,0x0)", "fcntl(0,F_SETFL,0x2) = 0",
    "fcntl(1,F_SETFD,0x0)", "fcntl(1,F_SETFL,0x2)",
    "fcntl(2,F_SETFD,0x0)", "fcntl(2,F_SETFL,0x2)",
    "fcntl(3,F_SETFD,0x0)", "fcntl(4,F_SETFD,0x0)", "fcntl(4,F_SETFL,0x2)",
    "close_range(5,0xffffffff,CLOSE_RANGE_CLOEXEC) = 0",
    "execve(\"/bin/sh\",[sh -c true],env=1)", NULL };
  CHECK(has_seq(want));
  CHECK(!strstr(systest_log(), "fcntl(5,"));
  CHECK(!strstr(systest_log(), "rt_sigaction(9,"));
  CHECK(!strstr(systest_log(), "rt_sigaction(19,"));
}

TEST(deferred_seccomp_loads_last)
{
  struct tsrun_op *o;
  uint8_t filt[8] = { 6, 0, 0, 0, 0, 0, 0xff, 0x7f };
  pb_init(&P);
  pb_op(&P, OP_NO_NEW_PRIVS, 0);
  pb_op(&P, OP_REPORT_READY, 0);
  o = pb_op(&P, OP_SECCOMP, OPF_DEFER);
  o->s[0] = pb_blob(&P, filt, sizeof filt);
  o->a = sizeof filt;
  o->b = 4; /* SECCOMP_FILTER_FLAG_SPEC_ALLOW, passed through */
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  const char *want[] = { "prctl(PR_SET_NO_NEW_PRIVS,1,0)", "send(5,READY", "rt_sigprocmask(",
                         "close_range(3,", "seccomp(1,0x4,len=1,k0=0x7fff0000) = 0", "execve(", NULL };
  CHECK(has_seq(want));
  /* a failure is reported against the seccomp op, not the exec */
  systest_reset();
  systest.fail_prefix = "seccomp(";
  systest.fail_errno = EINVAL;
  CHECK(run(&P) == -EINVAL);
  CHECK(ctx.err_op == 2 && ctx.err_errno == EINVAL && !strcmp(ctx.err_text, "seccomp"));
  CHECK(!strstr(systest_log(), "execve("));
}

TEST(notify_filter_sends_listener_fd_before_ready)
{
  struct tsrun_op *o;
  uint8_t filt[8] = { 6, 0, 0, 0, 0, 0, 0xc0, 0x7f };
  pb_init(&P);
  o = pb_op(&P, OP_SECCOMP, 0);
  o->s[0] = pb_blob(&P, filt, sizeof filt);
  o->a = sizeof filt;
  o->b = 8; /* SECCOMP_FILTER_FLAG_NEW_LISTENER: the fake returns fd 7 */
  pb_op(&P, OP_REPORT_READY, 0);
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  const char *want[] = { "seccomp(1,0x8,len=1,k0=0x7fc00000) = 7", "send_fd(5,type=20,fd=7)", "close(7)",
                         "send(5,READY", "execve(", NULL };
  CHECK(has_seq(want));
  /* a listener filter after READY is refused: nobody would receive the fd */
  pb_init(&P);
  pb_op(&P, OP_REPORT_READY, 0);
  o = pb_op(&P, OP_SECCOMP, OPF_DEFER);
  o->s[0] = pb_blob(&P, filt, sizeof filt);
  o->a = sizeof filt;
  o->b = 8;
  pb_exec(&P, ARGV, ENV);
  systest_reset();
  CHECK(run(&P) == -EINVAL);
  CHECK(!strstr(systest_log(), "execve("));
}

TEST(exec_failure_after_ready)
{
  pb_init(&P);
  pb_op(&P, OP_REPORT_READY, 0);
  pb_exec(&P, ARGV, ENV);
  systest.execve_ret = -ENOENT;
  CHECK(run(&P) == 127);
  CHECK(ctx.ready_sent == 1);
  const char *want[] = { "send(5,READY,0x4000)", "execve(",
                         "write(2,\"tsrun: exec sh: no such file or directory\\n\")", NULL };
  CHECK(has_seq(want));
}

TEST(exec_failure_before_ready)
{
  pb_init(&P);
  pb_exec(&P, ARGV, ENV);
  systest.execve_ret = -EACCES;
  CHECK(run(&P) == -EACCES);
  CHECK(ctx.err_op == 0 && ctx.err_errno == EACCES && !strcmp(ctx.err_text, "sh"));
}

TEST(lookup_errors)
{
  systest_file("/bin/nope", 0, NULL);
  systest_file("/usr/bin/nope", 0, NULL);
  systest_file("/bin/data", S_IFREG | 0644, NULL);
  pb_init(&P);
  pb_op1(&P, OP_LOOKUP_EXEC, 0, "nope")->s[1] = pb_str(&P, "/usr/bin:/bin");
  CHECK(run(&P) == -ENOENT);
  CHECK(!strcmp(ctx.err_text, "exec: \"nope\": executable file not found in $PATH"));
  systest_reset();
  systest_file("/bin/nope", 0, NULL);
  pb_init(&P);
  pb_op1(&P, OP_LOOKUP_EXEC, 0, "/bin/nope");
  CHECK(run(&P) == -ENOENT);
  CHECK(!strcmp(ctx.err_text, "exec: \"/bin/nope\": stat /bin/nope: no such file or directory"));
  systest_reset();
  systest_file("/bin/data", S_IFREG | 0644, NULL);
  pb_init(&P);
  pb_op1(&P, OP_LOOKUP_EXEC, 0, "/bin/data");
  CHECK(run(&P) == -EACCES);
  CHECK(!strcmp(ctx.err_text, "exec: \"/bin/data\": permission denied"));
  systest_reset();
  pb_init(&P);
  pb_op1(&P, OP_LOOKUP_EXEC, 0, "/bin");
  CHECK(run(&P) == -EISDIR);
  CHECK(!strcmp(ctx.err_text, "exec: \"/bin\": is a directory"));
}

TEST(injected_failure_reported)
{
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_SETHOSTNAME, 0, "box");
  pb_op1(&P, OP_SETDOMAINNAME, 0, "example.org");
  pb_exec(&P, ARGV, ENV);
  systest.fail_prefix = "setdomainname(";
  systest.fail_errno = EPERM;
  uint32_t len = pb_build(&P);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = -1;
  CHECK(tsrun_child_main(&tsrun_sys_test, P.buf, len, &ctx) == 1);
  CHECK(ctx.err_op == 2 && ctx.err_errno == EPERM);
  const char *want[] = { "prctl(PR_SET_DUMPABLE,0,0) = 0", "rt_sigaction(1,SIG_DFL,8)",
                         "recv(5,256,0) = 256", "sethostname(\"box\") = 0",
                         "setdomainname(\"example.org\") = -1",
                         "send(5,ERROR op=2 err=1 \"example.org\",0x4000) = 256", NULL };
  CHECK(has_seq(want));
  CHECK(!strstr(systest_log(), "execve("));
  CHECK(!strstr(systest_log(), "write(2,"));
}

TEST(failure_by_call_number)
{
  int n;
  pb_init(&P);
  pb_op1(&P, OP_MKDIR, 0, "/a/b")->a = 0700;
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs"); /* after the mkdir: it has no root yet */
  CHECK(run(&P) == -EBADF);
  CHECK(ctx.err_op == 0 && !strcmp(ctx.err_text, "/a/b"));
  systest_reset();
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  n = 3; /* recv, openat, sethostname */
  systest.fail_call = n;
  systest.fail_errno = EINVAL;
  CHECK(run(&P) == -EINVAL);
  CHECK(ctx.err_op == 1 && ctx.err_errno == EINVAL && !strcmp(ctx.err_text, "h"));
}

TEST(prelude_order)
{
  struct tsrun_op *o;
  pb_init(&P);
  P.h.unshare_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWCGROUP;
  P.h.flags = TSRUN_PF_NEW_USERNS | TSRUN_PF_FORK_INIT | TSRUN_PF_SETSID;
  o = pb_op1(&P, OP_NSJOIN, 0, "/proc/77/ns/user");
  o->a = CLONE_NEWUSER;
  o = pb_op1(&P, OP_NSJOIN, 0, "/proc/77/ns/net");
  o->a = CLONE_NEWNET;
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  systest.fork_ret = 0; /* continue as the grandchild */
  CHECK(run(&P) == 0);
  const char *want[] = {
    "openat(AT_FDCWD,\"/proc/77/ns/user\",O_CLOEXEC,00) = 10", "setns(10,0x10000000) = 0", "close(10)",
    "openat(AT_FDCWD,\"/proc/77/ns/net\",O_CLOEXEC,00) = 11", "setns(11,0x40000000) = 0", "close(11)",
    "unshare(0x20020000) = 0",
    "getpid()", "prctl(PR_SET_DUMPABLE,1,0)", "send(5,MAPS_REQUEST pid=4242,0x4000)",
    "recv(5,256,0) = 256", "prctl(PR_SET_DUMPABLE,0,0)", "unshare(0x2000000) = 0",
    "pipe2(O_CLOEXEC) = 0", "fork() = 0", "close(13)", "read(12,1) = 0", "close(12)",
    "setsid() = 4242", "sethostname(\"h\") = 0", NULL };
  CHECK(has_seq(want));
  CHECK(!strstr(systest_log(), "send(5,PID"));
  systest_reset(); /* a cgroup namespace from clone_flags is also made after GO */
  P.h.clone_flags = CLONE_NEWCGROUP | CLONE_NEWNS;
  P.h.unshare_flags = 0;
  P.h.flags = 0;
  P.h.op_count = 0;
  CHECK(run(&P) == 0);
  const char *want2[] = { "recv(5,256,0) = 256", "unshare(0x2000000) = 0", NULL };
  CHECK(has_seq(want2));
}

TEST(fork_init_intermediate)
{
  pb_init(&P);
  P.h.flags = TSRUN_PF_FORK_INIT;
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  systest.fork_ret = 777;
  CHECK(run(&P) == 0);
  const char *want[] = { "recv(5,256,0)", "fork() = 777", "close(10)", "send(5,PID pid=777,0x4000)",
                         "close(11)", NULL };
  CHECK(has_seq(want));
  CHECK(!strstr(systest_log(), "sethostname"));
  CHECK(!strstr(systest_log(), "MAPS_REQUEST"));
}

TEST(eof_instead_of_go)
{
  pb_init(&P);
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  systest.recv_eof = 1;
  CHECK(run(&P) == 1);
  CHECK(!strstr(systest_log(), "sethostname"));
  CHECK(!strstr(systest_log(), "send("));
}

TEST(walk_keeps_symlinks_inside_root)
{
  struct tsrun_op *o;
  systest.strict = 1;
  systest.openat2_enosys = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/evil", S_IFLNK | 0777, "/etc");
  systest_file("/rootfs/up", S_IFLNK | 0777, "../../../..");
  systest_file("/etc", S_IFDIR | 0755, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT, 0, "tmpfs");
  o->s[1] = pb_str(&P, "/evil/sub");
  o->s[2] = pb_str(&P, "tmpfs");
  o = pb_op1(&P, OP_MOUNT, 0, "tmpfs");
  o->s[1] = pb_str(&P, "up/x/../y");
  o->s[2] = pb_str(&P, "tmpfs");
  pb_op1(&P, OP_SYMLINK, 0, "/proc/self/fd")->s[1] = pb_str(&P, "/up/dev/fd");
  CHECK(run(&P) == 0);
  CHECK(S_ISDIR(systest_mode("/rootfs/etc/sub")));
  CHECK(systest_mode("/etc/sub") == 0);
  CHECK(S_ISDIR(systest_mode("/rootfs/y")));
  CHECK(S_ISDIR(systest_mode("/rootfs/dev")));
  CHECK(S_ISLNK(systest_mode("/rootfs/dev/fd")));
  CHECK(systest_mode("/y") == 0 && systest_mode("/dev/fd") == 0);
  const char *want[] = { "openat2(10,\"evil/sub\"", "readlinkat(", "mkdirat(", "mount(\"tmpfs\",", NULL };
  CHECK(has_seq(want));
}

TEST(walk_symlink_loop)
{
  systest.strict = 1;
  systest.openat2_enosys = 1;
  systest_file("/rootfs", S_IFDIR | 0755, NULL);
  systest_file("/rootfs/a", S_IFLNK | 0777, "b");
  systest_file("/rootfs/b", S_IFLNK | 0777, "a");
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MKDIR, 0, "/a/c")->a = 0755;
  CHECK(run(&P) == -ELOOP);
  CHECK(ctx.err_op == 1 && !strcmp(ctx.err_text, "/a/c"));
}

TEST(mknod_replaces_and_falls_back)
{
  struct tsrun_op *o;
  systest_file("/rootfs/dev/null", S_IFREG | 0644, NULL);
  systest_file("/rootfs/dev/zero", 0, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MKNOD, 0, "/dev/null");
  o->a = S_IFCHR | 0666;
  o->b = makedev(1, 3);
  o->c = ((uint64_t)1000 << 32) | 1001;
  o = pb_op1(&P, OP_MKNOD, OPF_BIND_FALLBACK, "/dev/zero");
  o->a = S_IFCHR | 0666;
  o->b = makedev(1, 5);
  systest.fail_prefix = "mknodat(12,\"zero\"";
  systest.fail_errno = EPERM;
  CHECK(run(&P) == 0);
  const char *want[] = {
    "fstatat(11,\"null\",0x100) = 0", "unlinkat(11,\"null\",0) = 0", "umask(00) = 18",
    "mknodat(11,\"null\",020666,0x103) = 0", "umask(022)",
    "fchownat(11,\"null\",1000,1001,AT_SYMLINK_NOFOLLOW) = 0",
    "mknodat(12,\"zero\",020666,0x105) = -1",
    "openat(12,\"zero\",O_NOFOLLOW|O_CREAT|O_EXCL|O_CLOEXEC,0644) = 13",
    "openat(12,\"zero\",O_PATH|O_NOFOLLOW|O_CLOEXEC,00) = 14",
    "openat(AT_FDCWD,\"/dev/zero\",O_PATH|O_CLOEXEC,00) = 15",
    "mount(\"/proc/self/fd/15\",\"/proc/self/fd/14\",NULL,MS_BIND,NULL) = 0", NULL };
  CHECK(has_seq(want));
  CHECK(!strstr(systest_log(), "fchownat(12,"));
}

TEST(proc_files_and_misc)
{
  struct tsrun_op *o;
  int fd;
  fd = (int)tsrun_sys_test.openat(AT_FDCWD, "/run/tsrun/c1", O_PATH, 0); /* the state dir: 10 */
  pb_init(&P);
  pb_op(&P, OP_OOM_SCORE_ADJ, 0)->a = (uint64_t)-500;
  pb_op1(&P, OP_SYSCTL, 0, "net.ipv4.ip_forward")->s[1] = pb_str(&P, "1");
  o = pb_op(&P, OP_RLIMIT, 0);
  o->a = 7;
  o->b = 1024;
  o->c = 4096;
  pb_op(&P, OP_UMASK, 0)->a = 027;
  systest_file("/home/u", S_IFDIR | 0700, NULL);
  pb_op1(&P, OP_CHDIR, OPF_RETRY_LATER, "/home/u");
  pb_op(&P, OP_CHDIR_RETRY, 0);
  pb_op(&P, OP_REPORT_READY, 0);
  pb_op(&P, OP_WAIT_START, 0);
  systest.fail_prefix = "chdir(\"/home/u\")";
  systest.fail_errno = EACCES;
  P.h.flags = TSRUN_PF_KEEP_STATE_DIR; /* no /proc in this container: the fifo is opened from the dir */
  pb_build(&P);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = fd;
  CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, pb_build(&P), &ctx) == 0);
  const char *want[] = {
    "openat(AT_FDCWD,\"/proc/self/oom_score_adj\",O_NOFOLLOW|O_WRONLY|O_CLOEXEC,00) = 11", "write(11,\"-500\")",
    "openat(AT_FDCWD,\"/proc/sys/net/ipv4/ip_forward\",O_NOFOLLOW|O_WRONLY|O_CLOEXEC,00) = 12", "write(12,\"1\")",
    "prlimit(0,7,1024,4096) = 0", "umask(027)",
    "chdir(\"/home/u\") = -13", "chdir(\"/home/u\") = 0", "send(5,READY,0x4000)",
    "openat(10,\"exec.fifo\",O_WRONLY|O_CLOEXEC,00) = 13", "write(13,\"0\")", "close(10)", "close(13)", NULL };
  CHECK(has_seq(want));
  systest_reset();
  pb_init(&P);
  pb_op1(&P, OP_SYSCTL, 0, "net/../../etc/x")->s[1] = pb_str(&P, "1");
  CHECK(run(&P) == -EINVAL);
  CHECK(!strstr(systest_log(), "openat("));
}

/* CVE-2024-21626 class: the host state dir is closed before the root switch and the chdir, and a
 * cwd that lands outside the root (a leaked fd, /proc/<host pid>/cwd) is refused. */
TEST(cwd_never_reaches_the_host)
{
  int fd = (int)tsrun_sys_test.openat(AT_FDCWD, "/run/tsrun/c1", O_PATH, 0); /* the state dir: 10 */
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/b/rootfs");
  pb_op1(&P, OP_PIVOT_ROOT, 0, "/b/rootfs");
  pb_op1(&P, OP_CHDIR, 0, "/proc/self/fd/10");
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = fd;
  systest.cwd_outside = 1;
  CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, pb_build(&P), &ctx) == -EPERM);
  const char *want[] = { "close(10) = 0", "pivot_root(", "chdir(\"/proc/self/fd/10\")", "getcwd()", NULL };
  CHECK(has_seq(want));
  CHECK(ctx.state_dir_fd == -1);
  CHECK(ctx.err_op == 2);
  CHECK(strstr(ctx.err_text, "outside the container's root (possible container breakout detected)") != NULL);
}

TEST(malformed_plans)
{
  uint32_t len;
  struct tsrun_op *o;
  uint8_t tiny[10] = { 0 };

  CHECK(tsrun_exec_plan(&tsrun_sys_test, tiny, sizeof tiny, &ctx) == -EINVAL);
  CHECK(tsrun_exec_plan(&tsrun_sys_test, NULL, 0, &ctx) == -EINVAL);

  pb_init(&P); /* bad magic */
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  P.h.magic = 0x12345678;
  CHECK(run(&P) == -EINVAL && ctx.err_op == -1 && strstr(ctx.err_text, "magic"));

  pb_init(&P); /* bad version */
  P.h.version = 2;
  CHECK(run(&P) == -EINVAL && ctx.err_op == -1);

  pb_init(&P); /* string offset past the end */
  o = pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  pb_op1(&P, OP_SETHOSTNAME, 0, "h")->s[0] = 4000;
  (void)o;
  CHECK(run(&P) == -EINVAL && ctx.err_op == 1 && strstr(ctx.err_text, "string"));

  pb_init(&P); /* an optional field out of bounds is still rejected */
  pb_op1(&P, OP_MOUNT, 0, "proc")->s[1] = pb_str(&P, "/proc");
  P.ops[0].s[3] = 0xfffffff0u;
  CHECK(run(&P) == -EINVAL && ctx.err_op == 0);

  pb_init(&P); /* a required string missing */
  pb_op(&P, OP_SETHOSTNAME, 0);
  CHECK(run(&P) == -EINVAL && ctx.err_op == 0);

  pb_init(&P); /* op_count overflow: 0xffffffff * 48 must not wrap to the real length */
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  len = pb_build(&P);
  P.h.op_count = 0xffffffffu;
  memcpy(P.buf, &P.h, 64);
  CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, len, &ctx) == -EINVAL && ctx.err_op == -1);

  pb_init(&P); /* str_len larger than the buffer */
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  len = pb_build(&P);
  CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, len - 1, &ctx) == -EINVAL);

  pb_init(&P); /* unknown opcode */
  pb_op(&P, 999, 0);
  CHECK(run(&P) == -EINVAL && ctx.err_op == 0 && strstr(ctx.err_text, "opcode"));
  pb_init(&P);
  pb_op(&P, 0, 0);
  CHECK(run(&P) == -EINVAL);

  pb_init(&P); /* argv count beyond the table */
  pb_exec(&P, ARGV, ENV);
  P.ops[0].a = 50;
  CHECK(run(&P) == -EINVAL && strstr(ctx.err_text, "argv"));
  pb_init(&P); /* huge env count */
  pb_exec(&P, ARGV, ENV);
  P.ops[0].b = ~0ULL;
  CHECK(run(&P) == -EINVAL);

  pb_init(&P); /* blobs out of bounds / wrapping */
  o = pb_op(&P, OP_SECCOMP, 0);
  o->s[0] = 1;
  o->a = 0xfffffffffffffff8ULL;
  CHECK(run(&P) == -EINVAL);
  pb_init(&P);
  o = pb_op(&P, OP_SETGROUPS, 0);
  o->s[0] = 0xfffffff0u;
  o->a = 4;
  CHECK(run(&P) == -EINVAL);
  pb_init(&P);
  o = pb_op(&P, OP_SECCOMP, 0);
  o->s[0] = pb_str(&P, "1234567");
  o->a = 7; /* not a multiple of 8 */
  CHECK(run(&P) == -EINVAL);

  pb_init(&P); /* a string that runs off the end (no NUL) */
  pb_op(&P, OP_SETHOSTNAME, 0)->s[0] = pb_blob(&P, "abc", 3);
  CHECK(run(&P) == -EINVAL);

  pb_init(&P); /* bind without source */
  o = pb_op(&P, OP_MOUNT, OPF_BIND);
  o->s[1] = pb_str(&P, "/x");
  CHECK(run(&P) == -EINVAL);

  CHECK(systest_calls() == 0); /* nothing ran for any of them */
}

TEST(plan_without_exec_returns)
{
  pb_init(&P);
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  CHECK(run(&P) == 0);
  CHECK(has_line("sethostname(\"h\") = 0"));
}

/* OP_HOOK_SYNC names its hook point in the message's own field (pid stays 0), waits for
 * HOOKS_DONE and carries on. */
TEST(hook_sync_sends_its_point)
{
  struct tsrun_op *o;
  pb_init(&P);
  o = pb_op(&P, OP_HOOK_SYNC, 0);
  o->a = 0x103;
  pb_op1(&P, OP_SETHOSTNAME, 0, "h");
  CHECK(run(&P) == 0);
  const char *want[] = { "recv(5,256,0) = 256", "send(5,HOOKS point=259 pid=0,0x4000) = 256",
                         "recv(5,256,0) = 256", "sethostname(\"h\") = 0", NULL };
  CHECK(has_seq(want));
}

/* The container owns its /dev: a /dev/ptmx that is not the real ptmx (5:2) is refused,
 * and nothing is sent on the console socket. */
TEST(console_refuses_fake_ptmx)
{
  struct tsrun_op *o;
  systest_file("/dev/ptmx", S_IFREG | 0666, NULL);
  pb_init(&P);
  o = pb_op1(&P, OP_SETUP_CONSOLE, 0, "/dev/ptmx");
  o->a = 24;
  o->b = 80;
  pb_exec(&P, ARGV, ENV);
  {
    uint32_t len = pb_build(&P);
    memset(&ctx, 0, sizeof ctx);
    ctx.sync_fd = 5;
    ctx.state_dir_fd = -1;
    ctx.console_fd = 7;
    CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, len, &ctx) == -ENXIO);
  }
  CHECK(ctx.err_op == 0);
  CHECK(strcmp(ctx.err_text, "not a ptmx device") == 0);
  CHECK(has_line("fstat("));
  CHECK(!has_line("send_fd("));
  CHECK(!has_line("execve("));
}

TEST(console_needs_a_socket)
{
  pb_init(&P);
  pb_op1(&P, OP_SETUP_CONSOLE, 0, "/dev/ptmx");
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == -EBADF);
  CHECK(strcmp(ctx.err_text, "no console socket") == 0);
  CHECK(!has_line("openat("));
}

#include "executor_test_rootfs.c"
#include "executor_test_mountcheck.c"
#include "executor_test_nopivot.c"
#include "executor_test_rootless.c"

int main(void)
{
  RUN(console_refuses_fake_ptmx);
  RUN(console_needs_a_socket);
  RUN(bind_mount_readonly);
  RUN(bind_remount_keeps_locked_flags);
  RUN(file_bind_creates_file);
  RUN(pivot_root_sequence);
  RUN(masked_path_missing_is_ignored);
  RUN(move_root_sequence);
  RUN(capability_op_order);
  RUN(exec_fd_cleanup);
  RUN(deferred_seccomp_loads_last);
  RUN(exec_failure_after_ready);
  RUN(exec_failure_before_ready);
  RUN(lookup_errors);
  RUN(injected_failure_reported);
  RUN(failure_by_call_number);
  RUN(prelude_order);
  RUN(fork_init_intermediate);
  RUN(eof_instead_of_go);
  RUN(walk_keeps_symlinks_inside_root);
  RUN(walk_symlink_loop);
  RUN(mknod_replaces_and_falls_back);
  RUN(sysfs_falls_back_to_a_bind);
  RUN(cgroup2_falls_back_to_a_bind);
  RUN(other_mount_eperm_is_a_failure);
  RUN(setgroups_denied);
  RUN(proc_files_and_misc);
  RUN(cwd_never_reaches_the_host);
  RUN(malformed_plans);
  RUN(plan_without_exec_returns);
  RUN(hook_sync_sends_its_point);
  RUN(notify_filter_sends_listener_fd_before_ready);
  rootfs_tests();
  mountcheck_tests();
  nopivot_tests();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
