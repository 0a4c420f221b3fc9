package dev.tproxy.socket.api;

import java.net.InetSocketAddress;

/** A non-blocking listening socket. */
public interface ListeningSocket extends NativeHandle {

    /**
     * Accepts one pending connection (non-blocking, close-on-exec).
     *
     * @return the connection with its client and original destination, or null when none is pending
     * @throws NativeException on failure; EMFILE/ENFILE mean out of file descriptors: back off and retry
     */
    Accepted accept();

    /** The address the socket is bound to. */
    InetSocketAddress localAddress();
}
