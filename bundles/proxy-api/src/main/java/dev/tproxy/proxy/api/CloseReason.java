package dev.tproxy.proxy.api;

/** Why a relayed connection ended. */
public enum CloseReason {
    /** Both directions ended with a FIN: the normal end. */
    COMPLETED,
    /** No byte either way for the listener's idle timeout; closed with FIN. */
    IDLE_TIMEOUT,
    /** One direction had ended and the other carried no byte for the half-closed timeout; closed with FIN. */
    HALF_CLOSED_TIMEOUT,
    /** The client reset the connection or went away; the server was reset too. */
    CLIENT_RESET,
    /** The server reset the connection or became unreachable; the client was reset too. */
    SERVER_RESET,
    /** The upstream connect failed; the client was reset (see the upstream failures by reason). */
    UPSTREAM_FAILED,
    /** An operator dropped it, or its listener was removed and the grace period ran out. */
    DROPPED,
    /** The proxy stopped for good (not for an update, which carries connections over). */
    SHUTDOWN,
    /** Handling it failed unexpectedly (an errno or an error the proxy does not expect); it was reset and logged. */
    FAULT
}
