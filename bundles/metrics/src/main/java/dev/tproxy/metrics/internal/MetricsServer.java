package dev.tproxy.metrics.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tproxy.proxy.api.Connections;
import dev.tproxy.socket.api.ThreadPriorities;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.Designate;

/**
 * {@code GET /metrics} in Prometheus' text format, on the JDK's own HTTP server with one thread of its own: a scrape
 * reads snapshots of counters and never waits on an event loop. Runs while configuration {@value MetricsConfig#PID}
 * exists; a changed address or port opens the new endpoint before closing the old one, and a bad value is refused
 * by its field's name, the endpoint in force kept. The proxy's families are left out while its bundle is being
 * updated (the Connections service is dynamic), the process's stay.
 */
@Component(configurationPid = MetricsConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MetricsConfig.class)
public final class MetricsServer {
    private final Logger log;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Connections connections;
    private HttpServer server;
    private ExecutorService thread;
    private MetricsEndpoint endpoint;
    /** A bind that failed with no endpoint open is tried again every second, on a timer made when needed. */
    private ScheduledExecutorService retryTimer;
    private Optional<ScheduledFuture<?>> pendingRetry = Optional.empty();
    private boolean retrying;

    /** Without it (native-socket not running) scrapes run at normal priority. */
    private final ThreadPriorities priorities;

    @Activate
    public MetricsServer(@Reference(service = LoggerFactory.class) Logger log,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
            ThreadPriorities priorities) {
        this.log = log;
        this.priorities = priorities;
    }

    /**
     * A scrape yields the CPU to the event loops: at 9,500 connections one took 40-70 ms of CPU (listing
     * /proc/self/fd for process_open_fds), which on the loops' core delayed their work.
     */
    private void lowerPriority() {
        if (priorities != null) {
            try {
                priorities.lowerCallingThread();
            } catch (RuntimeException e) {
                log.warn("metrics: scrapes run at normal priority: {}", e.getMessage());
            }
        }
    }

    @Activate
    @Modified
    synchronized void configure(MetricsConfig config) {
        pendingRetry.ifPresent(retry -> retry.cancel(false));
        pendingRetry = Optional.empty();
        MetricsEndpoint next;
        try {
            next = MetricsEndpoint.from(config.address(), config.port());
        } catch (IllegalArgumentException e) {
            log.warn("metrics: rejected configuration: {}; {}", e.getMessage(),
                    endpoint == null ? "no endpoint" : "keeping http://" + endpoint + "/metrics");
            return;
        }
        if (next.equals(endpoint)) {
            return;
        }
        HttpServer opened;
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(() -> {
                lowerPriority();
                runnable.run();
            }, "tproxy-metrics");
            t.setDaemon(true);
            return t;
        });
        try {
            opened = HttpServer.create(next.socketAddress(), 16);
        } catch (IOException e) {
            executor.shutdown();
            if (endpoint == null) {
                // e.g. the previous runtime still holds the port during bin/restart: it is free a moment later
                if (!retrying) {
                    log.error("metrics: cannot listen on {}: {}; trying again every second", next, e.getMessage());
                }
                retrying = true;
                if (retryTimer == null) {
                    retryTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
                        Thread timer = new Thread(runnable, "tproxy-metrics-retry");
                        timer.setDaemon(true);
                        return timer;
                    });
                }
                pendingRetry = Optional.of(retryTimer.schedule(() -> configure(config), 1, TimeUnit.SECONDS));
            } else {
                log.error("metrics: cannot listen on {}: {}; keeping http://{}/metrics", next, e.getMessage(), endpoint);
            }
            return;
        }
        retrying = false;
        opened.createContext("/metrics", this::scrape);
        opened.setExecutor(executor);
        opened.start();
        close();
        server = opened;
        thread = executor;
        endpoint = next;
        log.info("metrics: serving http://{}/metrics", endpoint);
    }

    @Deactivate
    synchronized void deactivate() {
        pendingRetry = Optional.empty();
        if (retryTimer != null) {
            retryTimer.shutdownNow();
        }
        close();
        if (endpoint != null) {
            log.info("metrics: closed http://{}/metrics", endpoint);
        }
    }

    private void close() {
        if (server != null) {
            server.stop(0);
            thread.shutdownNow();
            server = null;
        }
    }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = render(connections).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", PrometheusText.CONTENT_TYPE);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    static String render(Connections proxy) {
        PrometheusText out = new PrometheusText();
        if (proxy != null) {
            ProxyMetrics.write(out, proxy.statistics(), proxy.listeners());
        }
        ProcessMetrics.write(out);
        return out.toString();
    }

}
