package dev.tproxy.itests.engine;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.proxy.internal.connections.ConnectionsService;
import dev.tproxy.proxy.internal.engine.EventLog;
import dev.tproxy.proxy.internal.engine.RelayEngine;
import dev.tproxy.proxy.internal.listener.ProxyListener;
import dev.tproxy.socket.internal.JnaTransparentSocketService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The relay engine and one listener, running in the lab's router namespace without a framework: the loops are
 * started from a thread inside the namespace, so they and every socket they open live there.
 */
final class ProxyUnderTest implements AutoCloseable {
    final JnaTransparentSocketService sockets = new JnaTransparentSocketService();
    final List<String> log = new CopyOnWriteArrayList<>();
    final RelayEngine engine;
    final ProxyListener listener;
    final ConnectionsService connections;

    ProxyUnderTest(Lab lab, Map<String, Object> config) throws Exception {
        EventLog events = new EventLog() {
            @Override
            public void info(String message) {
                log.add("INFO " + message);
            }

            @Override
            public void warn(String message) {
                log.add("WARN " + message);
            }

            @Override
            public void error(String message, Throwable cause) {
                log.add("ERROR " + message + ": " + cause);
            }
        };
        engine = lab.inNamespace(lab.router(), () -> new RelayEngine(sockets, events, 2, 1024, 16));
        listener = lab.inNamespace(lab.router(), () -> new ProxyListener(engine, sockets, events, "dev.tproxy.listener~test", Configs.listener(config)));
        connections = new ConnectionsService(engine);
    }

    @Override
    public void close() {
        listener.deactivate();
        engine.stop();
    }
}
