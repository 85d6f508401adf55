/* Self-checks of the process environment a static glibc program relies on: arguments and
 * environment, the auxiliary vector, thread-local storage, the program break, anonymous
 * mappings (zero-filled, reusable), stdio on the standard streams and abort(). Prints PASS/FAIL
 * lines and "libc-check: all passed"; with the argument "abort" it calls abort() instead. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;
static __thread int tls_counter = 41;
static __thread char tls_buffer[64];

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    failures += !ok;
}

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i]) {
            return 0;
        }
    }
    return 1;
}

extern const Elf64_Ehdr __ehdr_start;

int main(int argc, char **argv, char **envp)
{
    if (argc == 2 && strcmp(argv[1], "abort") == 0) {
        printf("aborting\n");
        fflush(stdout);
        abort();
    }
    check("argc is 1 and argv[0] is a string", argc == 1 && argv[0] != NULL && argv[0][0] != 0 && argv[1] == NULL);
    check("envp follows argv", envp == argv + argc + 1);

    check("AT_PAGESZ is 4096", getauxval(AT_PAGESZ) == 4096 && sysconf(_SC_PAGESIZE) == 4096);
    check("AT_PHDR points at the program headers",
          getauxval(AT_PHDR) == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff &&
              getauxval(AT_PHNUM) == __ehdr_start.e_phnum && getauxval(AT_PHENT) == sizeof(Elf64_Phdr));
    check("AT_ENTRY is the entry point", getauxval(AT_ENTRY) == __ehdr_start.e_entry);
    const unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);
    check("AT_RANDOM gives 16 bytes, not all zero", random != NULL && !all_zero(random, 16));
    check("AT_SECURE is 0", getauxval(AT_SECURE) == 0);

    tls_counter++;
    strcpy(tls_buffer, "thread-local");
    check("thread-local storage works", tls_counter == 42 && strcmp(tls_buffer, "thread-local") == 0);

    struct utsname u;
    check("uname says Linux x86_64", uname(&u) == 0 && strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0);
    check("getpid is positive", getpid() > 0);

    /* The program break: grows, reads zero, shrinks, and grows back zero-filled. */
    char *base = sbrk(0);
    char *grown = sbrk(3 * 4096);
    int ok = grown == base && sbrk(0) == base + 3 * 4096 && all_zero((unsigned char *)grown, 3 * 4096);
    memset(grown, 0xAB, 3 * 4096);
    ok = ok && sbrk(-2 * 4096) == base + 3 * 4096;
    char *again = sbrk(2 * 4096);
    ok = ok && again == base + 4096 && all_zero((unsigned char *)base + 4096, 2 * 4096) && (unsigned char)base[0] == 0xAB;
    check("brk grows, shrinks and grows back zero-filled", ok);
    sbrk(-3 * 4096);

    /* Anonymous mappings: zero-filled, writable, and reusable after munmap. */
    size_t len = 1 << 20;
    unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ok = map != MAP_FAILED && ((uintptr_t)map & 4095) == 0 && all_zero(map, len);
    if (ok) {
        memset(map, 0x5A, len);
        ok = munmap(map, len) == 0;
    }
    unsigned char *map2 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ok = ok && map2 != MAP_FAILED && all_zero(map2, len);
    check("mmap gives zero-filled memory, also after munmap", ok);
    check("munmap of a mapping succeeds", munmap(map2, len) == 0);

    /* malloc of small and large blocks (large ones are mmapped by glibc). */
    ok = 1;
    for (int i = 0; i < 200; i++) {
        size_t n = (size_t)(i * 7919 % 300000) + 1;
        unsigned char *p = malloc(n);
        ok = ok && p != NULL;
        if (p) {
            memset(p, i, n);
            ok = ok && p[n - 1] == (unsigned char)i;
            free(p);
        }
    }
    unsigned char *zeroed = calloc(1 << 18, 4);
    ok = ok && zeroed != NULL && all_zero(zeroed, 1 << 20);
    free(zeroed);
    check("malloc, calloc and free of small and large blocks", ok);

    struct stat st;
    check("fstat of stdout succeeds", fstat(1, &st) == 0);
    errno = 0;
    check("an unknown system call fails with ENOSYS", syscall(499) == -1 && errno == ENOSYS);
    check("fputs to stderr", fputs("to stderr\n", stderr) >= 0);

    printf("libc-check: %s\n", failures ? "FAILED" : "all passed");
    return failures != 0;
}
