package dev.tproxy.proxy.internal.engine;


import dev.tproxy.proxy.api.Cidr;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import java.net.InetSocketAddress;

/** Decides whether a freshly accepted client may be relayed at all: ACL and loop guard (limits: {@link ListenerRuntime#reserve}). */
final class Admission {
    private final LocalAddresses localAddresses;

    Admission(LocalAddresses localAddresses) {
        this.localAddresses = localAddresses;
    }

    /** The reason to refuse, or null to admit. */
    RefusalReason check(ListenerSettings settings, InetSocketAddress client, InetSocketAddress destination) {
        if (!allowed(settings, client)) {
            return RefusalReason.ACL;
        }
        if (destination.getPort() == settings.port() && localAddresses.isLocal(destination.getAddress())) {
            return RefusalReason.LOOP;
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
