package dev.tproxy.proxy.api;

/** Why the upstream connect failed (the client then receives a reset). */
public enum UpstreamFailure {
    /** The server answered with RST (nothing listens). */
    REFUSED,
    /** No route, or an ICMP unreachable. */
    UNREACHABLE,
    /** No answer within the connect timeout. */
    TIMEOUT,
    /** Anything else: the log line names the errno. */
    OTHER
}
