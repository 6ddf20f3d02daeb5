/*
 * The plan interpreter: validation, the child's prelude (namespace joins, unshare,
 * maps request, GO, fork for a pid namespace, setsid), op dispatch, and the
 * failure report. The ops themselves live in mounts.c (paths inside the root)
 * and procops.c (process, credentials, security, exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "executor.h"

#define HDR_SIZE 64u
#define OP_SIZE 48u
_Static_assert(sizeof(struct tsrun_plan_header) == HDR_SIZE, "plan header size");
_Static_assert(sizeof(struct tsrun_op) == OP_SIZE, "plan op size");
_Static_assert(sizeof(struct tsrun_msg) == 256, "sync message size");

/* ---- small helpers (no stdio) ---- */

void sb_init(struct sbuf *b, char *p, size_t cap)
{
  b->p = p;
  b->cap = cap;
  b->len = 0;
  b->over = 0;
  if (cap)
    p[0] = 0;
}

void sb_str(struct sbuf *b, const char *s)
{
  if (!s)
    s = "(null)";
  while (*s) {
    if (b->len + 1 >= b->cap) {
      b->over = 1;
      return;
    }
    b->p[b->len++] = *s++;
  }
  b->p[b->len] = 0;
}

void sb_num(struct sbuf *b, long long v)
{
  char tmp[24];
  int i = sizeof tmp - 1;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  tmp[i] = 0;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    tmp[--i] = '-';
  sb_str(b, tmp + i);
}

const char *x_fd_path(char *buf, long fd)
{
  struct sbuf b;
  sb_init(&b, buf, X_FD_PATH_MAX);
  sb_str(&b, "/proc/self/fd/");
  sb_num(&b, fd);
  return buf;
}

const char *x_str(const struct xst *st, uint32_t off)
{
  return off == TSRUN_NOSTR ? NULL : st->strs + off;
}

void x_strlist(const struct xst *st, char **out, uint32_t off, uint64_t n)
{
  uint64_t k;
  for (k = 0; k < n; k++) {
    out[k] = (char *)st->strs + off;
    off += (uint32_t)strlen(out[k]) + 1;
  }
  out[n] = NULL;
}

long x_fail(struct xst *st, long err, const char *detail)
{
  if (!st->detail_set) {
    struct sbuf b;
    sb_init(&b, st->ctx->err_text, sizeof st->ctx->err_text);
    sb_str(&b, detail);
    st->detail_set = 1;
  }
  return err;
}

const char *x_errstr(int err)
{
  switch (err) {
  case EPERM: return "operation not permitted";
  case ENOENT: return "no such file or directory";
  case EACCES: return "permission denied";
  case EEXIST: return "file exists";
  case ENOTDIR: return "not a directory";
  case EISDIR: return "is a directory";
  case EINVAL: return "invalid argument";
  case ENOEXEC: return "exec format error";
  case E2BIG: return "argument list too long";
  case ELOOP: return "too many levels of symbolic links";
  case ENAMETOOLONG: return "file name too long";
  case ETXTBSY: return "text file busy";
  case EROFS: return "read-only file system";
  case EBUSY: return "device or resource busy";
  case ENOMEM: return "cannot allocate memory";
  case ENOSPC: return "no space left on device";
  case EBADF: return "bad file descriptor";
  case ENODEV: return "no such device";
  case ENOSYS: return "function not implemented";
  default: return NULL;
  }
}

/* ---- validation ---- */

/* which of s[0..3] must be a string (bit i = s[i]) */
static const uint8_t req_str[OP__COUNT] = {
  [OP_NSJOIN] = 1, [OP_MOUNT] = 2, [OP_MKNOD] = 1, [OP_SYMLINK] = 3, [OP_MKDIR] = 1,
  [OP_PIVOT_ROOT] = 1, [OP_MOVE_ROOT] = 1, [OP_MASK_PATH] = 1, [OP_READONLY_PATH] = 1,
  [OP_REMOUNT_RO] = 1, [OP_SYSCTL] = 3, [OP_SETHOSTNAME] = 1, [OP_SETDOMAINNAME] = 1,
  [OP_CHDIR] = 1, [OP_LOOKUP_EXEC] = 1, [OP_OPEN_ROOT] = 1, [OP_HOOK_EXEC] = 1,
  [OP_SETUP_CONSOLE] = 1, [OP_MOUNT_SETATTR] = 1, [OP_MOUNT_IDMAP] = 3, [OP_MOUNT_COPYUP] = 2,
};

