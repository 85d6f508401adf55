package dev.jxen.hypervisor.dom0;

import dev.jxen.abi.XenErrno;

/** A dom0 API call refused by the hypervisor, with the errno Xen returns for it. */
public final class Dom0Exception extends RuntimeException {
    private final int errno;

    /** {@code errno} is positive (EINVAL, EPERM...). */
    public Dom0Exception(int errno, String message) {
        super(message + " (" + XenErrno.name(errno) + ")");
        this.errno = errno;
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }
}
