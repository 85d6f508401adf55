package dev.jxen.machine;

/** Privileged instructions an engine reports with {@link ExitReason#PRIVILEGED}. */
public enum PrivilegedOp {
    /** No privileged instruction. */
    NONE,
    RDMSR, WRMSR,
    /** MOV from CRn: {@code operand[0]} = CR number, {@code operand[1]} = destination GPR. */
    MOV_FROM_CR,
    /** MOV to CRn: {@code operand[0]} = CR number, {@code operand[1]} = source GPR. */
    MOV_TO_CR,
    /** MOV from DRn: {@code operand[0]} = DR number, {@code operand[1]} = destination GPR. */
    MOV_FROM_DR,
    /** MOV to DRn: {@code operand[0]} = DR number, {@code operand[1]} = source GPR. */
    MOV_TO_DR,
    CLI, STI, HLT, CLTS, SWAPGS, SYSRET, INVLPG, LGDT, LIDT, LLDT, LTR, LMSW, INVD, WBINVD, RDPMC, XSETBV,
    /** IRETQ to a more privileged code segment, which hardware refuses at CPL 3. */
    IRET
}
