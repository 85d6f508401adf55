/*
 * hostcpu: runs x86-64 code snippets on the real host CPU from a given architectural state and
 * reports the state afterwards, for the emulator's differential tests (dev.jxen.x86.difftest).
 *
 * One long-lived process serves many cases: binary requests on stdin, responses on stdout, all
 * little-endian. The snippet runs in this process at CPL 3 with every general register, RFLAGS
 * (arithmetic flags and DF), MXCSR, XMM0-15 and the x87 state taken from the request. Faults are
 * caught with signal handlers on an alternate stack (the snippet's RSP may point anywhere) and
 * reported as the hardware vector with the register state at the fault, read from the ucontext.
 *
 * Fixed layout (the Java side maps the same addresses on the emulator):
 *   0x100000  code, 4 pages, read/write/execute; the snippet starts at its first byte and is
 *             followed by the end marker, an absolute jump back into this runner
 *   0x110000  data, 8 pages, read/write, contents from the request (zero when not sent)
 *   0x118000  guard page, not accessible (#PF)
 *   0x119000  read-only page with a fixed pattern: byte i = i * 13 + 7
 *
 * Request:  u32 magic 'JXRQ', u32 codeLen, u32 pageMask, u32 timeoutMs, u64 gpr[16] (RAX..R15),
 *           u64 rflags, u8 fxsave[512] (FXSAVE64 image: x87, MXCSR, XMM), u8 code[codeLen],
 *           then 4096 bytes for each set bit of pageMask, lowest first.
 * Response: u32 magic 'JXRS', i32 vector (-1: reached the end marker, -2: timed out, 0..31: the
 *           exception), u32 errorCode, u32 signal, u64 cr2, u64 rip, u64 gpr[16], u64 rflags,
 *           u8 fxsave[512], u32 changedMask, then 4096 bytes for each data page that changed.
 * A request with magic 'JXQT' ends the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096UL
#define CODE_BASE 0x100000UL
#define CODE_SIZE (4 * PAGE)
#define DATA_BASE 0x110000UL
#define DATA_PAGES 8
#define GUARD_PAGE 0x118000UL
#define RO_PAGE 0x119000UL
#define MARKER_LEN 14

#define FLAGS_LOADABLE 0xCD5UL    /* CF PF AF ZF SF DF OF */

/* State shared with the trampoline (referenced RIP-relative from the assembly below). */
uint64_t g_in_gpr[16], g_in_rflags, g_out_gpr[16], g_out_rflags, g_runner_rsp, g_code_entry;
uint8_t g_fx_in[512] __attribute__((aligned(64)));
uint8_t g_fx_out[512] __attribute__((aligned(64)));
uint32_t g_default_mxcsr = 0x1F80;

static volatile int g_in_snippet;
static int g_vector, g_signo;
static uint32_t g_err;
static uint64_t g_cr2, g_rip;
static uint32_t g_mxcsr_mask;
static uint8_t g_pages_in[DATA_PAGES][PAGE];

void enter_snippet(void);
void snippet_exit(void);
void snippet_recover(void);
void trampoline_end(void);

/*
 * enter_snippet saves the runner's callee-saved registers and stack, loads the case's FP/SSE
 * state, RFLAGS and all 16 GPRs (RSP last), and jumps to the code. The end marker jumps to
 * snippet_exit, which stores the state and returns to enter_snippet's caller. A fault is turned
 * by the signal handler into a "return" through snippet_recover.
 */
