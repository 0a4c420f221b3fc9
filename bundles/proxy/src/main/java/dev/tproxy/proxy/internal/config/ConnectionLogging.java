package dev.tproxy.proxy.internal.config;

/** Which ended connections get their one log line. */
public enum ConnectionLogging {
    /** Every connection. */
    ALL,
    /** Only those that ended in a reset: refused or failed upstreams, resets from a peer, timeouts, drops with RST. */
    FAILURES,
    /** None (counters still count everything). */
    NONE
}
