/*
 * The tiny runtime of jxen guest programs: Linux system calls (write, exit) and the few memory
 * and formatting routines a freestanding program needs. Nothing else crosses the program's edge.
 */
#ifndef JXEN_GUEST_RT_H
#define JXEN_GUEST_RT_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed int i32;
typedef signed long i64;
typedef unsigned long size_t;

long sys_write(int fd, const void *buf, size_t len);
__attribute__((noreturn)) void sys_exit(int code);

/* gcc may emit calls to these even with -ffreestanding. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Output, buffered in the runtime and flushed by flush() (and by each newline-ending put). */
void put_str(const char *s);
void put_char(char c);
void put_u64(u64 v);
void put_i64(i64 v);
void put_hex(u64 v, int digits);
/* Right-aligns the decimal value in a field of the given width. */
void put_u64_width(u64 v, int width);
void flush(void);

/* A PASS/FAIL line for self-checking programs; returns 1 when the check failed. */
int check(const char *name, int ok);

#endif
