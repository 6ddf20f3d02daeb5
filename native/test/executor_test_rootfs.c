/*
 * Native tests for tmpcopyup (OP_MOUNT_COPYUP), file mount points (OP_MKDIR + OPF_MKFILE)
 * and the exec fifo kept open for startContainer hooks. Included by executor_test.c,
 * whose harness (plan builder, RUN/CHECK, the fake table) it uses.
 */

/* the directory is opened before the tmpfs covers it, the tmpfs is mounted writable,
 * the copy goes from the old fd into the new mount, and ro comes last, as a bind remount */
TEST(copyup_sequence)
{
  struct tsrun_op *o;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT_COPYUP, 0, "tmpfs");
  o->s[1] = pb_str(&P, "/data");
  o->s[2] = pb_str(&P, "tmpfs");
  o->s[3] = pb_str(&P, "size=1m");
  o->a = MS_RDONLY | MS_NOSUID;
  o->b = 1;
  o->c = MS_PRIVATE;
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  const char *want[] = {
    "openat(AT_FDCWD,\"/rootfs\",O_PATH|O_DIRECTORY|O_CLOEXEC,00) = 10",
    "openat2(10,\"data\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = 11",
    "fstat(11) = 0",
    "openat(11,\".\",O_DIRECTORY|O_CLOEXEC,00) = 12",
    "mount(\"tmpfs\",\"/proc/self/fd/11\",\"tmpfs\",MS_NOSUID,\"size=1m\") = 0",
    "openat2(10,\"data\",O_PATH|O_CLOEXEC,RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) = 13",
    "openat(13,\".\",O_DIRECTORY|O_CLOEXEC,00) = 14",
    "umask(00)",
    "attr3(", /* getdents64 of fd 12: the fake directory is empty */
    "umask(",
    "fchownat(14,\"\",",
    "attr3(", /* fchmod */
    "utimensat(14,NULL,0) = 0",
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_RDONLY|MS_NOSUID|MS_REMOUNT|MS_BIND,NULL) = 0",
    "mount(NULL,\"/proc/self/fd/13\",NULL,MS_PRIVATE,NULL) = 0",
    "execve(\"sh\",[sh -c true],env=1)", NULL };
  CHECK(has_seq(want));
}

TEST(copyup_needs_a_directory)
{
  struct tsrun_op *o;
  systest_file("/rootfs/data", S_IFREG | 0644, NULL);
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  o = pb_op1(&P, OP_MOUNT_COPYUP, 0, "tmpfs");
  o->s[1] = pb_str(&P, "/data");
  o->s[2] = pb_str(&P, "tmpfs");
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == -ENOTDIR);
  CHECK(ctx.err_op == 1);
  CHECK(strcmp(ctx.err_text, "/data") == 0);
  CHECK(!has_line("mount("));
}

TEST(mkdir_as_file_makes_an_empty_file)
{
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MKDIR, OPF_MKFILE, "/etc/idm.conf")->a = 0755;
  pb_exec(&P, ARGV, ENV);
  CHECK(run(&P) == 0);
  CHECK(has_line("openat(11,\"idm.conf\",O_NOFOLLOW|O_CREAT|O_EXCL|O_CLOEXEC,0644)"));
  CHECK(!has_line("mkdirat(11,\"idm.conf\""));
}

/* with startContainer hooks (a=1) init keeps the fifo it wrote "0" to; exec's cleanup closes it */
TEST(wait_start_keeps_the_fifo_for_hooks)
{
  uint32_t len;
  pb_init(&P);
  pb_op(&P, OP_WAIT_START, 0)->a = 1;
  pb_exec(&P, ARGV, ENV);
  len = pb_build(&P);
  memset(&ctx, 0, sizeof ctx);
  ctx.sync_fd = 5;
  ctx.state_dir_fd = -1;
  ctx.fifo_fd = 7;
  ctx.console_fd = -1;
  CHECK(tsrun_exec_plan(&tsrun_sys_test, P.buf, len, &ctx) == 0);
  const char *want[] = { "openat(AT_FDCWD,\"/proc/self/fd/7\",O_WRONLY|O_CLOEXEC,00) = 10", "write(10,", "close_range(", "execve(", NULL };
  CHECK(has_seq(want));
  CHECK(!has_line("close(10)"));
}

static void rootfs_tests(void)
{
  RUN(copyup_sequence);
  RUN(copyup_needs_a_directory);
  RUN(mkdir_as_file_makes_an_empty_file);
  RUN(wait_start_keeps_the_fifo_for_hooks);
}