static const char *const op_names[OP__COUNT] = {
  [OP_NSJOIN] = "setns", [OP_OOM_SCORE_ADJ] = "oom_score_adj", [OP_MOUNT] = "mount",
  [OP_MKNOD] = "mknod", [OP_SYMLINK] = "symlink", [OP_MKDIR] = "mkdir",
  [OP_PIVOT_ROOT] = "pivot_root", [OP_MOVE_ROOT] = "move_root", [OP_MASK_PATH] = "mask",
  [OP_READONLY_PATH] = "readonly", [OP_REMOUNT_RO] = "remount_ro", [OP_SYSCTL] = "sysctl",
  [OP_SETHOSTNAME] = "sethostname", [OP_SETDOMAINNAME] = "setdomainname",
  [OP_RLIMIT] = "setrlimit", [OP_CHDIR] = "chdir", [OP_CHDIR_RETRY] = "chdir",
  [OP_UMASK] = "umask", [OP_KEEPCAPS] = "keepcaps", [OP_CAPBSET_DROP] = "capbset_drop",
  [OP_SETGROUPS] = "setgroups", [OP_SETRESGID] = "setresgid", [OP_SETRESUID] = "setresuid",
  [OP_CAPSET] = "capset", [OP_AMBIENT] = "ambient caps", [OP_NO_NEW_PRIVS] = "no_new_privs",
  [OP_SECCOMP] = "seccomp", [OP_LOOKUP_EXEC] = "exec", [OP_REPORT_READY] = "ready",
  [OP_WAIT_START] = "exec.fifo", [OP_EXEC] = "exec", [OP_PRIVATE_ROOT] = "rootfs propagation",
  [OP_OPEN_ROOT] = "rootfs", [OP_HOOK_SYNC] = "hooks", [OP_HOOK_EXEC] = "startContainer hook",
  [OP_SETUP_CONSOLE] = "console",
  [OP_PROC_ATTR] = "process attribute", [OP_MOUNT_SETATTR] = "mount_setattr", [OP_MOUNT_IDMAP] = "idmapped mount",
  [OP_MOUNT_COPYUP] = "mount (tmpcopyup)",
};

static int str_ok(const char *strs, uint32_t str_len, uint32_t off)
{
  return off < str_len && memchr(strs + off, 0, str_len - off) != NULL;
}

static int list_ok(const char *strs, uint32_t str_len, uint32_t off, uint64_t count)
{
  uint64_t k;
  if (count == 0)
    return 1;
  for (k = 0; k < count; k++) {
    const char *nul;
    if (off >= str_len)
      return 0;
    nul = memchr(strs + off, 0, str_len - off);
    if (!nul)
      return 0;
    off = (uint32_t)(nul - strs) + 1;
  }
  return 1;
}

static int blob_ok(uint32_t str_len, uint32_t off, uint64_t len)
{
  return len == 0 || (off != TSRUN_NOSTR && (uint64_t)off + len <= str_len);
}

static int bad_plan(struct tsrun_exec_ctx *ctx, int32_t op, const char *why)
{
  struct sbuf b;
  ctx->err_op = op;
  ctx->err_errno = EINVAL;
  sb_init(&b, ctx->err_text, sizeof ctx->err_text);
  sb_str(&b, "malformed plan: ");
  sb_str(&b, why);
  return -EINVAL;
}

