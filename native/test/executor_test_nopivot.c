/*
 * Native tests for nopivot.c: before --no-pivot's MS_MOVE, every whole proc and sysfs mount
 * outside the rootfs leaves the container's mount namespace (runc's msMoveRoot), so a nested
 * user namespace finds no fully visible procfs to mount a fresh one from.
 * Included by executor_test.c, whose harness (plan builder, RUN/CHECK, the fake) it uses.
 */

char *np_kernfs_point(char *line);

TEST(mountinfo_lines_picked)
{
  char a[] = "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw";
  char b[] = "24 1 0:23 /sys /bindproc rw - proc proc rw";
  char c[] = "27 1 0:26 / /with\\040space rw master:3 shared:4 - sysfs sysfs rw";
  char d[] = "28 1 0:27 / /tmp rw - tmpfs tmpfs rw";
  char e[] = "29 1 0:28 / /cut";
  char *p;
  CHECK((p = np_kernfs_point(a)) && !strcmp(p, "/proc"));
  CHECK(np_kernfs_point(b) == NULL);           /* a bind of part of a proc: not the whole of one */
  CHECK((p = np_kernfs_point(c)) && !strcmp(p, "/with space"));
  CHECK(np_kernfs_point(d) == NULL);
  CHECK(np_kernfs_point(e) == NULL);
}

TEST(move_root_detaches_host_proc_and_sysfs)
{
  const char *log;
  systest.read_data =
    "22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"
    "23 1 0:22 / /sys rw shared:2 - sysfs sysfs rw\n"
    "24 23 0:22 / /sys/kernel/x rw - sysfs sysfs rw\n"
    "25 1 0:24 / /rootfs/proc rw - proc proc rw\n"
    "26 1 0:25 / /rootfs2/proc rw - proc proc rw\n"
    "30 1 0:27 / /tmp rw - tmpfs tmpfs rw\n"
    "31 1 0:28 / /last/sys rw - sysfs sysfs rw";        /* no newline at the end */
  systest.fail_prefix = "umount2(\"/rootfs2/proc\"";    /* locked: covered instead */
  systest.fail_errno = EINVAL;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MOVE_ROOT, 0, "/rootfs");
  CHECK(run(&P) == 0);
  const char *want[] = {
    "chdir(\"/rootfs\") = 0", "getcwd()", "openat(AT_FDCWD,\"/proc/self/mountinfo\",O_CLOEXEC",
    "mount(\"\",\"/proc\",NULL,MS_REC|MS_SLAVE,NULL) = 0", "umount2(\"/proc\",MNT_DETACH) = 0",
    "mount(\"\",\"/sys\",NULL,MS_REC|MS_SLAVE,NULL) = 0", "umount2(\"/sys\",MNT_DETACH) = 0",
    "mount(\"\",\"/sys/kernel/x\",NULL,MS_REC|MS_SLAVE,NULL)",
    "mount(\"\",\"/rootfs2/proc\",NULL,MS_REC|MS_SLAVE,NULL) = 0", "umount2(\"/rootfs2/proc\",MNT_DETACH) = -22",
    "mount(\"tmpfs\",\"/rootfs2/proc\",\"tmpfs\",0x0,NULL) = 0",
    "mount(\"\",\"/last/sys\",NULL,MS_REC|MS_SLAVE,NULL) = 0", "umount2(\"/last/sys\",MNT_DETACH) = 0",
    "mount(\"/rootfs\",\"/\",NULL,MS_MOVE,NULL) = 0", "chroot(\".\") = 0", NULL };
  CHECK(has_seq(want));
  log = systest_log();
  CHECK(!strstr(log, "\"/rootfs/proc\""));      /* the container's own proc stays */
  CHECK(!strstr(log, "\"/tmp\""));
}

TEST(move_root_gone_mount_point_skipped)
{
  systest.read_data = "22 1 0:21 / /gone/proc rw - proc proc rw\n";
  systest.fail_prefix = "mount(\"\",\"/gone/proc\"";
  systest.fail_errno = ENOENT;
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MOVE_ROOT, 0, "/rootfs");
  CHECK(run(&P) == 0);
  CHECK(!strstr(systest_log(), "umount2(\"/gone/proc\""));
  CHECK(has_line("mount(\"/rootfs\",\"/\",NULL,MS_MOVE,NULL) = 0"));
}

TEST(move_root_without_mountns_reads_nothing)
{
  systest.read_data = "22 1 0:21 / /proc rw - proc proc rw\n";
  pb_init(&P);
  pb_op1(&P, OP_OPEN_ROOT, 0, "/rootfs");
  pb_op1(&P, OP_MOVE_ROOT, 0, "/rootfs")->a = 1;
  CHECK(run(&P) == 0);
  CHECK(!strstr(systest_log(), "mountinfo"));
  CHECK(!strstr(systest_log(), "umount2("));
}

static void nopivot_tests(void)
{
  RUN(mountinfo_lines_picked);
  RUN(move_root_detaches_host_proc_and_sysfs);
  RUN(move_root_gone_mount_point_skipped);
  RUN(move_root_without_mountns_reads_nothing);
}