__asm__(
    ".text\n"
    ".globl enter_snippet\n"
    "enter_snippet:\n"
    "  push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "  mov %rsp, g_runner_rsp(%rip)\n"
    "  fxrstor64 g_fx_in(%rip)\n"
    "  push g_in_rflags(%rip)\n"
    "  popfq\n"
    "  mov g_in_gpr+0(%rip), %rax\n"
    "  mov g_in_gpr+8(%rip), %rcx\n"
    "  mov g_in_gpr+16(%rip), %rdx\n"
    "  mov g_in_gpr+24(%rip), %rbx\n"
    "  mov g_in_gpr+40(%rip), %rbp\n"
    "  mov g_in_gpr+48(%rip), %rsi\n"
    "  mov g_in_gpr+56(%rip), %rdi\n"
    "  mov g_in_gpr+64(%rip), %r8\n"
    "  mov g_in_gpr+72(%rip), %r9\n"
    "  mov g_in_gpr+80(%rip), %r10\n"
    "  mov g_in_gpr+88(%rip), %r11\n"
    "  mov g_in_gpr+96(%rip), %r12\n"
    "  mov g_in_gpr+104(%rip), %r13\n"
    "  mov g_in_gpr+112(%rip), %r14\n"
    "  mov g_in_gpr+120(%rip), %r15\n"
    "  mov g_in_gpr+32(%rip), %rsp\n"
    "  jmp *g_code_entry(%rip)\n"
    ".globl snippet_exit\n"
    "snippet_exit:\n"
    "  mov %rax, g_out_gpr+0(%rip)\n"
    "  mov %rcx, g_out_gpr+8(%rip)\n"
    "  mov %rdx, g_out_gpr+16(%rip)\n"
    "  mov %rbx, g_out_gpr+24(%rip)\n"
    "  mov %rsp, g_out_gpr+32(%rip)\n"
    "  mov %rbp, g_out_gpr+40(%rip)\n"
    "  mov %rsi, g_out_gpr+48(%rip)\n"
    "  mov %rdi, g_out_gpr+56(%rip)\n"
    "  mov %r8, g_out_gpr+64(%rip)\n"
    "  mov %r9, g_out_gpr+72(%rip)\n"
    "  mov %r10, g_out_gpr+80(%rip)\n"
    "  mov %r11, g_out_gpr+88(%rip)\n"
    "  mov %r12, g_out_gpr+96(%rip)\n"
    "  mov %r13, g_out_gpr+104(%rip)\n"
    "  mov %r14, g_out_gpr+112(%rip)\n"
    "  mov %r15, g_out_gpr+120(%rip)\n"
    "  mov g_runner_rsp(%rip), %rsp\n"
    "  pushfq\n"
    "  pop g_out_rflags(%rip)\n"
    "  fxsave64 g_fx_out(%rip)\n"
    ".globl snippet_recover\n"
    "snippet_recover:\n"
    "  fninit\n"
    "  ldmxcsr g_default_mxcsr(%rip)\n"
    "  cld\n"
    "  pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "  ret\n"
    ".globl trampoline_end\n"
    "trampoline_end:\n");

static void die(const char *what) {
    fprintf(stderr, "hostcpu: %s: %s\n", what, strerror(errno));
    _exit(2);
}

static void map_fixed(uint64_t addr, size_t len, int prot) {
    void *p = mmap((void *)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || (uint64_t)p != addr) {
        fprintf(stderr, "hostcpu: cannot map 0x%lx (+0x%zx): %s\n", (unsigned long)addr, len, strerror(errno));
        _exit(2);
    }
}

static void on_signal(int sig, siginfo_t *si, void *ctx) {
    (void)si;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    uint64_t rip = (uint64_t)g[REG_RIP];
    if (!g_in_snippet) {
        if (sig == SIGALRM) {
            return;
        }
        static const char msg[] = "hostcpu: fault inside the runner itself\n";
        write(2, msg, sizeof msg - 1);
        _exit(3);
    }
    if (rip >= (uint64_t)enter_snippet && rip < (uint64_t)trampoline_end) {
        /* A fault while loading the state (e.g. an invalid MXCSR): the request was bad. */
        g_vector = -4;
    } else if (sig == SIGALRM) {
        g_vector = -2;
    } else {
        g_vector = (int)g[REG_TRAPNO];
    }
    g_signo = sig;
    g_err = (uint32_t)g[REG_ERR];
    /* The kernel fills cr2 from the last page fault: only meaningful for #PF. */
    g_cr2 = g_vector == 14 ? (uint64_t)g[REG_CR2] : 0;
    g_rip = rip;
    static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                  REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    for (int i = 0; i < 16; i++) {
        g_out_gpr[i] = (uint64_t)g[order[i]];
    }
    g_out_rflags = (uint64_t)g[REG_EFL];
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    if (fp != NULL) {
        memcpy(g_fx_out, fp, 512);
        /* Return to the runner with a clean FP state, so a pending x87 exception does not refire. */
        fp->cwd = 0x37F;
        fp->swd = 0;
        fp->ftw = 0;
        fp->mxcsr = 0x1F80;
    } else {
        memset(g_fx_out, 0, sizeof g_fx_out);
    }
    g_in_snippet = 0;
    g[REG_RIP] = (greg_t)snippet_recover;
    g[REG_RSP] = (greg_t)g_runner_rsp;
    g[REG_EFL] &= ~(greg_t)(0x400 | 0x100 | 0x40000); /* DF, TF, AC */
}

static void install_handlers(void) {
    static uint8_t altstack[256 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        die("sigaltstack");
    }
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_signal;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            die("sigaction");
        }
    }
}

