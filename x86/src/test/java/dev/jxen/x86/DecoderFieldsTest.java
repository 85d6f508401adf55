package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.S16;
import static dev.jxen.x86.X86Cpu.S32;
import static dev.jxen.x86.X86Cpu.S64;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The packed fields {@link Decoder#decode} produces for known encodings (what the instruction
 * implementations read through {@link X86Cpu#ea()}, {@link X86Cpu#opSize()} and friends).
 */
class DecoderFieldsTest {
    private static final int ES = 0, FS = 4, GS = 5;

    /** The decoded fields of one instruction, with fluent checks. */
    static final class Decoded {
        final String bytes;
        final int op, mrm, attr, len;
        final long disp, imm;

        Decoded(String hex, boolean mode64, boolean default32) {
            this.bytes = hex;
            String[] parts = hex.trim().split("\\s+");
            byte[] code = new byte[parts.length];
            for (int i = 0; i < parts.length; i++) {
                code[i] = (byte) Integer.parseInt(parts[i], 16);
            }
            Block b = new Block();
            // Bytes past the end read as 0xCC, so an over-read shows up as a wrong length or field.
            len = Decoder.decode(a -> a < code.length ? code[(int) a] : 0xCC, 0, mode64, default32, b, 0);
            op = b.op[0];
            mrm = b.mrm[0];
            attr = b.attr[0];
            disp = b.disp[0];
            imm = b.imm[0];
            assertThat(Decoder.length(attr)).as("%s: length in attr", hex).isEqualTo(len);
        }

        Decoded len(int n) {
            assertThat(len).as("%s: length", bytes).isEqualTo(n);
            return this;
        }

        Decoded op(int opcode) {
            assertThat(op).as("%s: opcode", bytes).isEqualTo(opcode);
            return this;
        }

        Decoded opsize(int s) {
            assertThat(attr & Decoder.A_OPSIZE_MASK).as("%s: operand size", bytes).isEqualTo(s);
            return this;
        }

        Decoded addrsize(int s) {
            assertThat((attr >>> Decoder.A_ADDRSIZE_SHIFT) & 3).as("%s: address size", bytes).isEqualTo(s);
            return this;
        }

        Decoded seg(int s) {
            assertThat((attr >>> Decoder.A_SEG_SHIFT) & 7).as("%s: segment", bytes).isEqualTo(s);
            return this;
        }

        Decoded rep(int r) {
            assertThat((attr >>> Decoder.A_REP_SHIFT) & 3).as("%s: rep", bytes).isEqualTo(r);
            return this;
        }

        Decoded lock(boolean l) {
            assertThat((attr & Decoder.A_LOCK) != 0).as("%s: lock", bytes).isEqualTo(l);
            return this;
        }

        Decoded rex(boolean present, boolean w) {
            assertThat((attr & Decoder.A_REX) != 0).as("%s: REX", bytes).isEqualTo(present);
            assertThat((attr & Decoder.A_REXW) != 0).as("%s: REX.W", bytes).isEqualTo(w);
            return this;
        }

        Decoded pfx(int p) {
            assertThat((attr >>> Decoder.A_PFX_SHIFT) & 3).as("%s: mandatory prefix", bytes).isEqualTo(p);
            return this;
        }

        Decoded reg(int r) {
            assertThat((mrm >>> Decoder.M_REG_SHIFT) & 15).as("%s: ModRM.reg", bytes).isEqualTo(r);
            return this;
        }

        Decoded rmReg(int r) {
            assertThat((mrm & Decoder.M_MOD_MASK) == Decoder.M_MOD_REG).as("%s: register operand", bytes).isTrue();
            assertThat(mrm & 15).as("%s: ModRM.rm", bytes).isEqualTo(r);
            return this;
        }

        Decoded mem(int base, int index, int scale, long displacement) {
            assertThat((mrm & Decoder.M_MOD_MASK) == Decoder.M_MOD_REG).as("%s: memory operand", bytes).isFalse();
            assertThat((mrm >>> Decoder.M_BASE_SHIFT) & 31).as("%s: base", bytes).isEqualTo(base);
            assertThat((mrm >>> Decoder.M_INDEX_SHIFT) & 31).as("%s: index", bytes).isEqualTo(index);
            if (index != Decoder.INDEX_NONE) {
                assertThat((mrm >>> Decoder.M_SCALE_SHIFT) & 3).as("%s: scale", bytes).isEqualTo(scale);
            }
            assertThat(disp).as("%s: displacement", bytes).isEqualTo(displacement);
            return this;
        }

        Decoded imm(long value) {
            assertThat(imm).as("%s: immediate", bytes).isEqualTo(value);
            return this;
        }
    }

    private static Decoded d64(String hex) {
        return new Decoded(hex, true, true);
    }

    private static Decoded d32(String hex) {
        return new Decoded(hex, false, true);
    }

    private static Decoded d16(String hex) {
        return new Decoded(hex, false, false);
    }

    private static final int NONE = Decoder.BASE_NONE, RIP = Decoder.BASE_RIP, NOIDX = Decoder.INDEX_NONE;

    @Test
    void modrmAndSibFormsIn64BitMode() {
        d64("48 8b 44 24 08").len(5).op(0x8B).opsize(S64).addrsize(S64).rex(true, true).reg(0).mem(4, NOIDX, 0, 8);
        d64("8b 05 78 56 34 12").len(6).opsize(S32).mem(RIP, NOIDX, 0, 0x12345678);
        d64("42 8b 04 a5 00 01 00 00").len(8).rex(true, false).mem(NONE, 12, 2, 0x100);
        d64("4e 8b 04 e8").len(4).reg(8).mem(0, 13, 3, 0);
        d64("4d 8b 4c 24 f0").len(5).reg(9).mem(12, NOIDX, 0, -16);
        d64("41 8b 45 00").len(4).mem(13, NOIDX, 0, 0); // r13 base needs a disp8
        d64("8b 04 25 00 10 00 00").len(7).mem(NONE, NOIDX, 0, 0x1000);
        d64("8b 84 88 00 00 00 80").len(7).mem(0, 1, 2, 0xFFFF_FFFF_8000_0000L);
        d64("66 67 8b 40 fe").len(5).opsize(S16).addrsize(S32).mem(0, NOIDX, 0, -2);
        d64("67 8b 05 10 00 00 00").len(7).addrsize(S32).mem(RIP, NOIDX, 0, 0x10);
        d64("4c 89 c8").len(3).op(0x89).reg(9).rmReg(0);
        d64("41 89 c1").len(3).reg(0).rmReg(9);
    }

    @Test
    void sixteenAndThirtyTwoBitAddressing() {
        d32("8b 05 44 33 22 11").len(6).addrsize(S32).opsize(S32).mem(NONE, NOIDX, 0, 0x11223344);
        d32("67 8b 42 10").len(4).addrsize(S16).mem(5, 6, 0, 0x10); // [bp+si+0x10]
        d32("67 8b 06 34 12").len(5).addrsize(S16).mem(NONE, NOIDX, 0, 0x1234);
        d32("67 8b 46 ff").len(4).mem(5, NOIDX, 0, -1); // [bp-1]
        d32("67 8b 87 00 80").len(5).mem(3, NOIDX, 0, -0x8000); // [bx+disp16]
        d32("67 8b 01").len(3).mem(3, 7, 0, 0); // [bx+di]
        d16("8b 42 10").len(3).opsize(S16).addrsize(S16).mem(5, 6, 0, 0x10);
        d16("66 67 8b 44 24 08").len(6).opsize(S32).addrsize(S32).mem(4, NOIDX, 0, 8);
        d32("66 b8 34 12").len(4).opsize(S16).imm(0x1234);
        d16("b8 34 12").len(3).opsize(S16).imm(0x1234);
    }

    @Test
    void immediatesFollowTheOperandSize() {
        d64("48 b8 88 77 66 55 44 33 22 11").len(10).op(0xB8).opsize(S64).imm(0x1122334455667788L);
        d64("41 b8 04 03 02 01").len(6).opsize(S32).imm(0x01020304);
        assertThat(d64("41 b8 04 03 02 01").mrm & 15).as("REX.B in rm without ModRM").isEqualTo(8);
        d64("66 b8 ff ff").len(4).opsize(S16).imm(0xFFFF);
        d64("48 c7 c0 ff ff ff ff").len(7).opsize(S64).imm(-1);
        d64("f6 c1 05").len(3).op(0xF6).imm(5);
        d64("f6 d1").len(2).op(0xF6).reg(2);
        d64("f7 c1 00 00 00 80").len(6).imm(0xFFFF_FFFF_8000_0000L);
        d64("66 f7 c1 34 12").len(5).opsize(S16).imm(0x1234);
        d64("f7 d8").len(2).reg(3);
        d64("6a ff").len(2).opsize(S64).imm(-1);
        d64("66 6a ff").len(3).opsize(S16);
        d64("68 00 00 00 80").len(5).opsize(S64).imm(0xFFFF_FFFF_8000_0000L);
        d64("c8 10 00 01").len(4).imm(0x01_0010); // ENTER 16, 1: iw then ib
        d64("c2 08 00").len(3).imm(8);
        d64("66 0f 84 00 00 00 00").len(7).opsize(S64); // Intel ignores 66 on near branches in 64-bit mode
        d32("66 0f 84 00 01").len(5).opsize(S16).imm(0x100);
        d32("9a 44 33 22 11 08 00").len(7).op(0x9A);
        d32("66 ea 34 12 08 00").len(6).op(0xEA);
        d64("0f ba e0 07").len(4).op(0x1BA).reg(4).imm(7);
        d64("66 0f 3a 0f c1 08").len(6).op(0x30F).pfx(Decoder.PFX_66).imm(8);
    }

    @Test
    void moffsIsAnAddressNotAnImmediate() {
        d64("a1 88 77 66 55 44 33 22 11").len(9).op(0xA1).addrsize(S64).mem(NONE, NOIDX, 0, 0x1122334455667788L)
                .imm(0);
        d64("67 a1 44 33 22 11").len(6).addrsize(S32).mem(NONE, NOIDX, 0, 0x11223344);
        d32("a0 44 33 22 11").len(5).op(0xA0).mem(NONE, NOIDX, 0, 0x11223344);
        d32("67 a2 34 12").len(4).addrsize(S16).mem(NONE, NOIDX, 0, 0x1234);
    }

    @Test
    void prefixes() {
        d64("64 48 8b 04 25 28 00 00 00").len(9).seg(FS).mem(NONE, NOIDX, 0, 0x28);
        d64("65 8b 00").seg(GS);
        d64("26 8b 00").seg(Decoder.SEG_DEFAULT); // ES/CS/SS/DS overrides mean nothing in 64-bit mode
        d32("26 8b 00").seg(ES);
        d64("f3 48 a5").len(3).op(0xA5).rep(Decoder.REP_F3).opsize(S64);
        d64("f2 ae").rep(Decoder.REP_F2);
        d64("f0 48 0f b1 0e").len(5).op(0x1B1).lock(true).reg(1).mem(6, NOIDX, 0, 0);
        d64("66 0f 6f 04 24").len(5).op(0x16F).pfx(Decoder.PFX_66).opsize(S16).mem(4, NOIDX, 0, 0);
        d64("f2 0f 10 c1").len(4).op(0x110).pfx(Decoder.PFX_F2).rmReg(1);
        d64("66 f3 0f b8 c1").len(5).op(0x1B8).pfx(Decoder.PFX_F3).opsize(S16); // F3 selects POPCNT, 66 sizes it
        d64("f3 f2 0f 10 c1").pfx(Decoder.PFX_F2).rep(Decoder.REP_F2); // the last of F2/F3 counts
        // A REX followed by another prefix is ignored; the last REX before the opcode counts.
        d64("48 66 8b 00").len(4).opsize(S16).rex(false, false);
        d64("48 40 8b 00").len(4).opsize(S32).rex(true, false);
        d64("66 48 8b 00").len(4).opsize(S64).rex(true, true);
        d64("66 3e 4d 40 1d 34 12").len(7).opsize(S16).imm(0x1234);
    }

    @Test
    void undefinedEncodingsAndTheLengthLimit() {
        d64("0f 0b").len(2).op(Decoder.OP_UD);
        d64("06").len(1).op(Decoder.OP_UD); // PUSH ES is gone in 64-bit mode
        d32("06").len(1).op(0x06);
        d64("f0 01 c0").op(Decoder.OP_UD); // LOCK with a register destination
        d64("f0 39 00").op(Decoder.OP_UD); // LOCK CMP
        d64("f0 01 00").op(0x01).lock(true);
        d64("f0 90").op(Decoder.OP_UD);
        d64("8d c0").op(Decoder.OP_UD); // LEA of a register
        d64("ff f8").op(Decoder.OP_UD); // FF /7
        d64("ff d8").op(Decoder.OP_UD); // far CALL with a register operand
        d64("c7 c8 00 00 00 00").op(Decoder.OP_UD);
        d64("8f c0").op(0x8F);
        d64("8f e8 78 c0 c0 05").op(Decoder.OP_UD); // XOP (AMD) is POP with reg != 0 here
        d64("0f 0f c0 9e").len(4).op(Decoder.OP_UD); // 3DNow!: measured, not executed
        d64("0f 01 d3").len(3).op(Decoder.OP_UD);
        d64("0f 01 f8").len(3).op(0x101); // SWAPGS
        d64("0f ae e8").len(3).op(0x1AE); // LFENCE
        d64("0f ae fd").op(Decoder.OP_UD);
        d64("f3 0f 38 00 c0").op(Decoder.OP_UD);
        d64("66 0f 38 00 c0").op(0x200);
        d64("66 0f 78 c0 01 02").op(Decoder.OP_UD); // SSE4a EXTRQ (AMD)
        d64("c4 e2 79 18 00").len(5).op(Decoder.OP_VEX);
        d64("c5 f8 77").len(3).op(Decoder.OP_VEX);
        d64("62 f1 7c 48 10 00").len(6).op(Decoder.OP_VEX);
        d32("c5 00").len(2).op(0xC5).mem(0, NOIDX, 0, 0); // LDS in 32-bit mode when mod != 3
        d32("c5 f8 77").len(3).op(Decoder.OP_VEX);
        d16("c5 fb 5c 9d 0b 05").len(6).op(Decoder.OP_VEX); // 16-bit addressing in VEX too
        // MOV to/from control registers ignores mod: always a register, never a displacement.
        d64("0f 22 18").len(3).op(0x122).reg(3).rmReg(0);
        d64("41 0f 20 e0").len(4).reg(4).rmReg(8);
        String prefixes14 = "66 ".repeat(14);
        d64(prefixes14 + "90").len(15).op(0x90);
        d64(prefixes14 + "66 90").len(15).op(Decoder.OP_TOO_LONG);
        d64("66 ".repeat(12) + "b8 00 00").len(15).op(0xB8);
        d64("66 ".repeat(11) + "48 b8 00 00 00 00 00 00 00 00").len(15).op(Decoder.OP_TOO_LONG);
    }
}
