package dev.tproxy.systemd.internal;

import dev.tproxy.proxy.api.Connections;
import dev.tproxy.proxy.api.Liveness;
import dev.tproxy.socket.api.UnixDatagrams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * sd_notify for {@code Type=notify} units, active only when systemd set {@code $NOTIFY_SOCKET}. The proxy's
 * services are optional and dynamic here: a hot update of the proxy bundle neither restarts this component nor
 * looks like a stop to systemd (only the framework's own stop sends STOPPING=1), and while the engine is away the
 * watchdog pings pause.
 */
@Component(immediate = true)
public final class SystemdNotifier {
    /** The system property tproxy:handover (native-socket bundle) sets to the pid of the runtime that took over. */
    static final String HANDED_OVER_TO = "tproxy.handed.over.to";
    /** Until READY=1 the listeners are looked at often: it is what the start waits for. */
    private static final Duration STARTING_TICK = Duration.ofMillis(50);
    private static final Duration RUNNING_TICK = Duration.ofSeconds(1);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Connections connections;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    volatile Liveness liveness;

    private final BundleContext context;
    private final Logger logger;
    private final Optional<ScheduledExecutorService> ticker;
    private final SynchronousBundleListener frameworkStop;
    private Notifier notifier;
    private volatile boolean failing;

    @Activate
    public SystemdNotifier(BundleContext context, @Reference UnixDatagrams datagrams,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.context = context;
        this.logger = logger;
        NotifyEnvironment env = NotifyEnvironment.of(System.getenv(), ProcessHandle.current().pid());
        if (env.socket().isEmpty()) {
            ticker = Optional.empty();
            frameworkStop = null;
            return;
        }
        String socket = env.socket().get();
        String home = context.getProperty("tproxy.home");
        Supplier<Set<String>> expected = home == null ? Set::of : new ListenerFiles(Path.of(home, "etc"))::expectedPids;
        Notifier created = new Notifier(message -> send(datagrams, socket, message), env.pingInterval(), expected,
                () -> Optional.ofNullable(connections), () -> Optional.ofNullable(liveness));
        this.notifier = created;
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tproxy-systemd-notify");
            thread.setDaemon(true);
            return thread;
        });
        ticker = Optional.of(executor);
        Duration tick = env.watchdog().isPresent() ? min(RUNNING_TICK, env.pingInterval().dividedBy(2)) : RUNNING_TICK;
        executor.scheduleWithFixedDelay(() -> tick(tick), 0, STARTING_TICK.toMillis(), TimeUnit.MILLISECONDS);
        frameworkStop = event -> {
            if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
                executor.execute(() -> stopping(created));
            }
        };
        context.addBundleListener(frameworkStop);
        logger.info("systemd notify socket {}: READY=1 once every listener is bound{}", socket,
            env.watchdog().map(timeout -> "; watchdog every " + env.pingInterval().toMillis() + " ms (timeout "
                + timeout.toMillis() + " ms) while the event loops make progress").orElse(""));
    }

    private long lastTickNanos;

    /** Runs every STARTING_TICK; once ready, does the work only every {@code runningTick}. */
    private void tick(Duration runningTick) {
        long now = System.nanoTime();
        if (notifier.ready() && now - lastTickNanos < runningTick.toNanos() - STARTING_TICK.toNanos() / 2) {
            return;
        }
        lastTickNanos = now;
        try {
            notifier.tick(now);
        } catch (RuntimeException e) {
            logger.error("systemd notification failed", e);
        }
    }

    private void send(UnixDatagrams datagrams, String socket, String message) {
        try {
            datagrams.send(socket, message.getBytes(StandardCharsets.UTF_8));
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                logger.warn("cannot notify systemd at {}: {}", socket, e.getMessage());
            }
            failing = true;
        }
    }

    /** STOPPING=1, or MAINPID= of the process that took over (the native-socket bundle's tproxy:handover sets it). */
    private static void stopping(Notifier notifier) {
        String successor = System.getProperty(HANDED_OVER_TO);
        if (successor != null && successor.matches("[0-9]+")) {
            notifier.handedOver(Long.parseLong(successor));
        } else {
            notifier.stopping();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Deactivate
    void deactivate() {
        if (frameworkStop != null) {
            context.removeBundleListener(frameworkStop);
        }
        ticker.ifPresent(executor -> {
            if (context.getBundle(0).getState() == Bundle.STOPPING) {
                executor.execute(() -> stopping(notifier));
            }
            executor.shutdown();
            try {
                executor.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
