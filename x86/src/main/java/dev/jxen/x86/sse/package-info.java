/**
 * The SSE unit of the emulator: XMM registers, MXCSR and the SSE..SSE4.2 (and MMX) instructions.
 * {@link dev.jxen.x86.sse.Sse} holds the state, the availability checks (CR0.EM/TS, CR4.OSFXSR,
 * pending x87 exceptions for MMX), operand access and the data moves; {@code FpOps} the
 * floating-point instructions on top of {@code SoftFp} (MXCSR-exact IEEE arithmetic: rounding
 * modes, DAZ, FTZ, all six exception flags, x86 NaN rules, #XM); {@code IntOps} the integer SIMD
 * instructions for MMX and XMM registers; {@code StringOps} PCMPESTRI/M and PCMPISTRI/M.
 */
package dev.jxen.x86.sse;
