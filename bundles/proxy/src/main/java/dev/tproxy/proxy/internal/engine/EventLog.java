package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.internal.config.AccessLogFormat;

/** Where the engine writes its one-line events; the OSGi Log Service in the runtime, a list in tests. */
public interface EventLog {
    void info(String message);

    void warn(String message);

    void error(String message, Throwable cause);

    /** The access-log line of a connection that ended; an asynchronous log formats it on its own thread. */
    default void connectionClosed(ClosedConnection connection, AccessLogFormat format) {
        info(connection.line());
    }
}
