package dev.jxen.abi;

/** {@code callback_op} commands, callback types and flags of {@code xen/include/public/callback.h}. */
public final class CallbackOp {
    private CallbackOp() {
    }

    public static final int REGISTER = 0, UNREGISTER = 1;
    public static final int TYPE_EVENT = 0, TYPE_FAILSAFE = 1, TYPE_SYSCALL = 2, TYPE_NMI = 4,
            TYPE_SYSENTER = 5, TYPE_SYSCALL32 = 7;
    public static final int CALLBACKF_MASK_EVENTS = 1;
}
