package dev.tproxy.console.internal;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;

/**
 * Takes {@code gogo:telnetd}'s name, ranked above the Gogo shell's own command: that one opens a console on a
 * TCP port to anyone who connects, without authentication. The appliance's console is the owner-only Unix
 * socket that {@code bin/client} uses.
 */
@Component(service = TelnetdRefused.class, property = {
        "osgi.command.scope=gogo",
        "osgi.command.function=telnetd",
        Constants.SERVICE_RANKING + ":Integer=" + Integer.MAX_VALUE})
public final class TelnetdRefused {
    static final String REFUSAL = "telnetd: refused: it would open an unauthenticated console on a TCP port;"
            + " use bin/client (an owner-only Unix socket) instead";

    @Descriptor("refused: the appliance opens no network console (bin/client attaches through an owner-only socket)")
    public void telnetd(@Descriptor("ignored") String... arguments) {
        throw new IllegalStateException(REFUSAL);
    }
}
