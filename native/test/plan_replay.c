/*
 * Runs a plan file (as src/plan/ builds it) through the executor against the recording fake
 * syscall table (systest.c), and prints the recorded calls, then the result:
 *
 *   plan-replay PLAN [--strict] [--dir PATH] [--file PATH] [--fs ROOT MAGIC] [--fail PREFIX ERRNO] [--fork-ret N]
 *     --strict             unknown paths are absent (else they are directories)
 *     --dir PATH, --file PATH  PATH is a directory / a regular file in the fake filesystem
 *     --fs ROOT MAGIC      fstatfs of ROOT and everything below it reports MAGIC (0x9fa0: proc)
 *     --fail PREFIX ERRNO  the first call whose record starts with PREFIX fails with ERRNO
 *     --fork-ret N         what fork() returns (0: carry on as the child, the default)
 *   => rc=R op=I errno=E text="T"
 *
 *   plan-replay --errstr    one line per errno 1..133 the executor has words for: "N words"
 *
 * test/unit/plan-replay.test.ts drives it with TypeScript-built plans and pins the output.
 * The sync socket is fd 5 (recv answers GO, or HOOKS_DONE after MSG_HOOKS), the state dir
 * /run/tsrun/c1 fd 6 (with start-state.json), the exec fifo fd 7.
 * Test code only (built with ASan/UBSan), never part of tsrun.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "executor.h"

static uint8_t *read_all(const char *path, uint32_t *len)
{
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0, r;
  if (!f)
    return NULL;
  do {
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    r = fread(buf + n, 1, cap - n, f);
    n += r;
  } while (r > 0);
  fclose(f);
  *len = (uint32_t)n;
  return buf;
}

int main(int argc, char **argv)
{
  struct tsrun_exec_ctx ctx;
  uint8_t *plan;
  uint32_t len = 0;
  int i, rc;

  if (argc == 2 && !strcmp(argv[1], "--errstr")) {
    for (i = 1; i <= 133; i++)
      if (x_errstr(i))
        printf("%d %s\n", i, x_errstr(i));
    return 0;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: plan-replay PLAN [--strict] [--dir PATH] [--file PATH] [--fs ROOT MAGIC] [--fail PREFIX ERRNO] [--fork-ret N] | --errstr\n");
    return 2;
  }
  systest_reset();
  for (i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--strict"))
      systest.strict = 1;
    else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
      systest_file(argv[++i], S_IFDIR | 0755, NULL);
    else if (!strcmp(argv[i], "--fs") && i + 2 < argc) {
      systest_fsmagic(argv[i + 1], strtol(argv[i + 2], NULL, 0));
      i += 2;
    } else if (!strcmp(argv[i], "--file") && i + 1 < argc)
      systest_file(argv[++i], S_IFREG | 0755, NULL);
    else if (!strcmp(argv[i], "--fail") && i + 2 < argc) {
      systest.fail_prefix = argv[++i];
      systest.fail_errno = atoi(argv[++i]);
    } else if (!strcmp(argv[i], "--fork-ret") && i + 1 < argc)
      systest.fork_ret = atol(argv[++i]);
    else {
      fprintf(stderr, "plan-replay: unknown argument \"%s\"\n", argv[i]);
      return 2;
    }
  }
  plan = read_all(argv[1], &len);
  if (!plan) {
    perror(argv[1]);
    return 2;
  }
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = 6;
  systest_fd(6, "/run/tsrun/c1");
  systest_file("/run/tsrun/c1", S_IFDIR | 0700, NULL);
  systest_file("/run/tsrun/c1/start-state.json", S_IFREG | 0600, NULL);
  ctx.console_fd = -1;
  ctx.fifo_fd = 7; /* as spawn.c pins it; OP_WAIT_START reopens it through /proc/self/fd */
  systest_file("/proc/self/fd/7", S_IFIFO | 0622, NULL);
  rc = tsrun_exec_plan(&tsrun_sys_test, plan, len, &ctx);
  fputs(systest_log(), stdout);
  printf("=> rc=%d op=%d errno=%d text=\"%s\"\n", rc, ctx.err_op, ctx.err_errno, ctx.err_text);
  free(plan);
  return 0;
}
