/*
 * tsrun plan: the wire format between the TypeScript compiler (src/plan/) and the
 * C executor (native/executor.c). src/plan/ops.ts describes each op and struct once;
 * test/unit/plan-abi.test.ts compiles a probe with this header and compares every size,
 * offset and value. Change both, or neither.
 *
 * Layout (little endian, no pointers):
 *   struct tsrun_plan_header            (64 bytes)
 *   struct tsrun_op   ops[op_count]     (48 bytes each)
 *   char              strings[str_len]  (NUL-terminated strings; offset 0 is "")
 *
 * A string field holds an offset into the string table, or TSRUN_NOSTR.
 * A string list (args, env) is `count` consecutive NUL-terminated strings starting
 * at the given offset. A blob (seccomp BPF, gid list) is a byte range: off + len.
 *
 * The executor runs ops strictly in order; all ordering decisions are made in TS.
 */
#ifndef TSRUN_PLAN_H
#define TSRUN_PLAN_H
#include <stdint.h>

#define TSRUN_PLAN_MAGIC   0x4e4c5054u /* "TPLN" */
#define TSRUN_PLAN_VERSION 1u
#define TSRUN_NOSTR        0xffffffffu

/* header.flags */
#define TSRUN_PF_FORK_INIT   0x1u /* fork after namespaces: the grandchild becomes the process (pid ns join/unshare) */
#define TSRUN_PF_NEW_USERNS  0x2u /* ask the parent to write uid/gid maps (MSG_MAPS_REQUEST) */
#define TSRUN_PF_SETSID      0x4u /* call setsid() before running ops */
#define TSRUN_PF_KEEP_STATE_DIR 0x8u /* the container mounts no /proc: OP_WAIT_START needs the state dir fd
                                        to open exec.fifo; otherwise it is closed before pivot_root */

struct tsrun_plan_header {
  uint32_t magic;
  uint32_t version;
  uint32_t op_count;
  uint32_t str_len;
  uint64_t clone_flags;   /* CLONE_NEW* given to clone3 directly (fast path) */
  uint64_t unshare_flags; /* CLONE_NEW* given to unshare() after the NSJOIN ops (join path) */
                          /* (in either field CLONE_NEWCGROUP is unshared after MSG_GO instead) */
  uint32_t flags;         /* TSRUN_PF_* */
  uint32_t reserved0;
  uint64_t reserved[3];
};

