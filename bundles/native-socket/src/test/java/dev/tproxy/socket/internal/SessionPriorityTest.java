package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Real sessions: a `sleep` that setsid made the leader of its own, and one that shares this JVM's. */
class SessionPriorityTest {
    private static Process start(String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    @Test
    void theLeaderOfItsOwnSessionChangesItsAutogroupsNiceAndBack() throws Exception {
        // this JVM's children lead no process group, so setsid makes the session without forking: same pid
        Process leader = start("setsid", "sleep", "60");
        try {
            long deadline = System.nanoTime() + 5_000_000_000L;   // until setsid has made the session
            while (!SessionPriority.leadsSession(leader.pid()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(SessionPriority.leadsSession(leader.pid()), "setsid's sleep leads its session");
            assertEquals(OptionalInt.of(0), SessionPriority.niceOf(leader.pid()), "a new session starts at nice 0");

            assertTrue(SessionPriority.set(leader.pid(), 10));
            assertEquals(OptionalInt.of(10), SessionPriority.niceOf(leader.pid()));
            assertFalse(SessionPriority.set(leader.pid(), 10), "unchanged: nothing written");
            assertTrue(SessionPriority.set(leader.pid(), 0), "back to 0");
            assertEquals(OptionalInt.of(0), SessionPriority.niceOf(leader.pid()));

            IOException refused = assertThrows(IOException.class, () -> SessionPriority.set(leader.pid(), 20));
            assertTrue(refused.getMessage().contains("EINVAL") && refused.getMessage().contains("autogroup"), refused.getMessage());
        } finally {
            leader.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessThatSharesItsSessionLeavesItsPriorityAlone() throws Exception {
        Process member = start("sleep", "60");
        try {
            OptionalInt before = SessionPriority.niceOf(member.pid());
            assertFalse(SessionPriority.leadsSession(member.pid()));
            assertFalse(SessionPriority.set(member.pid(), 10));
            assertEquals(before, SessionPriority.niceOf(member.pid()), "this JVM's session keeps its priority");
        } finally {
            member.destroyForcibly().waitFor();
        }
    }

    @Test
    void anEndedProcessHasNoSession() throws Exception {
        Process ended = start("true");
        ended.waitFor();
        assertFalse(SessionPriority.leadsSession(ended.pid()));
        assertEquals(OptionalInt.empty(), SessionPriority.niceOf(ended.pid()));
    }
}
