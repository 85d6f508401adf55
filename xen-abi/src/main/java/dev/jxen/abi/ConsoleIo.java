package dev.jxen.abi;

/**
 * {@code console_io} commands ({@code xen.h}) and the layout of {@code struct xencons_interface}
 * ({@code xen/include/public/io/console.h}, Xen 4.17).
 */
public final class ConsoleIo {
    private ConsoleIo() {
    }

    public static final int CONSOLEIO_WRITE = 0;
    public static final int CONSOLEIO_READ = 1;

    public static final int IN = 0, IN_SIZE = 1024;
    public static final int OUT = 1024, OUT_SIZE = 2048;
    public static final int IN_CONS = 3072, IN_PROD = 3076, OUT_CONS = 3080, OUT_PROD = 3084;
}