enum tsrun_opcode {
  OP_NSJOIN = 1,        /* s0=path a=CLONE_NEW* type: open(path) + setns */
  OP_OOM_SCORE_ADJ,     /* a=value (signed) */
  OP_MOUNT,             /* see below */
  OP_MKNOD,             /* s0=dest(in root) a=mode(incl. S_IFCHR/S_IFBLK/S_IFIFO) b=dev_t c=uid<<32|gid; flag BIND_FALLBACK */
  OP_SYMLINK,           /* s0=target s1=linkpath(in root) */
  OP_MKDIR,             /* s0=path(in root) a=mode; flag MKFILE: an empty file instead (existing: kept) */
  OP_PIVOT_ROOT,        /* s0=rootfs (absolute host path) */
  OP_MOVE_ROOT,         /* s0=rootfs: MS_MOVE onto / and chroot (--no-pivot); a=1: chroot only (no mount ns) */
  OP_MASK_PATH,         /* s0=path (after pivot): tmpfs ro on dirs, /dev/null bind on files; ENOENT ignored;
                           a=statfs magic: non-zero, the parent is reached without symlinks and must be on that
                           filesystem, and only a component below a directory on it may be missing */
  OP_READONLY_PATH,     /* s0=path (after pivot): bind + remount ro; ENOENT ignored; a as OP_MASK_PATH */
  OP_REMOUNT_RO,        /* s0=path: remount bind read-only, keeping the other flags */
  OP_SYSCTL,            /* s0=key (dots or slashes) s1=value: written to /proc/sys/... */
  OP_SETHOSTNAME,       /* s0=name */
  OP_SETDOMAINNAME,     /* s0=name */
  OP_RLIMIT,            /* a=resource b=soft c=hard */
  OP_CHDIR,             /* s0=path; flags OPF_RETRY_LATER: on EACCES retry at OP_CHDIR_RETRY */
  OP_CHDIR_RETRY,       /* retries a failed OP_CHDIR (after uid switch) */
  OP_UMASK,             /* a=mask */
  OP_KEEPCAPS,          /* a=0|1: PR_SET_KEEPCAPS */
  OP_CAPBSET_DROP,      /* a=mask of caps to KEEP in the bounding set (caps 0..63); others dropped */
  OP_SETGROUPS,         /* a=count, s0=blob of uint32 gids (count*4 bytes) */
  OP_SETRESGID,         /* a=gid */
  OP_SETRESUID,         /* a=uid */
  OP_CAPSET,            /* a=effective b=permitted c=inheritable (64-bit masks) */
  OP_AMBIENT,           /* a=mask: clear all then raise each */
  OP_NO_NEW_PRIVS,      /*  */
  OP_SECCOMP,           /* s0=blob of sock_filter (a=byte length) b=flags for seccomp(2) */
  OP_LOOKUP_EXEC,       /* s0=argv[0] s1=PATH value: resolve like execvp, error if missing */
  OP_REPORT_READY,      /* send MSG_READY to the parent; the parent may exit after it */
  OP_WAIT_START,        /* open the state dir's exec.fifo for writing (blocks until start), write "0";
                           a=1: keep it open, an OP_HOOK_EXEC failure is written to it as one line */
  OP_EXEC,              /* a=argc s0=argv list, b=envc s1=env list: reset signals, close fds, execve */
  OP_PRIVATE_ROOT,      /* a=propagation flags for "/" (MS_REC|MS_SLAVE etc.) */
  OP_OPEN_ROOT,         /* s0=rootfs (absolute host path): the root that "(in root)" paths resolve in */
  OP_SETUP_CONSOLE = 40, /* s0=ptmx path a=rows b=cols c=uid owning the slave: pty inside the container, master to the console socket */
  OP_HOOK_SYNC = 50,    /* a=point s0=state file: MSG_HOOKS, wait for HOOKS_DONE, open s0 in the state dir */
  OP_HOOK_EXEC = 51,    /* s0=path a=argc s1=argv b=envc s2=env s3=label c=timeout (s, 0 none): fork, stdin=state
                           file, execve, wait; a failure is also written to the exec fifo (see OP_WAIT_START) */
  OP_PROC_ATTR = 52,    /* a=kind: 1 personality(b), 2 ioprio_set(b), 3 sched_setattr(s0 blob, c len), 4 sched_setaffinity(s0, c) */
  OP_MOUNT_SETATTR = 53,/* s0=path(in root) a=attr_set b=attr_clr c=propagation: mount_setattr(AT_RECURSIVE) */
  OP_MOUNT_IDMAP = 54,  /* s0=source(host) s1=dest(in root, exists) s2=userns path (none: no idmap) a=AT_RECURSIVE|0: open_tree+IDMAP+move_mount */
  OP_MOUNT_COPYUP = 55, /* as OP_MOUNT (tmpfs, not bind) + tmpcopyup: the dir's contents copied in; b=1: root takes the dir's mode */
  OP__COUNT = 80      /* one past the highest reserved range (docs/HACKING.md); arrays are sized by it */
};

/*
 * OP_SETUP_CONSOLE: opens a pty master at s0 (in the current root: after the pivot for init,
 * after the mount namespace join for exec; it must be a real ptmx, char 5:2), unlocks it,
 * opens its slave with TIOCGPTPEER, applies a x b (rows x cols) when both are non-zero,
 * sends the master over ctx->console_fd (one SCM_RIGHTS message, text = "/dev/pts/N"),
 * makes the slave the controlling terminal (needs TSRUN_PF_SETSID) and fds 0, 1 and 2.
 */

/* op.flags */
#define OPF_MKFILE         0x01u /* OP_MOUNT, OP_MKDIR: create the destination as a file (bind of a file) */
#define OPF_BIND           0x02u /* OP_MOUNT: a bind mount; source is a host path */
#define OPF_REMOUNT_BIND   0x04u /* OP_MOUNT: remount the bind with op.b flags after mounting */
#define OPF_BIND_FALLBACK  0x08u /* OP_MKNOD: bind the host node when mknod fails with EPERM; OP_MOUNT of sysfs/cgroup2: bind the host's on EPERM */
#define OPF_RETRY_LATER    0x10u /* OP_CHDIR */
#define OPF_OPTIONAL       0x20u /* ENOENT is not an error */
#define OPF_CHECK_PROCFS   0x40u /* OP_MOUNT: every component of the destination is a directory, no symlink
                                    anywhere (missing ones made as directories): ELOOP / ENOTDIR */
#define OPF_DEFER          0x80u /* OP_SECCOMP: load inside OP_EXEC, after the fd cleanup, right before execve */

/*
 * OP_MOUNT: s0=source s1=destination (relative to the rootfs, resolved inside it)
 *           s2=fstype s3=data
 *           a=mount flags for mount(2)
 *           b=flags for the bind remount (MS_RDONLY|MS_NOSUID|...) when OPF_REMOUNT_BIND
 *           c=propagation flags applied afterwards (MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [|MS_REC])
 */
struct tsrun_op {
  uint32_t code;
  uint32_t flags;
  uint64_t a;
  uint64_t b;
  uint64_t c;
  uint32_t s[4];
};

#endif
