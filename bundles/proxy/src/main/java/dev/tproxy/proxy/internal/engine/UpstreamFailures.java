package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.socket.api.Errno;

/** Classifies a failed connect's errno. */
final class UpstreamFailures {
    private UpstreamFailures() {}

    static UpstreamFailure of(int errno) {
        return switch (errno) {
            case Errno.ECONNREFUSED, Errno.ECONNRESET -> UpstreamFailure.REFUSED;
            case Errno.EHOSTUNREACH, Errno.ENETUNREACH -> UpstreamFailure.UNREACHABLE;
            case Errno.ETIMEDOUT -> UpstreamFailure.TIMEOUT;
            default -> UpstreamFailure.OTHER;
        };
    }
}
