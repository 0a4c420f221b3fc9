package dev.tproxy.console.internal;

import dev.tproxy.console.internal.protocol.Frame;
import dev.tproxy.console.internal.protocol.FrameCodec;
import dev.tproxy.console.internal.protocol.FrameOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.log.Logger;

/**
 * One client of the console: reads COMMAND frames, runs each in this connection's own {@link CommandSession}
 * and answers with OUT/ERR frames and a STATUS (see {@link FrameCodec} for the protocol). Results are printed
 * the way the Gogo shell prints them ({@code session.format(result, Converter.INSPECT)}); a command that throws
 * yields status 1 and its message as one line on standard error, never a stack trace (the exception stays in
 * the session variable {@code exception}, as in gosh).
 */
final class ConsoleConnection {
    static final int OK = 0;
    static final int FAILED = 1;
    /**
     * Set by a command that printed its result yet did not succeed (tproxy:doctor with a FAIL, tproxy:drop of an
     * id that does not exist): its value is the status. The shell bundle's ExitStatus names the same variable.
     */
    static final String STATUS_VARIABLE = ".tproxy.status";

    private final CommandProcessor processor;
    private final Logger log;

    ConsoleConnection(CommandProcessor processor, Logger log) {
        this.processor = processor;
        this.log = log;
    }

    /** Serves one connection until the client closes it or sends {@code exit}. */
    void serve(InputStream socketIn, OutputStream socketOut, int id) throws IOException {
        InputStream in = new BufferedInputStream(socketIn);
        OutputStream sink = new BufferedOutputStream(socketOut, 2 * 8192);
        PrintStream out = new PrintStream(new FrameOutputStream(Frame.Type.OUT, sink), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FrameOutputStream(Frame.Type.ERR, sink), true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(InputStream.nullInputStream(), out, err);
        try {
            // as gosh_profile does: the gogo scope wins when two scopes offer the same command name
            session.put("SCOPE", "gogo:*");
            for (Frame frame = FrameCodec.read(in); frame != null; frame = FrameCodec.read(in)) {
                if (frame.type() != Frame.Type.COMMAND) {
                    throw new IOException("console protocol error: expected COMMAND, got " + frame.type());
                }
                String line = frame.text().strip();
                if (line.equals("exit")) {
                    return;
                }
                int status = execute(session, line, out, err);
                log.debug("console: session {}: '{}' -> {}", id, line, status);
                out.flush();
                err.flush();
                if (out.checkError() | err.checkError()) {
                    throw new IOException("client went away");
                }
                synchronized (sink) {
                    FrameCodec.write(sink, Frame.status(status));
                }
            }
        } finally {
            session.close();
        }
    }

    static int execute(CommandSession session, String line, PrintStream out, PrintStream err) {
        if (line.isEmpty()) {
            return OK;
        }
        try {
            session.put(STATUS_VARIABLE, OK);
            Object result = session.execute(line);
            session.put("_", result);
            if (result != null && !Boolean.FALSE.equals(session.get(".Gogo.format"))) {
                out.println(session.format(result, Converter.INSPECT));
            }
            return session.get(STATUS_VARIABLE) instanceof Integer status ? status : OK;
        } catch (Exception | LinkageError | StackOverflowError e) {
            session.put("exception", e);
            err.println(oneLine(e));
            return FAILED;
        }
    }

    /** The exception's message on one line; its class name when it has no message. */
    static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
