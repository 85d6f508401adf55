package dev.jxen.xenstore;

/** Internal: a request refused with the errno name the XS_ERROR reply carries (no stack trace). */
final class XsError extends RuntimeException {
    final String name;

    XsError(String name) {
        super(name, null, false, false);
        this.name = name;
    }
}
