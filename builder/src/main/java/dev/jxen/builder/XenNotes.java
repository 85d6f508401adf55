package dev.jxen.builder;

/**
 * The Xen parameters of a kernel image, from its ELF notes ({@code xen/include/public/elfnote.h}) or
 * its legacy {@code __xen_guest} section, after Xen's defaults and address arithmetic
 * ({@code libelf-dominfo.c}): every address is a guest virtual address.
 *
 * @param source             where they came from: "PT_NOTE", "SHT_NOTE" or "__xen_guest"
 * @param virtBase           VA of PFN 0 (VIRT_BASE, default 0)
 * @param paddrOffset        PADDR_OFFSET as used (default 0 with notes, VIRT_BASE with __xen_guest)
 * @param entry              entry VA (ENTRY, default e_entry)
 * @param hypercallPage      VA of the page to fill with hypercall stubs, or {@link #UNSET}
 * @param initP2m            INIT_P2M VA for the P2M list, or {@link #UNSET}
 * @param hvStartLow         HV_START_LOW, or {@link #UNSET}
 * @param guestOs            GUEST_OS ("" when absent)
 * @param guestVersion       GUEST_VERSION
 * @param xenVersion         XEN_VERSION
 * @param loader             LOADER
 * @param paeMode            PAE_MODE
 * @param featuresSupported  XENFEAT bits the kernel knows (FEATURES, SUPPORTED_FEATURES)
 * @param featuresRequired   XENFEAT bits the kernel requires ('!' in FEATURES)
 * @param modStartPfn        MOD_START_PFN: the kernel takes an unmapped initrd given by PFN
 * @param suspendCancel      SUSPEND_CANCEL
 * @param bsdSymtab          BSD_SYMTAB=yes (not loaded by jxen yet)
 */
public record XenNotes(String source, long virtBase, long paddrOffset, long entry, long hypercallPage,
                       long initP2m, long hvStartLow, String guestOs, String guestVersion, String xenVersion,
                       String loader, String paeMode, int featuresSupported, int featuresRequired,
                       boolean modStartPfn, boolean suspendCancel, boolean bsdSymtab) {
    /** Xen's UNSET_ADDR. */
    public static final long UNSET = -1L;

    public boolean hasHypercallPage() {
        return hypercallPage != UNSET;
    }
}
