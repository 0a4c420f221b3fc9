package dev.tproxy.proxy.api;

/** Why a listener refused a client (with a reset) before connecting upstream. */
public enum RefusalReason {
    /** The client's address is outside the listener's allowed networks. */
    ACL,
    /** The listener is at its connection limit. */
    CONNECTION_LIMIT,
    /** The client address is at its per-client limit. */
    CLIENT_LIMIT,
    /** The original destination is the proxy's own listener: relaying would loop. */
    LOOP,
    /**
     * The original destination is one the proxy never connects to: unspecified, loopback, multicast, broadcast, an
     * IPv4-mapped or -compatible IPv6 address, or an address of the router itself.
     */
    DESTINATION,
    /** The process ran out of file descriptors while setting up the connection. */
    NO_FILE_DESCRIPTORS
}
