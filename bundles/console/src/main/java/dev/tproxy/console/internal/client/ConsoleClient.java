package dev.tproxy.console.internal.client;

import dev.tproxy.console.internal.protocol.Frame;
import dev.tproxy.console.internal.protocol.FrameCodec;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line client of the runtime's console socket; plain JDK, no OSGi (it is the Main-Class of the console
 * bundle's jar).
 *
 * <pre>
 *   java -jar dev.tproxy.console.jar --socket PATH              attach: prompt "tproxy&gt; ", one command per line,
 *                                                                "exit" or end of input detaches; on a terminal with
 *                                                                JLine on the class path, with line editing and
 *                                                                history ($TPROXY_HISTORY, else ~/.tproxy_history)
 *   java -jar dev.tproxy.console.jar --socket PATH command...   run one command (the words joined by spaces)
 *   java -jar dev.tproxy.console.jar --socket PATH --ping       exit 0 once the console answers
 * </pre>
 * Without {@code --socket} the environment variable {@code TPROXY_CONSOLE_SOCKET} names the socket.
 * Exit status: the command's (0 ok, 1 the command failed); 2 usage error; 3 the console cannot be reached or
 * the connection was lost. Attaching exits 0 when it detaches.
 */
public final class ConsoleClient {
    public static final int OK = 0;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    static final String PROMPT = "tproxy> ";

    private final PrintStream out;
    private final PrintStream err;

    public ConsoleClient(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(new ConsoleClient(out, System.err).run(args, System.in, System.getenv("TPROXY_CONSOLE_SOCKET")));
    }

    public int run(String[] args, InputStream stdin, String socketFromEnvironment) {
        String socket = socketFromEnvironment;
        boolean ping = false;
        List<String> words = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!words.isEmpty()) {
                words.add(arg);
            } else if (arg.equals("--socket") && i + 1 < args.length) {
                socket = args[++i];
            } else if (arg.startsWith("--socket=")) {
                socket = arg.substring("--socket=".length());
            } else if (arg.equals("--ping")) {
                ping = true;
            } else if (arg.equals("-h") || arg.equals("--help")) {
                usage(out);
                return OK;
            } else if (arg.equals("--")) {
                words.addAll(List.of(args).subList(i + 1, args.length));
                break;
            } else if (arg.startsWith("--")) {
                err.println("unknown option " + arg);
                usage(err);
                return USAGE;
            } else {
                words.add(arg);
            }
        }
        if (socket == null || socket.isBlank()) {
            err.println("no console socket: give --socket PATH or set TPROXY_CONSOLE_SOCKET");
            return USAGE;
        }
        Path path = Path.of(socket);
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            err.println("cannot reach the tproxy console at " + path + ": " + e.getMessage() + " (is it running?)");
            return UNREACHABLE;
        }
        try (channel) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
            OutputStream sink = new BufferedOutputStream(Channels.newOutputStream(channel));
            if (ping) {
                return call(in, sink, "");
            }
            if (!words.isEmpty()) {
                return call(in, sink, String.join(" ", words));
            }
            return attach(in, sink, stdin);
        } catch (IOException e) {
            err.println("connection to the tproxy console lost: " + e.getMessage());
            return UNREACHABLE;
        }
    }

    private int attach(InputStream in, OutputStream sink, InputStream stdin) throws IOException {
        Prompt prompt = prompt(stdin);
        try {
            while (true) {
                String line = prompt.next(PROMPT);
                if (line == null) {
                    out.println();
                    return OK;
                }
                String command = line.strip();
                if (command.equals("exit")) {
                    return OK;
                }
                if (!command.isEmpty()) {
                    call(in, sink, command);
                }
            }
        } finally {
            prompt.close();
        }
    }

    /** Where attached command lines come from: a line editor on a terminal, plain lines from anything else. */
    private interface Prompt {
        String next(String prompt) throws IOException;

        default void close() throws IOException {}
    }

    private Prompt prompt(InputStream stdin) throws IOException {
        if (stdin == System.in && System.console() != null && lineEditorAvailable()) {
            LineEditor editor = LineEditor.onSystemTerminal(historyFile());
            return new Prompt() {
                @Override
                public String next(String prompt) {
                    return editor.readLine(prompt);
                }

                @Override
                public void close() throws IOException {
                    editor.close();
                }
            };
        }
        BufferedReader lines = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        return prompt -> {
            out.print(prompt);
            out.flush();
            return lines.readLine();
        };
    }

    /** JLine is on the class path (bin/client puts lib/jline.jar there); without it, plain lines. */
    private static boolean lineEditorAvailable() {
        try {
            Class.forName("org.jline.reader.LineReader", false, ConsoleClient.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** $TPROXY_HISTORY, else ~/.tproxy_history. */
    public static Path historyFile() {
        String configured = System.getenv("TPROXY_HISTORY");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return Path.of(System.getProperty("user.home"), ".tproxy_history");
    }

    /** Sends one command, copies OUT/ERR to stdout/stderr, returns the STATUS. */
    private int call(InputStream in, OutputStream sink, String command) throws IOException {
        FrameCodec.write(sink, Frame.command(command));
        for (Frame frame = FrameCodec.read(in); frame != null; frame = FrameCodec.read(in)) {
            switch (frame.type()) {
                case OUT -> {
                    out.write(frame.payload());
                    out.flush();
                }
                case ERR -> {
                    err.write(frame.payload());
                    err.flush();
                }
                case STATUS -> {
                    return frame.status();
                }
                default -> throw new IOException("console protocol error: unexpected " + frame.type());
            }
        }
        throw new IOException("the runtime closed the connection before the command finished");
    }

    private static void usage(PrintStream to) {
        to.println("usage: tproxy console client [--socket PATH] [--ping | command...]");
        to.println("  no command: attach (prompt '" + PROMPT.strip() + "', 'exit' or Ctrl-D detaches)");
        to.println("  exit status: the command's (0 ok, 1 failed), 2 usage, 3 console unreachable");
    }
}
