package dev.tproxy.console.internal;

import dev.tproxy.console.internal.client.ConsoleClient;
import dev.tproxy.console.internal.client.LineEditor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The console on the terminal of {@code bin/tproxy} (framework property {@value #PROPERTY}=true), with the line
 * editing and history of {@code bin/client} (JLine, from the jline bundle): one command per line, run and printed
 * as on the console socket; {@code exit} or Ctrl-D stops the runtime. It replaces gosh's interactive loop, which
 * has no line editing (arrows typed {@code ^[[A}); gosh still reads {@code etc/gosh_profile}'s commands here.
 */
@Component(configurationPolicy = ConfigurationPolicy.IGNORE)
public final class ForegroundConsole {
    static final String PROPERTY = "tproxy.console.foreground";
    private static final String PROMPT = "tproxy> ";
    private static final String COMMAND_SCOPE = "osgi.command.scope";
    private static final Duration COMMANDS_WAIT = Duration.ofSeconds(30);

    private final BundleContext context;
    private final CommandProcessor processor;
    private final Logger log;
    private Thread thread;

    @Activate
    public ForegroundConsole(BundleContext context, @Reference CommandProcessor processor,
                             @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.processor = processor;
        this.log = log;
    }

    @Activate
    void activate() {
        if (!Boolean.parseBoolean(context.getProperty(PROPERTY))) {
            return;
        }
        thread = new Thread(this::run, "tproxy-foreground-console");
        thread.setDaemon(true);
        thread.start();
    }

    @Deactivate
    void deactivate() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        try (LineEditor editor = LineEditor.onSystemTerminal(ConsoleClient.historyFile())) {
            CommandSession session = processor.createSession(System.in, out, err);
            session.put(".context", context);
            session.put("SCOPE", "gogo:*");
            runProfile(session, out, err);
            awaitProxyCommands(out);
            out.println("tproxy: console with line editing and history. 'help' lists commands; 'exit' or Ctrl-D stops the"
                    + " runtime (bin/client attaches without stopping it).");
            loop(editor::readLine, session, out, err);
            session.close();
        } catch (IOException | RuntimeException | LinkageError e) {
            log.error("foreground console: {}", ConsoleConnection.oneLine(e));
            return;
        }
        if (!Thread.currentThread().isInterrupted()) {
            stopRuntime();
        }
    }

    /**
     * The first prompt waits for the {@code tproxy} commands: File Install deploys the shell bundle after the
     * framework has started, and a command typed before then would be "not found".
     */
    private void awaitProxyCommands(PrintStream out) {
        ServiceTracker<Object, Object> commands;
        try {
            commands = new ServiceTracker<>(context, context.createFilter("(" + COMMAND_SCOPE + "=tproxy)"), null);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        commands.open(true);
        try {
            if (commands.waitForService(COMMANDS_WAIT.toMillis()) == null) {
                out.println("tproxy: the tproxy commands are not deployed (is deploy/dev.tproxy.shell.jar there?)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            commands.close();
        }
    }

    /** What gosh would run first: etc/gosh_profile's commands (the `e` alias, `context`, `system`). */
    private void runProfile(CommandSession session, PrintStream out, PrintStream err) throws IOException {
        String home = context.getProperty("gosh.home");
        Path profile = Path.of(home == null ? "." : home, "etc", "gosh_profile");
        if (Files.isRegularFile(profile)) {
            session.put(".gosh_quiet", true);
            ConsoleConnection.execute(session, Files.readString(profile), out, err);
        }
    }

    /** Where lines come from: null at end of input. */
    interface Lines {
        String next(String prompt);
    }

    /** Runs each line until {@code exit} or the end of input. */
    static void loop(Lines lines, CommandSession session, PrintStream out, PrintStream err) {
        for (String line = lines.next(PROMPT); line != null; line = lines.next(PROMPT)) {
            String command = line.strip();
            if (command.equals("exit")) {
                return;
            }
            ConsoleConnection.execute(session, command, out, err);
            out.flush();
            err.flush();
        }
    }

    private void stopRuntime() {
        try {
            context.getBundle(0).stop();
        } catch (BundleException | IllegalStateException e) {
            log.error("foreground console: cannot stop the runtime: {}", e.getMessage());
        }
    }
}
