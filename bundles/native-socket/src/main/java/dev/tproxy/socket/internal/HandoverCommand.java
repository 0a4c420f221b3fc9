package dev.tproxy.socket.internal;

import dev.tproxy.socket.api.HandleParking;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@code tproxy:handover SOCKET}, run by bin/restart in the running runtime: stops the bundles that use
 * {@link HandleParking} (the proxy parks its listening sockets and every live relay, as for a hot update), hands
 * everything parked to the new runtime waiting at SOCKET; bin/restart then stops this runtime (or it stops itself a
 * few seconds later). If the hand-over fails, those
 * bundles start again, adopt what they parked, and this runtime goes on serving; the command then fails.
 */
@Component(service = Object.class, property = {"osgi.command.scope=tproxy", "osgi.command.function=handover"})
public final class HandoverCommand {
    /** Set (to the receiver's pid) once this runtime handed everything over: its stop is then no stop of the service. */
    public static final String HANDED_OVER_TO = "tproxy.handed.over.to";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /**
     * bin/restart stops this runtime (SIGTERM) once it has the command's answer; should nothing do so, the runtime
     * stops itself after this long. Never sooner: the console must send the answer first, or bin/restart could not
     * tell a hand-over that happened from one that failed.
     */
    private static final long STOP_DELAY_MILLIS = 5_000;
    /** The priority of this runtime's threads once it handed everything over (0 is the default, 19 the lowest). */
    static final int STOPPING_NICE = 10;

    private final BundleContext context;
    private final HandleParking parking;
    private final Logger logger;

    @Activate
    public HandoverCommand(BundleContext context, @Reference HandleParking parking,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.context = context;
        this.parking = parking;
        this.logger = logger;
    }

    public String handover(String socket) throws BundleException {
        return handover(socket, (int) TIMEOUT.toSeconds());
    }

    /** ... with {@code seconds} for each step of the receiver (hold, adopt) instead of 10. */
    public synchronized String handover(String socket, int seconds) throws BundleException {
        if (seconds < 1) {
            throw new IllegalArgumentException("timeout: " + seconds + " is not a number of seconds (1 or more)");
        }
        List<Bundle> users = users();
        long start = System.nanoTime();
        for (Bundle user : users) {
            user.stop(Bundle.STOP_TRANSIENT);
        }
        long pid;
        try {
            pid = parking.handOver(socket, Duration.ofSeconds(seconds));
        } catch (IOException | RuntimeException | Error e) {
            for (Bundle user : users) {
                user.start(Bundle.START_TRANSIENT);
            }
            String why = HandoverProtocol.reason(e);
            logger.error("hand-over to {} failed: {}; this runtime goes on serving", socket, why);
            throw new IllegalStateException("hand-over to " + socket + " failed: " + why + "; this runtime goes on serving", e);
        }
        System.setProperty(HANDED_OVER_TO, Long.toString(pid));
        long millis = (System.nanoTime() - start) / 1_000_000;
        logger.info("hand-over: process {} took over in {} ms; this runtime stops", pid, millis);
        Thread stopper = new Thread(this::stopFramework, "tproxy-handover-stop");
        stopper.setDaemon(true);
        stopper.start();
        yieldTheCpu();
        return "handed over to process " + pid + " in " + millis + " ms; this runtime (pid " + ProcessHandle.current().pid()
                + ") stops now";
    }

    /**
     * Nothing is left here to relay, but stopping (bundles, the framework, a class archive written at exit) still
     * takes CPU: on a small machine that CPU is the new runtime's, whose relays have just resumed. Every thread
     * of this process gets nice {@value #STOPPING_NICE} at least, and so does this process's session when it leads
     * one (against the new runtime's session, only the sessions' priorities count: {@link SessionPriority}); what
     * it does still gets done, sooner when the CPU is free. Best effort: the hand-over happened, whatever this meets.
     */
    private void yieldTheCpu() {
        try {
            JnaThreadPriorities.lowerEveryThreadTo(STOPPING_NICE);
        } catch (IOException | RuntimeException | Error e) {
            logger.debug("hand-over: this runtime's threads keep their priority: {}", e.toString());
        }
        SessionPriority.setLater(STOPPING_NICE).exceptionally(failure -> {
            logger.debug("hand-over: this runtime's session keeps its priority: {}", failure.getCause().getMessage());
            return false;
        });
    }

    /** The bundles that hold this service, other than this one: the ones that park what they own when they stop. */
    private List<Bundle> users() {
        List<Bundle> users = new ArrayList<>();
        ServiceReference<HandleParking> reference = context.getServiceReference(HandleParking.class);
        Bundle[] using = reference == null ? null : reference.getUsingBundles();
        if (using != null) {
            for (Bundle bundle : using) {
                if (bundle.getBundleId() != context.getBundle().getBundleId() && bundle.getState() == Bundle.ACTIVE) {
                    users.add(bundle);
                }
            }
        }
        return users;
    }

    private void stopFramework() {
        try {
            Thread.sleep(STOP_DELAY_MILLIS);
            context.getBundle(0).stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (BundleException | RuntimeException e) {
            logger.error("hand-over done, but the framework did not stop: {}", e.toString());
        }
    }
}
