package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.internal.config.AccessLogFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link EventLog} that keeps every line, and every ended connection's record. */
final class RecordingLog implements EventLog {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<ClosedConnection> closed = new CopyOnWriteArrayList<>();

    @Override
    public void info(String message) {
        lines.add("INFO " + message);
    }

    @Override
    public void warn(String message) {
        lines.add("WARN " + message);
    }

    @Override
    public void error(String message, Throwable cause) {
        lines.add("ERROR " + message + " " + cause);
    }

    @Override
    public void connectionClosed(ClosedConnection connection, AccessLogFormat format) {
        closed.add(connection);
        info(connection.line());
    }

    /** The record of connection {@code id}, or null while it has not ended. */
    ClosedConnection closedConnection(long id) {
        return closed.stream().filter(c -> c.id() == id).findFirst().orElse(null);
    }
}
