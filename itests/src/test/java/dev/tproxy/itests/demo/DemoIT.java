package dev.tproxy.itests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Shell;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The newcomer's first command works, proves the traffic went through the proxy, and leaves nothing behind. */
class DemoIT {

    @Test
    void theDemoRunsOnceAndCleansUp() {
        String before = Shell.run(Duration.ofSeconds(10), "ip", "netns", "list");
        Shell.Result demo = Shell.tryRun(Duration.ofMinutes(5), Lab.projectRoot().resolve("native/demo/demo.sh").toString(), "--once");
        assertEquals(0, demo.exitCode(), demo.output());
        assertTrue(demo.output().contains("OK: 5 live connections went through the proxy"), demo.output());
        assertTrue(demo.output().contains("198.18.1.2 says: hello 1"), "the server saw the client's own address:\n" + demo.output());
        assertEquals(before, Shell.run(Duration.ofSeconds(10), "ip", "netns", "list"), "the demo's namespaces are gone");
    }
}
