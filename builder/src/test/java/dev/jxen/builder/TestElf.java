package dev.jxen.builder;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Assembles small ELF64 kernels in memory for the tests: load segments, Xen notes, sections, symbols. */
final class TestElf {
    /** Where the notes go. */
    enum NotePlace { PT_NOTE, SHT_NOTE, BOTH }

    record Load(long paddr, long vaddr, byte[] bytes, long memsz, int flags) {
    }

    record Note(String owner, int type, byte[] desc) {
    }

    record Sym(String name, long value, int type) {
    }

    private final List<Load> loads = new ArrayList<>();
    private final List<Note> notes = new ArrayList<>();
    private final List<Note> segmentNotes = new ArrayList<>();
    private final List<Sym> syms = new ArrayList<>();
    private NotePlace place = NotePlace.PT_NOTE;
    private String xenGuest;
    private long entry;
    private int elfClass = 2;
    private int machine = 62;
    private boolean zeroNoteOffset;

    TestElf load(long paddr, long vaddr, byte[] bytes, long memsz) {
        loads.add(new Load(paddr, vaddr, bytes, memsz, 7));
        return this;
    }

    TestElf entry(long e) {
        entry = e;
        return this;
    }

    TestElf place(NotePlace p) {
        place = p;
        return this;
    }

    TestElf zeroNoteOffset() {
        zeroNoteOffset = true;
        return this;
    }

    TestElf elfClass(int c) {
        elfClass = c;
        return this;
    }

    TestElf machine(int m) {
        machine = m;
        return this;
    }

    TestElf note(int type, long value) {
        return note("Xen", type, le(value, 8));
    }

    TestElf note32(int type, long value) {
        return note("Xen", type, le(value, 4));
    }

    TestElf note(int type, String value) {
        return note("Xen", type, (value + "\0").getBytes(StandardCharsets.ISO_8859_1));
    }

    TestElf note(String owner, int type, byte[] desc) {
        notes.add(new Note(owner, type, desc));
        return this;
    }

    /** A note only in the PT_NOTE segment (the others then go to the sections only). */
    TestElf segmentNote(String owner, int type, byte[] desc) {
        segmentNotes.add(new Note(owner, type, desc));
        return this;
    }

    TestElf xenGuest(String s) {
        xenGuest = s;
        return this;
    }

    TestElf symbol(String name, long value, int type) {
        syms.add(new Sym(name, value, type));
        return this;
    }

    /** The usual notes of a generic PV kernel. */
    TestElf genericNotes(String os) {
        return note(6, os).note(8, "generic").note(5, "xen-3.0");
    }

