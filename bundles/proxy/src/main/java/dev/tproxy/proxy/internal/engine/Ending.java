package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.Durations;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.socket.api.Errno;
import java.time.Duration;
import java.util.Locale;

/**
 * How a relay ends: FIN or RST to both peers, why (counted by reason), the detail for the log line, a failed
 * upstream connect's own reason, and the exception of a fault, if one was thrown.
 */
record Ending(CloseReason reason, String detail, boolean reset, UpstreamFailure upstreamFailure, Throwable cause) {
    static final Ending COMPLETED = new Ending(CloseReason.COMPLETED, "completed", false, null, null);
    static final Ending SHUTDOWN = new Ending(CloseReason.SHUTDOWN, "proxy stopped", false, null, null);

    static Ending idleTimeout(Duration idle) {
        return new Ending(CloseReason.IDLE_TIMEOUT, "idle timeout " + Durations.format(idle), false, null, null);
    }

    static Ending halfClosedTimeout(Duration timeout) {
        return new Ending(CloseReason.HALF_CLOSED_TIMEOUT, "half-closed timeout " + Durations.format(timeout), false, null, null);
    }

    static Ending dropped(DropMode mode) {
        return mode == DropMode.RESET ? new Ending(CloseReason.DROPPED, "dropped by operator (reset)", true, null, null)
                : new Ending(CloseReason.DROPPED, "dropped by operator", false, null, null);
    }

    static Ending clientGone() {
        return new Ending(CloseReason.CLIENT_RESET, "client went away while connecting", true, null, null);
    }

    /**
     * A socket of the relay failed with {@code errno}: a reset (or an unreachable peer) passed on to the other side,
     * or, for an errno the relay does not expect, a fault.
     */
    static Ending socketFailed(int side, int errno) {
        String who = side == Relay.CLIENT ? "client" : "server";
        boolean peer = Errno.isPeerReset(errno) || errno == Errno.EHOSTUNREACH || errno == Errno.ENETUNREACH;
        CloseReason reason = !peer ? CloseReason.FAULT : side == Relay.CLIENT ? CloseReason.CLIENT_RESET : CloseReason.SERVER_RESET;
        return new Ending(reason, who + " " + Errno.name(errno), true, null, null);
    }

    static Ending upstreamFailed(UpstreamFailure failure, String detail) {
        return new Ending(CloseReason.UPSTREAM_FAILED,
                "upstream " + failure.name().toLowerCase(Locale.ROOT) + " (" + detail + ")", true, failure, null);
    }

    static Ending fault(Throwable cause) {
        return new Ending(CloseReason.FAULT, "internal error: " + cause, true, null, cause);
    }
}
