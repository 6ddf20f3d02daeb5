/*
 * tsrun sync protocol: messages on the SOCK_SEQPACKET socketpair between the
 * runtime (TS, parent) and the executor child (C). src/sys/sync.ts mirrors this
 * header as a discriminated union; a unit test pins the sizes and codes.
 *
 * Every message is one fixed-size struct tsrun_msg (one datagram).
 *
 *   child  -> parent  MSG_MAPS_REQUEST  {pid}     child unshared a user ns; write uid/gid maps
 *   parent -> child   MSG_GO            {}        maps written, cgroups joined: carry on
 *   child  -> parent  MSG_PID           {pid}     pid of the process that will exec (after FORK_INIT)
 *   child  -> parent  MSG_READY         {}        every op before OP_WAIT_START / OP_EXEC is done
 *   child  -> parent  MSG_ERROR         {op, err, text}  op index that failed, errno, detail
 *   child  -> parent  MSG_HOOKS         {point}   OP_HOOK_SYNC: run the hooks of that point
 *   parent -> child   MSG_HOOKS_DONE    {}        they ran; any other answer or EOF stops the child
 *   child  -> parent  MSG_SECCOMP_FD    {} + SCM_RIGHTS  the listener fd of a NEW_LISTENER (notify) filter;
 *                                       sent right after the load, always before READY. The parent
 *                                       must receive every message with recvmsg while it expects one.
 *
 * Sequence: clone -> [MAPS_REQUEST -> (parent writes maps)] -> (parent joins cgroups) -> GO -> [PID]
 *           -> ops, with (HOOKS -> HOOKS_DONE | SECCOMP_FD)* among them -> READY | ERROR
 * The parent sends GO exactly once. EOF on the socket before READY means the child died.
 * The parent drives this sequence in one place: src/sync/driver.ts (its SEQUENCE table).
 */
#ifndef TSRUN_SYNC_H
#define TSRUN_SYNC_H
#include <stdint.h>

enum tsrun_msg_type {
  MSG_MAPS_REQUEST = 1,
  MSG_GO = 2,
  MSG_PID = 3,
  MSG_READY = 4,
  MSG_ERROR = 5,
  MSG_HOOKS = 15,      /* child -> parent {point}: run the hooks for that point, then answer */
  MSG_HOOKS_DONE = 16, /* parent -> child {}: hooks ran, carry on */
  MSG_SECCOMP_FD = 20,
};

#define TSRUN_MSG_TEXT 236

struct tsrun_msg {
  uint32_t type;
  int32_t op;    /* MSG_ERROR: failing op index, -1 for the prelude */
  int32_t err;   /* MSG_ERROR: errno */
  int32_t pid;   /* MSG_MAPS_REQUEST, MSG_PID */
  int32_t point; /* MSG_HOOKS: the OP_HOOK_SYNC point (op->a) */
  char text[TSRUN_MSG_TEXT]; /* MSG_ERROR: NUL-terminated detail */
};                           /* 256 bytes */

#endif
