package dev.tproxy.proxy.internal.listener;

import dev.tproxy.proxy.api.Durations;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.internal.config.ConfigurationError;
import dev.tproxy.proxy.internal.config.ListenerConfig;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.proxy.internal.engine.EventLog;
import dev.tproxy.proxy.internal.engine.ListenerRuntime;
import dev.tproxy.proxy.internal.engine.OsgiEventLog;
import dev.tproxy.proxy.internal.engine.RelayEngine;
import dev.tproxy.proxy.internal.engine.RelayEngineComponent;
import dev.tproxy.socket.api.ListeningSocket;
import dev.tproxy.socket.api.NativeException;
import dev.tproxy.socket.api.TransparentSocketService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One transparent listener per factory configuration of PID {@value ListenerConfig#PID}. A change applies
 * live: new values for limits, ACLs, timeouts and source mode take effect for new connections at once; a new
 * port or address opens the new sockets before closing the old. A bad value is refused with the field's name
 * and the listener keeps running with its last good configuration.
 */
@Component(name = ListenerConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
@Designate(ocd = ListenerConfig.class, factory = true)
public final class ProxyListener {
    private final RelayEngine engine;
    private final TransparentSocketService sockets;
    private final EventLog log;
    private final ListenerRuntime runtime;
    private static final int RETRY_SECONDS = 5;
    private ListenerConfig latest;
    private boolean deactivated;

    @Activate
    public ProxyListener(@Reference RelayEngineComponent engine, @Reference TransparentSocketService sockets,
            @Reference(service = LoggerFactory.class) Logger logger, ListenerConfig config, Map<String, Object> properties) {
        this.engine = engine.engine();
        this.sockets = sockets;
        this.log = new OsgiEventLog(logger);
        this.runtime = this.engine.listenerRuntime(String.valueOf(properties.get("service.pid")));
        apply(config);
    }

    @Modified
    public void modified(ListenerConfig config) {
        apply(config);
    }

    private synchronized void apply(ListenerConfig config) {
        latest = config;
        ListenerSettings next;
        try {
            next = ListenerSettings.from(config);
        } catch (ConfigurationError e) {
            reject("rejected configuration: " + e.getMessage());
            return;
        }
        ListenerSettings current = runtime.settings();
        boolean running = runtime.state() == ListenerState.RUNNING;
        if (running && !current.needsNewSockets(next)) {
            runtime.settings(next);
            runtime.state(ListenerState.RUNNING, null);
            log.info("listener " + next.name() + ": reconfigured " + next.describe());
            return;
        }
        List<ListeningSocket> opened;
        try {
            opened = claimParkedOrOpen(next);
        } catch (NativeException e) {
            if (running) {
                reject("cannot apply the new configuration: " + e.getMessage());
            } else {
                runtime.settings(next);
                runtime.state(ListenerState.FAILED, e.getMessage() + " (retrying every " + RETRY_SECONDS + "s)");
                log.warn("listener " + next.name() + ": not listening: " + e.getMessage() + "; retrying every " + RETRY_SECONDS + "s");
                retryLater(config);
            }
            return;
        }
        List<ListeningSocket> previous = runtime.sockets();
        runtime.settings(next);
        opened.forEach(socket -> engine.attach(runtime, socket));
        runtime.sockets(opened);
        runtime.state(ListenerState.RUNNING, null);
        closeAll(previous);
        log.info("listener " + next.name() + ": listening on " + runtime.info().boundAddresses() + " " + next.describe());
    }

    /**
     * The sockets an earlier version of this listener parked, if they match {@code settings}: taking them over
     * means the port never stopped listening (SYNs waited in their backlog). Otherwise new sockets.
     */
    private List<ListeningSocket> claimParkedOrOpen(ListenerSettings settings) {
        List<ListeningSocket> previous = engine.parking().claimListenerSockets(runtime.pid());
        if (!previous.isEmpty()) {
            if (ListenerSockets.match(previous, settings)) {
                log.info("listener " + settings.name() + ": took over its listening sockets from the previous version");
                return previous;
            }
            previous.forEach(ListeningSocket::close);
        }
        return ListenerSockets.open(sockets, settings);
    }

    /** A port still held by someone else, an address not configured yet: the listener tries again by itself. */
    private void retryLater(ListenerConfig config) {
        CompletableFuture.delayedExecutor(RETRY_SECONDS, TimeUnit.SECONDS).execute(() -> {
            synchronized (this) {
                if (!deactivated && runtime.state() == ListenerState.FAILED && latest == config) {
                    apply(config);
                }
            }
        });
    }

    private void reject(String error) {
        if (runtime.settings() == null) {
            runtime.state(ListenerState.FAILED, error);
            log.warn("listener " + runtime.pid() + ": " + error);
        } else {
            runtime.lastError(error + "; keeping the previous configuration");
            log.warn("listener " + runtime.name() + ": " + error + "; keeping the previous configuration");
        }
    }

    private void closeAll(List<ListeningSocket> listening) {
        for (ListeningSocket socket : listening) {
            engine.detach(socket);
            socket.close();
        }
    }

    /**
     * A deleted configuration closes the sockets and lets the listener's connections drain for the grace period.
     * Any other reason (the bundle stops or is updated, the engine is replaced) parks the sockets, open and still
     * queueing SYNs, for the next version to take over.
     */
    @Deactivate
    public synchronized void deactivate(int reason) {
        deactivated = true;
        List<ListeningSocket> listening = runtime.sockets();
        runtime.sockets(List.of());
        listening.forEach(engine::detach);
        if (reason == ComponentConstants.DEACTIVATION_REASON_CONFIGURATION_DELETED
                || reason == ComponentConstants.DEACTIVATION_REASON_DISABLED) {
            listening.forEach(ListeningSocket::close);
            runtime.state(ListenerState.STOPPED, null);
            engine.retire(runtime);
            log.info("listener " + runtime.name() + ": removed; its connections may finish within " + Durations.format(engine.grace()));
        } else {
            engine.parking().parkListenerSockets(runtime.pid(), listening);
            log.info("listener " + runtime.name() + ": stopped; sockets parked for " + Durations.format(engine.grace()));
        }
    }
}
