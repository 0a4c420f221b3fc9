package dev.tproxy.proxy.api;

/** Whether a listener is accepting connections. */
public enum ListenerState {
    /** All its sockets are open and accepting. */
    RUNNING,
    /** It could not open its sockets, or its first configuration was invalid; see the error. */
    FAILED,
    /** It is being removed; connections it accepted are closing. */
    STOPPED
}
