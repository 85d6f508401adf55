package dev.jxen.toolstack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jxen run}: what a user sees on stdout/stderr and as exit status. */
class RunCommandTest {
    @TempDir
    Path dir;

    record Outcome(int status, String out, String err) {
    }

    static Outcome jxen(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = JxenCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void textFileIsRejectedInOneLine() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello, this is not a program\n");
        Outcome o = jxen("run", text.toString());
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("jxen: " + text + ": not an ELF file\n");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void missingFileIsRejectedInOneLine() {
        String missing = dir.resolve("no-such-program").toString();
        Outcome o = jxen("run", missing);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("jxen: " + missing + ": no such file\n");
    }

    @Test
    void elfForAnotherMachineIsRejected() throws Exception {
        Path arm = Files.write(dir.resolve("arm"), elf(183, new byte[] {0}));
        Outcome o = jxen("run", arm.toString());
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("jxen: " + arm + ": not an x86-64 program (ELF machine 183)\n");
    }

    @Test
    void guestFaultGivesOneDiagnosticLineAndTheSignalStatus() throws Exception {
        // ud2 at the entry point: Linux would send SIGILL (status 128 + 4).
        Path ud2 = Files.write(dir.resolve("ud2"), elf(62, new byte[] {0x0F, 0x0B}));
        Outcome o = jxen("run", ud2.toString());
        assertThat(o.status()).isEqualTo(132);
        assertThat(o.err()).isEqualTo("jxen: " + ud2 + ": guest fault: #UD (vector 6) at rip 0x401000, error code 0x0, cr2 0x0\n");
    }

    @Test
    void runsTheDemoByItsShortName() {
        Outcome o = jxen("run", "cpu-demo");
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).isEqualTo(GuestProgramsTest.expectedDemoOutput());
        assertThat(o.status()).isZero();
    }

    /** A minimal static ELF64 executable: {@code code} loaded at and entered at 0x401000. */
    static byte[] elf(int machine, byte[] code) {
        ByteBuffer b = ByteBuffer.allocate(0x1000 + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) machine).putInt(1);
        b.putLong(0x401000).putLong(64).putLong(0); // entry, phoff, shoff
        b.putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1); // flags, ehsize, phentsize, phnum
        b.putShort((short) 64).putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5); // PT_LOAD, R+X
        b.putLong(0x1000).putLong(0x401000).putLong(0x401000).putLong(code.length).putLong(code.length).putLong(0x1000);
        b.position(0x1000);
        b.put(code);
        return b.array();
    }
}
