package dev.tproxy.socket.internal;

import java.net.URL;
import java.util.Enumeration;
import org.osgi.framework.Bundle;
import org.osgi.framework.wiring.BundleWiring;

/**
 * Loads, links and initializes every class of a bundle ahead of a moment when connections stand still: Felix loads no
 * class of a version once an update refreshed it away, which a detached lot ({@link DetachedLot}) outlives; and a
 * class first used while entries wait for it (the first batch of a take-over) holds them still while it loads.
 */
final class BundleClasses {
    private BundleClasses() {}

    static void loadAll(Bundle bundle) throws ClassNotFoundException {
        ClassLoader loader = bundle.adapt(BundleWiring.class).getClassLoader();
        Enumeration<URL> classes = bundle.findEntries("/", "*.class", true);
        while (classes != null && classes.hasMoreElements()) {
            String path = classes.nextElement().getPath();
            Class.forName(path.substring(1, path.length() - ".class".length()).replace('/', '.'), true, loader);
        }
    }
}
