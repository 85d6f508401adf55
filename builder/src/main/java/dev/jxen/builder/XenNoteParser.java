package dev.jxen.builder;

/**
 * Reads a kernel's Xen parameters the way Xen's libelf does: Xen notes from PT_NOTE segments; when
 * those hold none, from SHT_NOTE sections; when there are still none, the legacy {@code __xen_guest}
 * NAME=VALUE string. Then applies the consistency checks and defaults of {@code elf_xen_note_check}
 * and {@code elf_xen_addr_calc_check} (the address checks that need the load range are done by
 * {@link KernelImage}).
 */
final class XenNoteParser {
    // Note types (elfnote.h).
    private static final int INFO = 0;
    private static final int ENTRY = 1;
    private static final int HYPERCALL_PAGE = 2;
    private static final int VIRT_BASE = 3;
    private static final int PADDR_OFFSET = 4;
    private static final int XEN_VERSION = 5;
    private static final int GUEST_OS = 6;
    private static final int GUEST_VERSION = 7;
    private static final int LOADER = 8;
    private static final int PAE_MODE = 9;
    private static final int FEATURES = 10;
    private static final int BSD_SYMTAB = 11;
    private static final int HV_START_LOW = 12;
    private static final int SUSPEND_CANCEL = 14;
    private static final int INIT_P2M = 15;
    private static final int MOD_START_PFN = 16;
    private static final int SUPPORTED_FEATURES = 17;

    private final Elf64 elf;
    private String source;
    private long virtBase = XenNotes.UNSET;
    private long entry = XenNotes.UNSET;
    private long hypercallPage = XenNotes.UNSET;
    private long paddrOffset = XenNotes.UNSET;
    private long initP2m = XenNotes.UNSET;
    private long hvStartLow = XenNotes.UNSET;
    private String guestOs = "";
    private String guestVersion = "";
    private String xenVersion = "";
    private String loader = "";
    private String paeMode = "";
    private int supported;
    private int required;
    private boolean modStartPfn;
    private boolean suspendCancel;
    private boolean bsdSymtab;

    private XenNoteParser(Elf64 elf) {
        this.elf = elf;
    }

    static XenNotes parse(Elf64 elf) throws BadImageException {
        XenNoteParser p = new XenNoteParser(elf);
        p.find();
        p.check();
        return new XenNotes(p.source, p.virtBase, p.paddrOffset, p.entry, p.hypercallPage, p.initP2m,
                p.hvStartLow, p.guestOs, p.guestVersion, p.xenVersion, p.loader, p.paeMode, p.supported,
                p.required, p.modStartPfn, p.suspendCancel, p.bsdSymtab);
    }

    private void find() throws BadImageException {
        int found = 0;
        for (int i = 0; i < elf.phnum; i++) {
            // Some binutils leave p_offset 0 on note segments; Xen skips those.
            if (elf.pType(i) != Elf64.PT_NOTE || elf.pOffset(i) == 0) {
                continue;
            }
            found += notes(elf.pOffset(i), elf.pFilesz(i), "PT_NOTE segment " + i);
        }
        if (found > 0) {
            source = "PT_NOTE";
            return;
        }
        for (int i = 1; i < elf.shnum; i++) {
            if (elf.shType(i) == Elf64.SHT_NOTE) {
                found += notes(elf.shOffset(i), elf.shSize(i), "note section " + elf.sectionName(i));
            }
        }
        if (found > 0) {
            source = "SHT_NOTE";
            return;
        }
        int legacy = elf.sectionByName("__xen_guest");
        if (legacy > 0) {
            long off = elf.shOffset(legacy);
            long size = elf.shSize(legacy);
            if (!elf.fits(off, size)) {
                throw new BadImageException(elf.file, "truncated ELF: section __xen_guest extends past the end of the file");
            }
            source = "__xen_guest";
            guestInfo(elf.cString(off, off + size));
            return;
        }
        throw new BadImageException(elf.file,
                "not a Xen PV kernel: no Xen ELF notes (PT_NOTE or SHT_NOTE) and no __xen_guest section");
    }

    /** Parses the notes in {@code [off, off+size)}; returns how many were Xen's. */
    private int notes(long off, long size, String where) throws BadImageException {
        if (!elf.fits(off, size)) {
            throw new BadImageException(elf.file, "truncated ELF: " + where + " extends past the end of the file");
        }
        long end = off + size;
        int count = 0;
        long p = off;
        while (p < end) {
            if (end - p < 12) {
                throw new BadImageException(elf.file, "malformed ELF note in " + where + " at offset 0x" + Long.toHexString(p));
            }
            long namesz = elf.u32(p);
            long descsz = elf.u32(p + 4);
            int type = (int) elf.u32(p + 8);
            long name = p + 12;
            long desc = name + align4(namesz);
            long next = desc + align4(descsz);
            if (next > end) {
                throw new BadImageException(elf.file, "malformed ELF note in " + where + " at offset 0x" + Long.toHexString(p));
            }
            if (namesz > 0 && "Xen".equals(elf.cString(name, name + namesz))) {
                note(type, desc, descsz);
                count++;
            }
            p = next;
        }
        return count;
    }

    private static long align4(long v) {
        return (v + 3) & ~3L;
    }

