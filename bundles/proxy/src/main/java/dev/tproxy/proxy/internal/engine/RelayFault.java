package dev.tproxy.proxy.internal.engine;

/** A socket of a relay failed (reset, broken pipe): which side, and the errno. Cheap: no stack trace. */
final class RelayFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int side;
    final int errno;

    RelayFault(int side, int errno, String message) {
        super(message, null, false, false);
        this.side = side;
        this.errno = errno;
    }
}
