package dev.tproxy.itests.proxy;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.util.Map;

/**
 * Where most proxy tests start: the runtime as shipped in the lab's router, the server's port {@link TestServers#ECHO}
 * diverted to it, and an echo server behind it. Closing it stops the runtime, the peers and the namespaces.
 */
record EchoLab(Lab lab, Peers peers, RuntimeUnderTest runtime) implements AutoCloseable {

    static EchoLab start() throws Exception {
        Lab lab = Lab.create();
        Peers peers = null;
        try {
            lab.intercept(9876, String.valueOf(TestServers.ECHO));
            peers = new Peers(lab);
            peers.serve(peers.listen(Lab.SERVER_V4, TestServers.ECHO), TestServers::echo);
            return new EchoLab(lab, peers, RuntimeUnderTest.install(lab, Map.of()).start());
        } catch (Exception | Error e) {
            new EchoLab(lab, peers, null).close();
            throw e;
        }
    }

    @Override
    public void close() {
        if (runtime != null) {
            runtime.close();
        }
        if (peers != null) {
            peers.close();
        }
        lab.close();
    }
}
