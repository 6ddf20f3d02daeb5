/*
 * tsrun-init: the program every container process starts as (DESIGN.md §4, CVE-2019-5736 class).
 *
 * tsrun_spawn clones a child of the runtime (node, or a compiled tsrun) and that child's first
 * act is execveat() of this static binary from a sealed memfd (spawn.c). From then on no process
 * of the container has a host file as /proc/self/exe: an entrypoint of `#!/proc/self/exe` finds
 * this sealed copy, which cannot be written, and which refuses to run without the runtime's
 * arguments. The rest of the plan runs here, single-threaded, with the real syscall table.
 *
 * argv, all decimal: INIT_MAGIC plan_fd sync_fd state_dir_fd console_fd fifo_fd preserve_fds
 *                    inh_lo inh_hi
 * (fds are -1 when absent; inh_* is the inheritable capability set to restore, see spawn.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "executor.h"
#include "init.h"

static int num(const char *s, long long *out)
{
  long long v = 0;
  int neg = 0;
  if (*s == '-') {
    neg = 1;
    s++;
  }
  if (!*s)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (1LL << 40))
      return -1;
    v = v * 10 + (*s - '0');
  }
  *out = neg ? -v : v;
  return 0;
}

static void say(const char *s)
{
  ssize_t r = write(2, s, strlen(s));
  (void)r;
}

int main(int argc, char **argv)
{
  struct tsrun_exec_ctx ctx;
  long long v[INIT_ARGC - 2];
  struct stat sb;
  void *plan;
  int i, rc;

  /* exec made us dumpable again: undo that before anything else */
  syscall(SYS_prctl, PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);
  if (argc != INIT_ARGC || strcmp(argv[1], INIT_MAGIC) != 0) {
    say("tsrun-init: this is tsrun's container init; it runs only when tsrun starts it\n");
    return 127;
  }
  for (i = 2; i < INIT_ARGC; i++)
    if (num(argv[i], &v[i - 2]) < 0) {
      say("tsrun-init: malformed arguments\n");
      return 127;
    }
  /* capabilities carried over exec as ambient ones (a new user namespace): put them back */
  if (v[6] >= 0) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL);
    if (syscall(SYS_capget, &h, d) == 0) {
      d[0].inheritable = (uint32_t)v[6];
      d[1].inheritable = (uint32_t)v[7];
      syscall(SYS_capset, &h, d);
    }
  }
  /* they only had to survive our own exec: the container's process gets none of them */
  for (i = 0; i < 5; i++)
    if (v[i] >= 0)
      fcntl((int)v[i], F_SETFD, FD_CLOEXEC);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = (int)v[1];
  ctx.state_dir_fd = (int)v[2];
  ctx.console_fd = (int)v[3];
  ctx.fifo_fd = (int)v[4];
  ctx.preserve_fds = (int)v[5];
  if (fstat((int)v[0], &sb) < 0 || sb.st_size <= 0 || sb.st_size > (1 << 26)) {
    say("tsrun-init: plan fd\n");
    return 127;
  }
  plan = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, (int)v[0], 0);
  if (plan == MAP_FAILED) {
    say("tsrun-init: mmap plan\n");
    return 127;
  }
  close((int)v[0]);
  rc = tsrun_child_main(&tsrun_sys_real, plan, (uint32_t)sb.st_size, &ctx);
  tsrun_sys_real.exit(rc);
  return rc;
}
