/** The SSE unit of the emulator: XMM registers, MXCSR and the SSE..SSE4.2 (and MMX) instructions. */
package dev.jxen.x86.sse;