    private void note(int type, long desc, long descsz) throws BadImageException {
        switch (type) {
            case ENTRY -> entry = elf.unsigned(desc, descsz);
            case HYPERCALL_PAGE -> hypercallPage = elf.unsigned(desc, descsz);
            case VIRT_BASE -> virtBase = elf.unsigned(desc, descsz);
            case PADDR_OFFSET -> paddrOffset = elf.unsigned(desc, descsz);
            case INIT_P2M -> initP2m = elf.unsigned(desc, descsz);
            case HV_START_LOW -> hvStartLow = elf.unsigned(desc, descsz);
            case MOD_START_PFN -> modStartPfn = elf.unsigned(desc, descsz) != 0;
            case SUSPEND_CANCEL -> suspendCancel = elf.unsigned(desc, descsz) != 0;
            case XEN_VERSION -> xenVersion = str(desc, descsz);
            case GUEST_OS -> guestOs = str(desc, descsz);
            case GUEST_VERSION -> guestVersion = str(desc, descsz);
            case LOADER -> loader = str(desc, descsz);
            case PAE_MODE -> paeMode = str(desc, descsz);
            case BSD_SYMTAB -> bsdSymtab = "yes".equals(str(desc, descsz));
            case FEATURES -> features(str(desc, descsz));
            case SUPPORTED_FEATURES -> supported |= (int) (descsz >= 4 ? elf.u32(desc) : 0);
            default -> {
                // INFO, PHYS32_ENTRY, L1_MFN_VALID and unknown notes do not affect a PV build.
            }
        }
    }

    private String str(long desc, long descsz) {
        return elf.cString(desc, desc + descsz);
    }

    /** FEATURES: '|'-separated names, '!' marks a required one; an unknown required name is an error. */
    private void features(String list) throws BadImageException {
        for (String f : list.split("\\|", -1)) {
            boolean req = f.startsWith("!");
            String name = req ? f.substring(1) : f;
            int bit = XenFeatures.bit(name);
            if (bit < 0) {
                if (req) {
                    throw new BadImageException(elf.file, "kernel requires unknown Xen feature '" + name + "'");
                }
                continue;
            }
            supported |= 1 << bit;
            if (req) {
                required |= 1 << bit;
            }
        }
    }

    /** The legacy {@code __xen_guest} string: NAME=VALUE pairs separated by commas. */
    private void guestInfo(String info) throws BadImageException {
        for (String item : info.split(",")) {
            int eq = item.indexOf('=');
            String name = eq < 0 ? item : item.substring(0, eq);
            String value = eq < 0 ? "" : item.substring(eq + 1);
            switch (name) {
                case "LOADER" -> loader = value;
                case "GUEST_OS" -> guestOs = value;
                case "GUEST_VER" -> guestVersion = value;
                case "XEN_VER" -> xenVersion = value;
                case "PAE" -> paeMode = value;
                case "BSD_SYMTAB" -> bsdSymtab = true;
                case "VIRT_BASE" -> virtBase = strtoull(value);
                case "VIRT_ENTRY" -> entry = strtoull(value);
                case "ELF_PADDR_OFFSET" -> paddrOffset = strtoull(value);
                // A page number, not an address.
                case "HYPERCALL_PAGE" -> hypercallPage = strtoull(value) << 12;
                case "FEATURES" -> features(value);
                default -> {
                }
            }
        }
        if (virtBase != XenNotes.UNSET && hypercallPage != XenNotes.UNSET) {
            hypercallPage += virtBase;
        }
    }

    /** C's strtoull with base 0: 0x.. hex, 0.. octal, else decimal; stops at the first other character. */
    static long strtoull(String s) {
        String t = s.strip();
        int radix = 10;
        int i = 0;
        if (t.startsWith("0x") || t.startsWith("0X")) {
            radix = 16;
            i = 2;
        } else if (t.startsWith("0")) {
            radix = 8;
        }
        long v = 0;
        for (; i < t.length(); i++) {
            int d = Character.digit(t.charAt(i), radix);
            if (d < 0) {
                break;
            }
            v = v * radix + d;
        }
        return v;
    }

    private void check() throws BadImageException {
        if (!loader.startsWith("generic") && !guestOs.startsWith("linux")) {
            throw new BadImageException(elf.file, "Xen loads only kernels for the generic loader or Linux (LOADER '"
                    + loader + "', GUEST_OS '" + guestOs + "')");
        }
        if (!xenVersion.startsWith("xen-3.0")) {
            throw new BadImageException(elf.file, "kernel is not built for the Xen 3.0 interface (XEN_VERSION '"
                    + xenVersion + "', expected 'xen-3.0')");
        }
        if (paddrOffset != XenNotes.UNSET && virtBase == XenNotes.UNSET) {
            throw new BadImageException(elf.file, "ELF_PADDR_OFFSET is set but VIRT_BASE is not");
        }
        if (virtBase == XenNotes.UNSET) {
            virtBase = 0;
        }
        if (paddrOffset == XenNotes.UNSET) {
            // Notes default to 0; the legacy section to VIRT_BASE (old kernels put VAs in p_paddr).
            paddrOffset = "__xen_guest".equals(source) ? virtBase : 0;
        }
        if (entry == XenNotes.UNSET) {
            entry = elf.entry;
        }
        if ((required & 1 << XenFeatures.AUTO_TRANSLATED_PHYSMAP) != 0) {
            throw new BadImageException(elf.file,
                    "kernel requires auto_translated_physmap: translated (auto-translate) PV guests are not supported");
        }
        int missing = required & ~XenFeatures.SUPPORTED_WHEN_REQUIRED;
        if (missing != 0) {
            int bit = Integer.numberOfTrailingZeros(missing);
            throw new BadImageException(elf.file, "kernel requires Xen feature " + XenFeatures.name(bit)
                    + ", which jxen does not support");
        }
    }
}