int tsrun_plan_validate(const uint8_t *plan, uint32_t len, struct tsrun_exec_ctx *ctx)
{
  struct tsrun_plan_header h;
  const char *strs;
  uint32_t i;

  if (!plan || len < HDR_SIZE)
    return bad_plan(ctx, -1, "short header");
  memcpy(&h, plan, sizeof h);
  if (h.magic != TSRUN_PLAN_MAGIC)
    return bad_plan(ctx, -1, "bad magic");
  if (h.version != TSRUN_PLAN_VERSION)
    return bad_plan(ctx, -1, "unsupported version");
  if ((uint64_t)HDR_SIZE + (uint64_t)h.op_count * OP_SIZE + h.str_len != len)
    return bad_plan(ctx, -1, "op_count/str_len do not match the length");
  if (h.str_len == 0)
    return bad_plan(ctx, -1, "empty string table");
  strs = (const char *)plan + HDR_SIZE + (size_t)h.op_count * OP_SIZE;
  for (i = 0; i < h.op_count; i++) {
    struct tsrun_op op;
    uint32_t blob_field = 5; /* none */
    int k;
    memcpy(&op, plan + HDR_SIZE + (size_t)i * OP_SIZE, sizeof op);
    if (op.code == 0 || op.code >= OP__COUNT || !op_names[op.code])
      return bad_plan(ctx, (int32_t)i, "unknown opcode");
    switch (op.code) {
    case OP_SETGROUPS:
      if (op.a > 65536 || !blob_ok(h.str_len, op.s[0], op.a * 4))
        return bad_plan(ctx, (int32_t)i, "setgroups blob out of bounds");
      blob_field = 0;
      break;
    case OP_SECCOMP:
      if (op.a == 0 || op.a % 8 || op.a / 8 > 4096 || !blob_ok(h.str_len, op.s[0], op.a))
        return bad_plan(ctx, (int32_t)i, "seccomp blob out of bounds");
      blob_field = 0;
      break;
    case OP_EXEC:
      if (op.a == 0 || !list_ok(strs, h.str_len, op.s[0], op.a) ||
          !list_ok(strs, h.str_len, op.s[1], op.b))
        return bad_plan(ctx, (int32_t)i, "exec argv/env out of bounds");
      continue;
    case OP_PROC_ATTR:
      if ((op.a == 3 || op.a == 4) && (op.c == 0 || op.c > 4096 || !blob_ok(h.str_len, op.s[0], op.c)))
        return bad_plan(ctx, (int32_t)i, "process attribute blob out of bounds");
      blob_field = 0;
      break;
    case OP_HOOK_EXEC:
      if (op.a == 0 || !str_ok(strs, h.str_len, op.s[0]) || !list_ok(strs, h.str_len, op.s[1], op.a) ||
          !list_ok(strs, h.str_len, op.s[2], op.b))
        return bad_plan(ctx, (int32_t)i, "hook argv/env out of bounds");
      continue;
    case OP_MOUNT:
      if ((op.flags & OPF_BIND) && op.s[0] == TSRUN_NOSTR)
        return bad_plan(ctx, (int32_t)i, "bind mount without a source");
      break;
    }
    for (k = 0; k < 4; k++) {
      if ((uint32_t)k == blob_field)
        continue;
      if (op.s[k] == TSRUN_NOSTR ? (req_str[op.code] >> k) & 1 : !str_ok(strs, h.str_len, op.s[k]))
        return bad_plan(ctx, (int32_t)i, "string out of bounds");
    }
  }
  return 0;
}

/* ---- running ---- */

/* one sync message to the parent (native/sync.h): 0 or -errno */
long x_send(struct xst *st, const struct tsrun_msg *m)
{
  long r;
  do
    r = st->sys->send(st->ctx->sync_fd, m, sizeof *m, MSG_NOSIGNAL);
  while (r == -EINTR);
  return r < 0 ? r : 0;
}

long x_send_msg(struct xst *st, uint32_t type, int32_t pid)
{
  struct tsrun_msg m;
  memset(&m, 0, sizeof m);
  m.type = type;
  m.pid = pid;
  return x_send(st, &m);
}

int x_report_ready(struct xst *st)
{
  long r = x_send_msg(st, MSG_READY, 0);
  if (r < 0)
    return (int)x_fail(st, r, "sync socket");
  st->ctx->ready_sent = 1;
  return 0;
}

void x_drop_state_dir(struct xst *st)
{
  if (st->ctx->state_dir_fd >= 0) {
    st->sys->close(st->ctx->state_dir_fd);
    st->ctx->state_dir_fd = -1;
  }
}

