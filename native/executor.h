/*
 * The plan interpreter that runs in the cloned child (see plan.h for the ops and
 * sync.h for the messages). Everything here runs in a fork of a multi-threaded
 * process: no malloc, no stdio, no locks; static or stack buffers only, and every
 * syscall goes through a struct tsrun_sys table.
 */
#ifndef TSRUN_EXECUTOR_H
#define TSRUN_EXECUTOR_H
#include <stddef.h>
#include <stdint.h>
#include "plan.h"
#include "sync.h"
#include "sys.h"

#define TSRUN_EXPORT __attribute__((visibility("default")))

struct tsrun_exec_ctx {
  /* inputs */
  int sync_fd;       /* child end of the sync socketpair */
  int state_dir_fd;  /* O_PATH fd of <root>/<id> (holds exec.fifo), or -1 */
  int console_fd;    /* connected console socket, or -1: OP_SETUP_CONSOLE sends the pty master on it */
  int fifo_fd;       /* O_PATH fd of exec.fifo opened while still root, or <= 0: OP_WAIT_START
                        reopens it through /proc/self/fd/N, so a non-root user can still open it */
  int preserve_fds;  /* fds 3 .. 3+n-1 survive exec */
  /* outputs, valid when tsrun_exec_plan returns < 0 */
  int32_t err_op;    /* failing op index; -1 for the header or the prelude */
  int32_t err_errno; /* positive errno */
  int ready_sent;    /* MSG_READY went out: nobody may be listening any more */
  char err_text[TSRUN_MSG_TEXT];
};

/* Check the header and every op's string/list/blob bounds. 0 or -EINVAL (ctx filled). */
int tsrun_plan_validate(const uint8_t *plan, uint32_t len, struct tsrun_exec_ctx *ctx);

/*
 * Validate and run a plan: leading OP_NSJOIN ops, unshare(header.unshare_flags),
 * [MSG_MAPS_REQUEST], wait for MSG_GO, [fork, MSG_PID], [setsid], then the other
 * ops in order. Returns:
 *   < 0   failure: -errno, and ctx->err_* say which op and why (nothing was sent);
 *   >= 0  the process must exit with this status now, nothing left to report
 *         (FORK_INIT intermediate: 0; EOF instead of MSG_GO: 1; execve failed after
 *         MSG_READY: 127/126 after a line on fd 2; a plan without OP_EXEC: 0).
 * With the real table a successful OP_EXEC never returns.
 */
int tsrun_exec_plan(const struct tsrun_sys *sys, const uint8_t *plan, uint32_t len,
                    struct tsrun_exec_ctx *ctx);

/*
 * The whole child: PR_SET_DUMPABLE 0, signal dispositions to SIG_DFL, the plan,
 * and the failure report (MSG_ERROR; plus a line on fd 2 once READY was sent).
 * Returns the exit status for the caller's _exit().
 */
int tsrun_child_main(const struct tsrun_sys *sys, const uint8_t *plan, uint32_t len,
                     struct tsrun_exec_ctx *ctx);

/*
 * Notes for the plan compiler (src/plan/):
 * - OP_OPEN_ROOT must come before any "(in root)" op; a mount whose destination is
 *   "/" or "" reopens the root by itself, and pivot/move root make "/" the root.
 *   After the pivot, MASK/READONLY/REMOUNT_RO paths resolve in the new "/".
 * - An OP_MOUNT with OPF_BIND whose source is not a directory gets a file created
 *   at the destination even without OPF_MKFILE. Without OPF_BIND the source is
 *   passed to mount(2) as a plain string.
 * - OP_MKNOD b is glibc makedev(major, minor); the node gets exactly mode a (umask 0).
 * - OP_SECCOMP with OPF_DEFER is loaded inside OP_EXEC after the fd cleanup.
 * - With TSRUN_PF_FORK_INIT, SPAWN_OUT_PID/PIDFD are the intermediate (exits 0 right
 *   after MSG_PID; reap it); MSG_PID.pid is in the intermediate's pid namespace.
 * - Signals stay blocked (except SIGKILL/SIGSTOP) until OP_EXEC.
 */

/* ---- internal: shared by executor.c and mounts.c ---- */

#define X_PATH_MAX 4096
#define X_FD_PATH_MAX 40 /* "/proc/self/fd/" and a number */

