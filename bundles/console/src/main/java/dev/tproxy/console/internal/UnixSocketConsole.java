package dev.tproxy.console.internal;

import dev.tproxy.console.internal.protocol.FrameCodec;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The administrator's way into the running appliance's Gogo console without a TCP port: the Gogo
 * {@link CommandProcessor} served on a Unix-domain socket that only the runtime's own user can connect to
 * (socket 0600 inside a 0700 directory). Each connection gets its own {@code CommandSession}.
 *
 * <p>The socket path is the framework property {@value #SOCKET_PROPERTY}, by default
 * {@code ${tproxy.home}/data/console.sock}. A stale socket left by a runtime that died is removed at
 * activation; the socket is deleted at deactivation. In a runtime that takes over from a running one (bin/restart:
 * the framework property {@value #HANDOVER_PROPERTY} is set), a console that still answers on the path is the old
 * runtime's: this one waits for it to go and then takes the path.
 *
 * <p>Protocol (version 1, framed, request/reply; the wire format is in {@link FrameCodec}): the client sends a
 * COMMAND frame holding one command line; the runtime answers with OUT and ERR frames (the command's output and
 * its result formatted like the Gogo shell does) and one STATUS frame: 0 when the command returned, 1 when it
 * threw (then one ERR line with the exception's message). The client may send further commands on the same
 * connection; {@code exit} or closing the connection detaches; neither ever stops the framework. An empty
 * command is a liveness probe (STATUS 0, no output). Commands cannot read standard input.
 *
 * <p>The client is in this same jar ({@code java -jar dev.tproxy.console.jar --socket PATH [command...]}).
 */
@Component(configurationPolicy = ConfigurationPolicy.IGNORE)
public final class UnixSocketConsole {
    static final String SOCKET_PROPERTY = "tproxy.console.socket";
    static final String HOME_PROPERTY = "tproxy.home";
    static final String HANDOVER_PROPERTY = "tproxy.handover.receive";
    private static final long WAIT_TICK_MILLIS = 100;
    private static final long WAIT_LIMIT_MILLIS = 120_000;

    private final Path socket;
    private final ConsoleConnection connection;
    private final Logger log;
    private final boolean handingOver;
    private ConsoleServer server;
    private Thread waiter;
    private boolean closed;

    @Activate
    public UnixSocketConsole(@Reference CommandProcessor processor,
                             @Reference(service = LoggerFactory.class) Logger log,
                             BundleContext context) {
        this(processor, log, socketPath(context::getProperty), context.getProperty(HANDOVER_PROPERTY) != null);
    }

    UnixSocketConsole(CommandProcessor processor, Logger log, Path socket, boolean handingOver) {
        this.socket = socket;
        this.connection = new ConsoleConnection(processor, log);
        this.log = log;
        this.handingOver = handingOver;
    }

    @Activate
    synchronized void activate() throws IOException {
        try {
            server = open();
        } catch (SocketFiles.BusyException e) {
            if (!handingOver) {
                log.error("console: cannot listen on {}: {}", socket, e.getMessage());
                throw e;
            }
            log.info("console: {} is the previous runtime's until it stops; waiting", socket);
            waiter = new Thread(this::waitForPrevious, "tproxy-console-wait");
            waiter.setDaemon(true);
            waiter.start();
            return;
        } catch (IOException e) {
            log.error("console: cannot listen on {}: {}", socket, e.getMessage());
            throw e;
        }
        log.info("console: listening on {}", server.path());
    }

    private ConsoleServer open() throws IOException {
        return ConsoleServer.open(socket, (channel, id) ->
            connection.serve(Channels.newInputStream(channel), Channels.newOutputStream(channel), id), log);
    }

    /**
     * Takes the path once the previous runtime's console is gone. Any failure while the previous runtime stops is
     * tried again (it may be deleting the node as this one looks at it); the last one is reported at the limit.
     */
    private void waitForPrevious() {
        long deadline = System.nanoTime() + WAIT_LIMIT_MILLIS * 1_000_000;
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(WAIT_TICK_MILLIS);
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    server = open();
                    log.info("console: listening on {}", server.path());
                    return;
                }
            } catch (IOException e) {
                last = e; // BusyException: still the previous runtime's
            } catch (InterruptedException e) {
                return;
            }
        }
        log.error("console: cannot listen on {} after waiting {} s for the previous runtime: {}; no console in this runtime",
            socket, WAIT_LIMIT_MILLIS / 1000, last == null ? "" : last.toString());
    }

    @Deactivate
    void deactivate() {
        Thread waiting;
        ConsoleServer open;
        synchronized (this) {
            closed = true;
            waiting = waiter;
            open = server;
        }
        if (waiting != null) {
            waiting.interrupt();
        }
        if (open != null) {
            open.close();
            log.info("console: closed {}", open.path());
        }
    }

    static Path socketPath(UnaryOperator<String> properties) {
        String explicit = properties.apply(SOCKET_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit.strip()).toAbsolutePath();
        }
        String home = properties.apply(HOME_PROPERTY);
        Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home.strip());
        return base.resolve("data").resolve("console.sock").toAbsolutePath();
    }
}
