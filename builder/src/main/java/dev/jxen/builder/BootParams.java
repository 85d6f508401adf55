package dev.jxen.builder;

/**
 * What the toolstack decides about a new domain's start, beyond the kernel image.
 *
 * @param ramdisk                 initrd / module bytes, or null for none
 * @param cmdline                 kernel command line (start_info keeps at most 1023 bytes of it)
 * @param domid                   the domain's id
 * @param sharedInfoMachineAddress machine address of the domain's shared_info page
 * @param consoleEvtchn           the console ring's event-channel port (unbound, remote dom0)
 * @param storeEvtchn             the xenstore ring's event-channel port (unbound, remote dom0)
 * @param flags                   extra SIF_* flags for start_info (0 for a plain domU)
 */
public record BootParams(byte[] ramdisk, String cmdline, int domid, long sharedInfoMachineAddress,
                         int consoleEvtchn, int storeEvtchn, int flags) {
    public BootParams {
        cmdline = cmdline == null ? "" : cmdline;
    }
}
