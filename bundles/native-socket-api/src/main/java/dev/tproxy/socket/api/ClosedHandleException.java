package dev.tproxy.socket.api;

/** A handle was used after it was closed; nothing was done to any descriptor. */
public class ClosedHandleException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ClosedHandleException(String what) {
        super(what + " is closed");
    }
}
