/** The x87 floating-point unit of the emulator: its register stack, control/status words and instructions. */
package dev.jxen.x86.fpu;
