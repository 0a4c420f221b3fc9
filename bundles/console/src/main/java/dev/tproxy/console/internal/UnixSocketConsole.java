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
 * activation; the socket is deleted at deactivation.
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

    private final Path socket;
    private final ConsoleConnection connection;
    private final Logger log;
    private ConsoleServer server;

    @Activate
    public UnixSocketConsole(@Reference CommandProcessor processor,
                             @Reference(service = LoggerFactory.class) Logger log,
                             BundleContext context) {
        this(processor, log, socketPath(context::getProperty));
    }

    UnixSocketConsole(CommandProcessor processor, Logger log, Path socket) {
        this.socket = socket;
        this.connection = new ConsoleConnection(processor, log);
        this.log = log;
    }

    @Activate
    void activate() throws IOException {
        try {
            server = ConsoleServer.open(socket, (channel, id) ->
                connection.serve(Channels.newInputStream(channel), Channels.newOutputStream(channel), id), log);
        } catch (IOException e) {
            log.error("console: cannot listen on {}: {}", socket, e.getMessage());
            throw e;
        }
        log.info("console: listening on {}", server.path());
    }

    @Deactivate
    void deactivate() {
        server.close();
        log.info("console: closed {}", server.path());
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