    static byte[] le(long v, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    private static byte[] noteBlob(List<Note> notes) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Note n : notes) {
            byte[] name = (n.owner() + "\0").getBytes(StandardCharsets.ISO_8859_1);
            o.writeBytes(le(name.length, 4));
            o.writeBytes(le(n.desc().length, 4));
            o.writeBytes(le(n.type(), 4));
            o.writeBytes(pad4(name));
            o.writeBytes(pad4(n.desc()));
        }
        return o.toByteArray();
    }

    private static byte[] pad4(byte[] b) {
        byte[] r = new byte[(b.length + 3) & ~3];
        System.arraycopy(b, 0, r, 0, b.length);
        return r;
    }

    byte[] build() {
        byte[] noteBlob = noteBlob(notes);
        boolean noteSeg = !notes.isEmpty() && place != NotePlace.SHT_NOTE;
        boolean noteSec = !notes.isEmpty() && place != NotePlace.PT_NOTE;
        byte[] segBlob = noteBlob;
        if (!segmentNotes.isEmpty()) {
            segBlob = noteBlob(segmentNotes);
            noteSeg = true;
            noteSec = !notes.isEmpty();
        }
        int phnum = loads.size() + (noteSeg ? 1 : 0);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int dataStart = 64 + 56 * phnum;
        body.writeBytes(new byte[dataStart]);
        long[] loadOff = new long[loads.size()];
        for (int i = 0; i < loads.size(); i++) {
            align(body, 16);
            loadOff[i] = body.size();
            body.writeBytes(loads.get(i).bytes());
        }
        align(body, 4);
        long noteOff = body.size();
        body.writeBytes(noteBlob);
        long segNoteOff = body.size();
        body.writeBytes(segBlob);
        long guestOff = body.size();
        byte[] guest = xenGuest == null ? new byte[0] : (xenGuest + "\0").getBytes(StandardCharsets.ISO_8859_1);
        body.writeBytes(guest);
        // String table and symbol table.
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        ByteBuffer symtab = ByteBuffer.allocate(24 * (syms.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        symtab.position(24);
        for (Sym s : syms) {
            symtab.putInt(strtab.size());
            strtab.writeBytes((s.name() + "\0").getBytes(StandardCharsets.ISO_8859_1));
            symtab.put((byte) (0x10 | s.type())); // global
            symtab.put((byte) 0);
            symtab.putShort((short) 1); // .text
            symtab.putLong(s.value());
            symtab.putLong(0);
        }
        align(body, 8);
        long symOff = body.size();
        body.writeBytes(symtab.array());
        long strOff = body.size();
        body.writeBytes(strtab.toByteArray());
        // Section names.
        List<String> names = new ArrayList<>(List.of("", ".text", ".symtab", ".strtab", ".shstrtab"));
        if (noteSec) {
            names.add(".note.Xen");
        }
        if (xenGuest != null) {
            names.add("__xen_guest");
        }
        ByteArrayOutputStream shstr = new ByteArrayOutputStream();
        int[] nameOff = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            nameOff[i] = shstr.size();
            shstr.writeBytes((names.get(i) + "\0").getBytes(StandardCharsets.ISO_8859_1));
        }
        long shstrOff = body.size();
        body.writeBytes(shstr.toByteArray());
        align(body, 8);
        long shoff = body.size();
        ByteBuffer sh = ByteBuffer.allocate(64 * names.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < names.size(); i++) {
            int base = 64 * i;
            String n = names.get(i);
            sh.putInt(base, nameOff[i]);
            switch (n) {
                case ".text" -> {
                    sh.putInt(base + 4, 1);
                    sh.putLong(base + 8, 6); // ALLOC|EXECINSTR
                    sh.putLong(base + 24, loads.isEmpty() ? 0 : loadOff[0]);
                    sh.putLong(base + 32, loads.isEmpty() ? 0 : loads.get(0).bytes().length);
                }
                case ".symtab" -> {
                    sh.putInt(base + 4, 2);
                    sh.putLong(base + 24, symOff);
                    sh.putLong(base + 32, symtab.capacity());
                    sh.putInt(base + 40, 3);
                    sh.putLong(base + 56, 24);
                }
                case ".strtab", ".shstrtab" -> {
                    sh.putInt(base + 4, 3);
                    sh.putLong(base + 24, n.equals(".strtab") ? strOff : shstrOff);
                    sh.putLong(base + 32, n.equals(".strtab") ? strtab.size() : shstr.size());
                }
                case ".note.Xen" -> {
                    sh.putInt(base + 4, 7);
                    sh.putLong(base + 24, noteOff);
                    sh.putLong(base + 32, noteBlob.length);
                }
                case "__xen_guest" -> {
                    sh.putInt(base + 4, 1);
                    sh.putLong(base + 24, guestOff);
                    sh.putLong(base + 32, guest.length);
                }
                default -> {
                }
            }
        }
        body.writeBytes(sh.array());
        byte[] out = body.toByteArray();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, 1, 1});
        b.putShort(16, (short) 2);
        b.putShort(18, (short) machine);
        b.putInt(20, 1);
        b.putLong(24, entry);
        b.putLong(32, 64);
        b.putLong(40, shoff);
        b.putShort(52, (short) 64);
        b.putShort(54, (short) 56);
        b.putShort(56, (short) phnum);
        b.putShort(58, (short) 64);
        b.putShort(60, (short) names.size());
        b.putShort(62, (short) 4);
        int ph = 64;
        for (int i = 0; i < loads.size(); i++, ph += 56) {
            Load l = loads.get(i);
            b.putInt(ph, 1);
            b.putInt(ph + 4, l.flags());
            b.putLong(ph + 8, loadOff[i]);
            b.putLong(ph + 16, l.vaddr());
            b.putLong(ph + 24, l.paddr());
            b.putLong(ph + 32, l.bytes().length);
            b.putLong(ph + 40, l.memsz());
            b.putLong(ph + 48, 16);
        }
        if (noteSeg) {
            b.putInt(ph, 4);
            b.putInt(ph + 4, 4);
            b.putLong(ph + 8, zeroNoteOffset ? 0 : segNoteOff);
            b.putLong(ph + 32, segBlob.length);
            b.putLong(ph + 40, segBlob.length);
            b.putLong(ph + 48, 4);
        }
        return out;
    }

    private static void align(ByteArrayOutputStream o, int a) {
        while (o.size() % a != 0) {
            o.write(0);
        }
    }
}
