package dev.tproxy.proxy.internal.engine;


import dev.tproxy.proxy.api.Cidr;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import java.net.InetSocketAddress;

/** Decides whether a freshly accepted client may be relayed: ACL, loop guard, limits. */
final class Admission {
    private final LocalAddresses localAddresses;

    Admission(LocalAddresses localAddresses) {
        this.localAddresses = localAddresses;
    }

    /** The reason to refuse, or null to admit. */
    RefusalReason check(ListenerSettings settings, InetSocketAddress client, InetSocketAddress destination, int active,
            int fromThisClient) {
        if (!allowed(settings, client)) {
            return RefusalReason.ACL;
        }
        if (destination.getPort() == settings.port() && localAddresses.isLocal(destination.getAddress())) {
            return RefusalReason.LOOP;
        }
        if (active >= settings.maxConnections()) {
            return RefusalReason.CONNECTION_LIMIT;
        }
        if (settings.maxConnectionsPerClient() > 0 && fromThisClient >= settings.maxConnectionsPerClient()) {
            return RefusalReason.CLIENT_LIMIT;
        }
        return null;
    }

    private static boolean allowed(ListenerSettings settings, InetSocketAddress client) {
        for (Cidr network : settings.allowedClients()) {
            if (network.contains(client.getAddress())) {
                return true;
            }
        }
        return false;
    }
}