static int run_op(struct xst *st, uint32_t idx, const struct tsrun_op *op)
{
  int r;
  st->detail_set = 0;
  st->cur_op = (int32_t)idx;
  st->fail_op = -1;
  /* from the root switch on, paths come from the config (cwd, hooks, the process): the host state
   * dir is gone by then, unless the container has no /proc and the exec fifo needs it */
  if ((op->code == OP_PIVOT_ROOT || op->code == OP_MOVE_ROOT || op->code == OP_CHDIR) &&
      !(st->plan_flags & TSRUN_PF_KEEP_STATE_DIR))
    x_drop_state_dir(st);
  switch (op->code) {
  case OP_OPEN_ROOT: r = mnt_open_root(st, op); break;
  case OP_MOUNT: r = mnt_mount(st, op); break;
  case OP_MKNOD: r = mnt_mknod(st, op); break;
  case OP_SYMLINK: r = mnt_symlink(st, op); break;
  case OP_MKDIR: r = mnt_mkdir(st, op); break;
  case OP_PIVOT_ROOT: r = mnt_pivot_root(st, op); break;
  case OP_MOVE_ROOT: r = mnt_move_root(st, op); break;
  case OP_MASK_PATH: r = mnt_mask_path(st, op); break;
  case OP_READONLY_PATH: r = mnt_readonly_path(st, op); break;
  case OP_REMOUNT_RO: r = mnt_remount_ro(st, op); break;
  case OP_PRIVATE_ROOT: r = mnt_private_root(st, op); break;
  case OP_REPORT_READY: r = x_report_ready(st); break;
  case OP_HOOK_SYNC:
  case OP_HOOK_EXEC: r = hook_op(st, op); break;
  case OP_SETUP_CONSOLE: r = con_setup(st, op); break;
  case OP_PROC_ATTR: r = proc_attr_op(st, op); break;
  case OP_MOUNT_SETATTR: r = mnt_setattr(st, op); break;
  case OP_MOUNT_IDMAP: r = mnt_idmap(st, op); break;
  case OP_MOUNT_COPYUP: r = mnt_copyup(st, op); break;
  default: r = proc_op(st, op); break;
  }
  if (r == -ENOENT && (op->flags & OPF_OPTIONAL))
    r = 0;
  if (r < 0) {
    st->ctx->err_op = st->fail_op >= 0 ? st->fail_op : (int32_t)idx;
    st->ctx->err_errno = -r;
    if (!st->detail_set) {
      const char *d = x_str(st, op->code == OP_MOUNT || op->code == OP_SYMLINK || op->code == OP_MOUNT_COPYUP ? op->s[1] : op->s[0]);
      if (op->code == OP_SETGROUPS || op->code == OP_SECCOMP || op->code == OP_EXEC || !d)
        d = op_names[op->code];
      x_fail(st, r, d);
    }
  }
  return r;
}

static int prelude_fail(struct xst *st, long err, const char *what)
{
  st->ctx->err_op = -1;
  st->ctx->err_errno = (int32_t)-err;
  st->detail_set = 0;
  x_fail(st, err, what);
  return (int)err;
}

/* FORK_INIT: the intermediate reports the grandchild's pid and exits; the
 * grandchild waits (pipe EOF) until that MSG_PID is out, so it always comes first.
 * Returns 0 to carry on (grandchild), 1 to exit with *status, or -errno. */
static int fork_init(struct xst *st, int *status)
{
  const struct tsrun_sys *s = st->sys;
  int p[2];
  char c;
  long pid, r = s->pipe2(p, O_CLOEXEC);
  if (r < 0)
    return prelude_fail(st, r, "pipe");
  pid = s->fork();
  if (pid < 0) {
    s->close(p[0]);
    s->close(p[1]);
    return prelude_fail(st, pid, "fork");
  }
  if (pid > 0) {
    s->close(p[0]);
    r = x_send_msg(st, MSG_PID, (int32_t)pid);
    s->close(p[1]);
    *status = r < 0 ? 1 : 0;
    return 1;
  }
  s->close(p[1]);
  do
    r = s->read(p[0], &c, 1);
  while (r == -EINTR);
  s->close(p[0]);
  return 0;
}

int tsrun_exec_plan(const struct tsrun_sys *sys, const uint8_t *plan, uint32_t len,
                    struct tsrun_exec_ctx *ctx)
{
  struct tsrun_plan_header h;
  struct xst st;
  uint32_t i = 0;
  long r;
  int rc;

