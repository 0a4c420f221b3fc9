package dev.tproxy.console.internal;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.service.log.Logger;

/** Small stand-ins for Gogo and the Log Service, made with dynamic proxies (the real interfaces are large). */
final class Fakes {
    /** What a fake command does: print to the session's output, return a result, or throw. */
    interface Command {
        Object run(String line, PrintStream out) throws Exception;
    }

    /** The session's variables, for a fake command that sets one (as tproxy:doctor sets its exit status). */
    static final ThreadLocal<Map<String, Object>> VARIABLES = new ThreadLocal<>();

    private Fakes() {}

    static Logger logger() {
        return (Logger) Proxy.newProxyInstance(Fakes.class.getClassLoader(), new Class<?>[] {Logger.class},
            (proxy, method, args) -> method.getReturnType() == boolean.class ? false
                : method.getReturnType() == String.class ? "fake" : null);
    }

    static CommandProcessor processor(Command command) {
        return (CommandProcessor) Proxy.newProxyInstance(Fakes.class.getClassLoader(), new Class<?>[] {CommandProcessor.class},
            (proxy, method, args) -> {
                if (method.getName().equals("createSession") && args.length == 3) {
                    OutputStream out = (OutputStream) args[1];
                    return session((InputStream) args[0], out instanceof PrintStream p ? p : new PrintStream(out, true), command);
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }

    private static CommandSession session(InputStream in, PrintStream out, Command command) {
        Map<String, Object> variables = new HashMap<>();
        return (CommandSession) Proxy.newProxyInstance(Fakes.class.getClassLoader(), new Class<?>[] {CommandSession.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "execute" -> {
                    VARIABLES.set(variables);
                    yield command.run(args[0].toString(), out);
                }
                case "format" -> "formatted:" + args[0];
                case "put" -> variables.put((String) args[0], args[1]);
                case "get" -> variables.get((String) args[0]);
                case "close" -> null;
                case "getKeyboard" -> in;
                case "getConsole" -> out;
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }
}
