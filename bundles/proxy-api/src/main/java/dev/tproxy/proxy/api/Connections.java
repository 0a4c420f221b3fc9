package dev.tproxy.proxy.api;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/** The proxy's live connections, statistics and listeners: what operators inspect and act on. */
@ProviderType
public interface Connections {

    /** Live connections that match {@code filter}, oldest first. */
    List<ConnectionInfo> list(ConnectionFilter filter);

    Optional<ConnectionInfo> get(long id);

    /**
     * Closes the connections with these ids.
     *
     * @return the ones that were live and are now being closed; unknown ids are left out
     */
    List<ConnectionInfo> drop(List<Long> ids, DropMode mode);

    /** Closes every live connection that matches {@code filter}; returns what was dropped. */
    List<ConnectionInfo> drop(ConnectionFilter filter, DropMode mode);

    /** Counters per listener, plus their totals. */
    Statistics statistics();

    /** Every configured listener with its settings, state and last error. */
    List<ListenerInfo> listeners();
}