struct xst {
  const struct tsrun_sys *sys;
  struct tsrun_exec_ctx *ctx;
  const char *strs;
  uint32_t str_len;
  int rootfd;             /* fd of the rootfs (or "/" after pivot); -1 before OP_OPEN_ROOT */
  const char *rootpath;   /* path rootfd was opened from, to reopen it after a mount on it */
  int pivoted;            /* OP_PIVOT_ROOT / OP_MOVE_ROOT done */
  int no_openat2;         /* openat2 returned ENOSYS once */
  const char *chdir_later;/* OP_CHDIR deferred to OP_CHDIR_RETRY */
  const char *exec_path;  /* set by OP_LOOKUP_EXEC */
  int detail_set;
  int32_t cur_op;         /* index of the op running */
  int32_t fail_op;        /* >= 0: report the failure against this op instead */
  int32_t seccomp_op;     /* index of a deferred OP_SECCOMP, or -1 */
  struct tsrun_op seccomp;/* its copy */
  int hook_state_fd;      /* OP_HOOK_SYNC's state file, stdin of OP_HOOK_EXEC; -1 when none */
  int start_fd;           /* OP_WAIT_START a=1: the exec fifo, kept open for OP_HOOK_EXEC's failure; -1 */
  uint32_t plan_flags;    /* header.flags (TSRUN_PF_*) */
};

struct sbuf { char *p; size_t cap, len; int over; };
void sb_init(struct sbuf *b, char *p, size_t cap);
void sb_str(struct sbuf *b, const char *s);
void sb_num(struct sbuf *b, long long v);
/* "/proc/self/fd/<fd>" into buf (X_FD_PATH_MAX bytes); returns buf */
const char *x_fd_path(char *buf, long fd);

const char *x_str(const struct xst *st, uint32_t off); /* NULL for TSRUN_NOSTR */
/* n NUL-separated strings from off into out[0..n-1], out[n] = NULL (argv/envp of OP_EXEC, OP_HOOK_EXEC) */
void x_strlist(const struct xst *st, char **out, uint32_t off, uint64_t n);
/* Record the failure detail (first call wins) and return err (a -errno). */
long x_fail(struct xst *st, long err, const char *detail);
const char *x_errstr(int err); /* "no such file or directory", or NULL */

/* An op result >= X_EXIT_BASE means: stop, the process exits with (result - X_EXIT_BASE). */
#define X_EXIT_BASE 0x10000

/* executor.c */
int x_report_ready(struct xst *st);
/* Close the host state dir fd: nothing the config names may reach a host directory (CVE-2024-21626). */
void x_drop_state_dir(struct xst *st);
void x_reset_signals(const struct tsrun_sys *sys);
/* procops.c: process, credential, security and exec ops */
int proc_op(struct xst *st, const struct tsrun_op *op);

/* hookops.c: OP_HOOK_SYNC, OP_HOOK_EXEC */
int hook_op(struct xst *st, const struct tsrun_op *op);
int proc_attr_op(struct xst *st, const struct tsrun_op *op);
/* mountattr.c */
int mnt_setattr(struct xst *st, const struct tsrun_op *op);
int mnt_idmap(struct xst *st, const struct tsrun_op *op);
long mnt_resolve(struct xst *st, const char *path); /* mounts.c */
long mnt_resolve_mkdir(struct xst *st, const char *path); /* mounts.c: missing directories made */
/* copyup.c: OP_MOUNT_COPYUP */
int mnt_copyup(struct xst *st, const struct tsrun_op *op);
long x_send(struct xst *st, const struct tsrun_msg *m);
long x_send_msg(struct xst *st, uint32_t type, int32_t pid);
/* console.c: OP_SETUP_CONSOLE */
int con_setup(struct xst *st, const struct tsrun_op *op);

/* mounts.c: ops on paths inside the rootfs */
int mnt_open_root(struct xst *st, const struct tsrun_op *op);
int mnt_mount(struct xst *st, const struct tsrun_op *op);
int mnt_mknod(struct xst *st, const struct tsrun_op *op);
int mnt_symlink(struct xst *st, const struct tsrun_op *op);
int mnt_mkdir(struct xst *st, const struct tsrun_op *op);
int mnt_pivot_root(struct xst *st, const struct tsrun_op *op);
int mnt_move_root(struct xst *st, const struct tsrun_op *op);
long mnt_hide_host_kernfs(struct xst *st, const char *root); /* nopivot.c: before --no-pivot's MS_MOVE */
int mnt_mask_path(struct xst *st, const struct tsrun_op *op);
int mnt_readonly_path(struct xst *st, const struct tsrun_op *op);
int mnt_remount_ro(struct xst *st, const struct tsrun_op *op);
int mnt_private_root(struct xst *st, const struct tsrun_op *op);
void mnt_close_root(struct xst *st);

#endif
