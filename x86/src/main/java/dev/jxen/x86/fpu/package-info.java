/**
 * The x87 FPU of the emulator: the register stack and control/status state ({@link dev.jxen.x86.fpu.X87}),
 * an exact soft-float for the 80-bit extended format (Float80), correctly rounded transcendental
 * functions (Transcendental), and the environment save/restore layouts (Env). MMX shares the
 * register file through X87's mmx methods.
 */
package dev.jxen.x86.fpu;
