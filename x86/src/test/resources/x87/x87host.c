/*
 * Runs one x87 instruction on the host CPU per input line, for the x87 differential tests.
 * Input:  <frstor image, 108 bytes hex> <memory operand, 16 bytes hex> <rflags hex> <insn hex>
 * Output: <fnsave image after the instruction, 108 bytes hex> <memory operand after> <rflags hex>
 * The instruction runs at 0x100010 with RBX = 0x101000 (its memory operand), so FIP and FDP match
 * the emulator's run of the same bytes at the same addresses.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define CODE 0x100000UL
#define DATA 0x101000UL

static int unhex(const char *s, unsigned char *out, int max) {
    int n = 0;
    while (s[0] && s[1] && s[0] != ' ' && n < max) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (unsigned char)v;
        s += 2;
    }
    return n;
}

static void hex(const unsigned char *b, int n) {
    for (int i = 0; i < n; i++) printf("%02x", b[i]);
}

int main(void) {
    unsigned char *code = mmap((void *)CODE, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (code == MAP_FAILED) { perror("mmap"); return 1; }
    unsigned char *mem = (unsigned char *)DATA;
    static char line[4096];
    unsigned char image[108] __attribute__((aligned(16)));
    unsigned char save[108] __attribute__((aligned(16)));
    while (fgets(line, sizeof line, stdin)) {
        char *p = line;
        unhex(p, image, 108); p = strchr(p, ' ') + 1;
        unhex(p, mem, 16); p = strchr(p, ' ') + 1;
        unsigned long long flags; sscanf(p, "%llx", &flags); p = strchr(p, ' ') + 1;
        unsigned char insn[16]; int len = unhex(p, insn, 15);
        unsigned char *c = code;
        *c++ = 0x53;                                       /* push rbx */
        *c++ = 0x48; *c++ = 0xBB; uint64_t d = DATA; memcpy(c, &d, 8); c += 8; /* mov rbx, DATA */
        *c++ = 0xFF; *c++ = 0x32;                          /* push [rdx] */
        *c++ = 0x9D;                                       /* popfq */
        *c++ = 0xDD; *c++ = 0x21;                          /* frstor [rcx] */
        memcpy(c, insn, len); c += len;                    /* at CODE + 0x10 */
        *c++ = 0x9C; *c++ = 0x58;                          /* pushfq; pop rax */
        *c++ = 0x48; *c++ = 0x89; *c++ = 0x07;             /* mov [rdi], rax */
        *c++ = 0xDD; *c++ = 0x36;                          /* fnsave [rsi] */
        *c++ = 0x5B; *c++ = 0xC3;                          /* pop rbx; ret */
        unsigned long long out = 0;
        void (*fn)(unsigned long long *, void *, unsigned long long *, void *) = (void *)code;
        fn(&out, save, &flags, image);
        hex(save, 108); printf(" "); hex(mem, 16); printf(" %llx\n", out);
        fflush(stdout);
    }
    return 0;
}
