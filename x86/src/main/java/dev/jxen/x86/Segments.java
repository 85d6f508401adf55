package dev.jxen.x86;

/** Segment register loads with the protected-mode checks hardware makes (MOV Sreg, POP Sreg, LFS...). */
final class Segments {
    private Segments() {
    }

    /**
     * Loads data segment {@code seg} (ES, SS, DS, FS, GS) with {@code selector}, reading its
     * descriptor from the host's tables. Raises #GP(selector), #NP(selector) or #SS(selector) as the
     * hardware does, before anything changes.
     */
    static void loadData(X86Cpu c, int seg, int selector) {
        selector &= 0xFFFF;
        int err = selector & 0xFFFC;
        int rpl = selector & 3;
        if (err == 0) {
            // Null selector: fine for data segments; SS only in 64-bit mode below CPL 3 with RPL = CPL.
            if (seg == X86Cpu.SS && (!c.code64 || c.cpl == 3 || rpl != c.cpl)) {
                throw c.fault(Vectors.GP, 0);
            }
            c.loadSegment(seg, selector, 0);
            return;
        }
        long d = c.host.readDescriptor(selector);
        int attrs = (int) (d >>> 40) & 0xFF;
        int type = attrs & 0xF;
        int dpl = (attrs >>> 5) & 3;
        boolean present = (attrs & 0x80) != 0;
        if (d == 0 || (attrs & 0x10) == 0) {
            throw c.fault(Vectors.GP, err); // beyond the table, or a system descriptor
        }
        boolean code = (type & 8) != 0;
        if (seg == X86Cpu.SS) {
            if (code || (type & 2) == 0 || rpl != c.cpl || dpl != c.cpl) {
                throw c.fault(Vectors.GP, err);
            }
            if (!present) {
                throw c.fault(Vectors.SS, err);
            }
        } else {
            if (code && (type & 2) == 0) {
                throw c.fault(Vectors.GP, err); // execute-only code
            }
            boolean conforming = code && (type & 4) != 0;
            if (!conforming && (rpl > dpl || c.cpl > dpl)) {
                throw c.fault(Vectors.GP, err);
            }
            if (!present) {
                throw c.fault(Vectors.NP, err);
            }
        }
        c.loadSegment(seg, selector, d);
    }
}
