/*
 * A small xenbus client on the store ring and event channel that start_info names (io/xs_wire.h),
 * shared by the kernels that talk to xenstored (xenstore, pvcontrol). It is the transport only:
 * what a kernel does with watch events is its own business (xs_watch_hook).
 *
 * The store port stays masked; the client waits for xenstored with SCHEDOP_poll, so a kernel
 * needs no event upcall to use it. One request at a time: a call returns when its reply is in.
 */
#ifndef PV_XENSTORE_H
#define PV_XENSTORE_H

#include "pv.h"
#include <xen/io/xs_wire.h>

/* The last reply: its type, length and payload (nul-terminated for convenience). For an error
 * the payload is the error's name, e.g. "ENOENT". */
extern uint32_t xs_reply_type;
extern uint32_t xs_reply_len;
extern char xs_reply[XENSTORE_PAYLOAD_MAX + 1];

/* Called for each watch event that arrives, with its path and token (valid during the call
 * only). Unset = the event is dropped. */
extern void (*xs_watch_hook)(const char *path, const char *token);

/* Finds the ring and the port in start_info and masks the port. Returns the ring (a kernel may
 * want to look at server_features). */
struct xenstore_domain_interface *xs_init(void);

/* Waits until xenstored signals the store port, or `timeout_ns` passes (0: no limit). */
void xs_wait(uint64_t timeout_ns);

/* Sends a request whose payload is `a` and, unless NULL, `b`, each nul-terminated (the form of
 * every request but WRITE), and waits for its reply. Watch events meanwhile go to xs_watch_hook.
 * Returns the error name xenstored answered, or NULL on success; when xenstored stays silent for
 * 5 s, "no reply from xenstored", which xs_reply then holds too (callers print xs_reply). */
const char *xs_request(uint32_t type, uint32_t tx, const char *a, const char *b);

/* READ: the value (in xs_reply), or NULL with the error's name in xs_reply. */
const char *xs_read(uint32_t tx, const char *path);
/* WRITE (the value is not nul-terminated on the wire): the error name or NULL. */
const char *xs_write(uint32_t tx, const char *path, const char *value);
/* The new transaction's id, or 0 when xenstored refused to start one. */
uint32_t xs_transaction_start(void);
/* Commits (or with commit = 0 abandons) it: the error name (EAGAIN: a conflict) or NULL. */
const char *xs_transaction_end(uint32_t tx, int commit);

/* Reads the messages already on the response ring without waiting (for a kernel that waits for
 * watch events with xs_wait). Returns -1 for a broken message. */
int xs_read_waiting(void);

/* Error names and values are compared as strings. */
int streq(const char *a, const char *b);

#endif