static int read_full(void *buf, size_t len) {
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(0, p, len);
        if (n == 0) {
            return 0;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("read");
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

static void need(void *buf, size_t len) {
    if (!read_full(buf, len)) {
        fprintf(stderr, "hostcpu: truncated request\n");
        _exit(2);
    }
}

static void out(const void *buf, size_t len) {
    if (fwrite(buf, 1, len, stdout) != len) {
        die("write");
    }
}

static void set_timer(uint32_t ms) {
    struct itimerval t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
    setitimer(ITIMER_REAL, &t, NULL);
}

static void run_case(void) {
    uint32_t hdr[3];
    need(hdr, sizeof hdr);
    uint32_t code_len = hdr[0], page_mask = hdr[1], timeout_ms = hdr[2];
    if (code_len > CODE_SIZE - MARKER_LEN) {
        fprintf(stderr, "hostcpu: code too long: %u bytes\n", code_len);
        _exit(2);
    }
    need(g_in_gpr, sizeof g_in_gpr);
    need(&g_in_rflags, 8);
    need(g_fx_in, sizeof g_fx_in);
    g_in_rflags = (g_in_rflags & FLAGS_LOADABLE) | 0x202;
    uint32_t mxcsr;
    memcpy(&mxcsr, g_fx_in + 24, 4);
    if (mxcsr & ~g_mxcsr_mask) {
        fprintf(stderr, "hostcpu: MXCSR 0x%x has bits outside the mask 0x%x\n", mxcsr, g_mxcsr_mask);
        _exit(2);
    }

    static uint32_t last_code_len = CODE_SIZE;
    uint8_t *code = (uint8_t *)CODE_BASE;
    memset(code, 0, last_code_len + MARKER_LEN < CODE_SIZE ? last_code_len + MARKER_LEN : CODE_SIZE);
    need(code, code_len);
    last_code_len = code_len;
    /* End marker: jmp *0(%rip) followed by the absolute address of snippet_exit. */
    static const uint8_t jmp_abs[6] = {0xFF, 0x25, 0, 0, 0, 0};
    memcpy(code + code_len, jmp_abs, 6);
    uint64_t target = (uint64_t)snippet_exit;
    memcpy(code + code_len + 6, &target, 8);
    __builtin___clear_cache((char *)code, (char *)code + code_len + MARKER_LEN);

    for (int i = 0; i < DATA_PAGES; i++) {
        if (page_mask & (1u << i)) {
            need(g_pages_in[i], PAGE);
        } else {
            memset(g_pages_in[i], 0, PAGE);
        }
        memcpy((void *)(DATA_BASE + i * PAGE), g_pages_in[i], PAGE);
    }

    g_code_entry = CODE_BASE;
    g_vector = -1;
    g_err = 0;
    g_signo = 0;
    g_cr2 = 0;
    g_rip = CODE_BASE + code_len;
    set_timer(timeout_ms == 0 ? 2000 : timeout_ms);
    g_in_snippet = 1;
    enter_snippet();
    g_in_snippet = 0;
    set_timer(0);

    uint32_t rs[4] = {0, (uint32_t)g_vector, g_err, (uint32_t)g_signo};
    memcpy(rs, "JXRS", 4);
    out(rs, sizeof rs);
    out(&g_cr2, 8);
    out(&g_rip, 8);
    out(g_out_gpr, sizeof g_out_gpr);
    out(&g_out_rflags, 8);
    out(g_fx_out, sizeof g_fx_out);
    uint32_t changed = 0;
    for (int i = 0; i < DATA_PAGES; i++) {
        if (memcmp((void *)(DATA_BASE + i * PAGE), g_pages_in[i], PAGE) != 0) {
            changed |= 1u << i;
        }
    }
    out(&changed, 4);
    for (int i = 0; i < DATA_PAGES; i++) {
        if (changed & (1u << i)) {
            out((void *)(DATA_BASE + i * PAGE), PAGE);
        }
    }
    if (fflush(stdout) != 0) {
        die("flush");
    }
}

int main(void) {
    map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
    map_fixed(DATA_BASE, DATA_PAGES * PAGE, PROT_READ | PROT_WRITE);
    map_fixed(GUARD_PAGE, PAGE, PROT_NONE);
    map_fixed(RO_PAGE, PAGE, PROT_READ | PROT_WRITE);
    for (unsigned i = 0; i < PAGE; i++) {
        ((uint8_t *)RO_PAGE)[i] = (uint8_t)(i * 13 + 7);
    }
    if (mprotect((void *)RO_PAGE, PAGE, PROT_READ) != 0) {
        die("mprotect");
    }
    static uint8_t probe[512] __attribute__((aligned(64)));
    __asm__ volatile("fxsave64 %0" : "=m"(probe));
    memcpy(&g_mxcsr_mask, probe + 28, 4);
    if (g_mxcsr_mask == 0) {
        g_mxcsr_mask = 0xFFBF;
    }
    install_handlers();
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    for (;;) {
        char magic[4];
        if (!read_full(magic, 4)) {
            return 0;
        }
        if (memcmp(magic, "JXQT", 4) == 0) {
            return 0;
        }
        if (memcmp(magic, "JXRQ", 4) != 0) {
            fprintf(stderr, "hostcpu: bad request magic %02x%02x%02x%02x\n", magic[0] & 0xFF, magic[1] & 0xFF,
                    magic[2] & 0xFF, magic[3] & 0xFF);
            return 2;
        }
        run_case();
    }
}