  ctx->err_op = -1;
  ctx->err_errno = 0;
  ctx->err_text[0] = 0;
  ctx->ready_sent = 0;
  if ((rc = tsrun_plan_validate(plan, len, ctx)) < 0)
    return rc;
  memcpy(&h, plan, sizeof h);
  memset(&st, 0, sizeof st);
  st.sys = sys;
  st.ctx = ctx;
  st.strs = (const char *)plan + HDR_SIZE + (size_t)h.op_count * OP_SIZE;
  st.str_len = h.str_len;
  st.rootfd = -1;
  st.seccomp_op = -1;
  st.hook_state_fd = -1;
  st.start_fd = -1;
  st.plan_flags = h.flags;

#define OP_AT(k) (memcpy(&op, plan + HDR_SIZE + (size_t)(k) * OP_SIZE, sizeof op), &op)
  for (; i < h.op_count; i++) {
    struct tsrun_op op;
    if (OP_AT(i)->code != OP_NSJOIN)
      break;
    if ((rc = run_op(&st, i, &op)) < 0)
      return rc;
  }
  if ((h.unshare_flags & ~(uint64_t)CLONE_NEWCGROUP) &&
      (r = sys->unshare((unsigned long)(h.unshare_flags & ~(uint64_t)CLONE_NEWCGROUP))) < 0)
    return prelude_fail(&st, r, "unshare");
  if (h.flags & TSRUN_PF_NEW_USERNS) {
    /* rootless parents can only write the maps of a dumpable child */
    int32_t pid = (h.clone_flags & CLONE_NEWPID) ? 0 : (int32_t)sys->getpid();
    sys->prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if ((r = x_send_msg(&st, MSG_MAPS_REQUEST, pid)) < 0)
      return prelude_fail(&st, r, "sync socket");
  }
  {
    struct tsrun_msg m;
    do
      r = sys->recv(ctx->sync_fd, &m, sizeof m, 0);
    while (r == -EINTR);
    if (r == 0)
      return 1; /* the parent went away: quietly */
    if (r < 0)
      return prelude_fail(&st, r, "sync socket");
    if (r != (long)sizeof m || m.type != MSG_GO)
      return prelude_fail(&st, -EPROTO, "sync socket: expected GO");
  }
  if (h.flags & TSRUN_PF_NEW_USERNS) {
    sys->prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* become the namespace's root (when 0 is mapped), so that files and mounts made
     * during setup belong to it and not to the overflow id */
    sys->setresgid(0, 0, 0);
    sys->setresuid(0, 0, 0);
  }
  /* after GO: the caller has put us in our cgroups, so that becomes the namespace's root */
  if (((h.clone_flags | h.unshare_flags) & CLONE_NEWCGROUP) && (r = sys->unshare(CLONE_NEWCGROUP)) < 0)
    return prelude_fail(&st, r, "unshare cgroup namespace");
  if (h.flags & TSRUN_PF_FORK_INIT) {
    int status = 0;
    if ((rc = fork_init(&st, &status)) != 0)
      return rc < 0 ? rc : status;
  }
  if ((h.flags & TSRUN_PF_SETSID) && (r = sys->setsid()) < 0)
    return prelude_fail(&st, r, "setsid");

  for (; i < h.op_count; i++) {
    struct tsrun_op op;
    rc = run_op(&st, i, OP_AT(i));
    if (rc != 0) {
      mnt_close_root(&st);
      return rc >= X_EXIT_BASE ? rc - X_EXIT_BASE : rc;
    }
  }
#undef OP_AT
  mnt_close_root(&st);
  return 0;
}

/* Reset every signal disposition to SIG_DFL (Node's handlers must never run here). */
void x_reset_signals(const struct tsrun_sys *sys)
{
  struct tsrun_ksigaction dfl;
  int sig;
  memset(&dfl, 0, sizeof dfl);
  for (sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sys->rt_sigaction(sig, &dfl, NULL, 8);
}

int tsrun_child_main(const struct tsrun_sys *sys, const uint8_t *plan, uint32_t len,
                     struct tsrun_exec_ctx *ctx)
{
  struct tsrun_msg m;
  int rc;
  long r;

  sys->prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  x_reset_signals(sys);
  rc = tsrun_exec_plan(sys, plan, len, ctx);
  if (rc >= 0)
    return rc;
  memset(&m, 0, sizeof m);
  m.type = MSG_ERROR;
  m.op = ctx->err_op;
  m.err = ctx->err_errno;
  memcpy(m.text, ctx->err_text, sizeof m.text);
  m.text[sizeof m.text - 1] = 0;
  do
    r = sys->send(ctx->sync_fd, &m, sizeof m, MSG_NOSIGNAL);
  while (r == -EINTR);
  if (ctx->ready_sent) {
    /* the runtime may be gone: leave a line where the container's output goes */
    char line[TSRUN_MSG_TEXT + 96];
    const char *es = x_errstr(ctx->err_errno);
    struct sbuf b;
    sb_init(&b, line, sizeof line - 1);
    sb_str(&b, "tsrun: op ");
    sb_num(&b, ctx->err_op);
    sb_str(&b, ": ");
    sb_str(&b, ctx->err_text);
    sb_str(&b, ": ");
    if (es)
      sb_str(&b, es);
    else {
      sb_str(&b, "errno ");
      sb_num(&b, ctx->err_errno);
    }
    line[b.len++] = '\n';
    sys->write(2, line, b.len);
  }
  return 1;
}
