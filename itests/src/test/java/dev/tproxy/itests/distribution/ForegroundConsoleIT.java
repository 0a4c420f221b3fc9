package dev.tproxy.itests.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Shell;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/tproxy in the foreground on a terminal (a pseudo-terminal from util-linux's {@code script}, TERM=xterm): the
 * console edits lines and recalls history with the arrow keys, keeps the history in a file, and {@code exit}
 * stops the runtime.
 */
class ForegroundConsoleIT {
    private static final String PROMPT = "tproxy> ";
    private static final String UP = "\u001bOA";   // an xterm's Up once the console put its keypad in application mode

    @Test
    void upRecallsTheLastCommandTheHistoryIsKeptAndExitStopsTheRuntime(@TempDir Path temp) throws Exception {
        Path home = temp.resolve("tproxy");
        Shell.run(Duration.ofSeconds(60), "cp", "-a", Lab.projectRoot().resolve("distribution/target/tproxy").toString(), home.toString());
        Path history = temp.resolve("history");
        try (Lab lab = Lab.create()) {
            // A terminal of a real size: script's pseudo-terminal has none, and JLine would cut the prompt to it.
            ProcessBuilder builder = lab.processIn(lab.router(), "script", "-qfec",
                    "stty cols 160 rows 50; exec " + home.resolve("bin/tproxy"), "/dev/null");
            builder.environment().put("TERM", "xterm");
            builder.environment().put("TPROXY_HISTORY", history.toString());
            builder.redirectErrorStream(true);
            Process tproxy = builder.start();
            StringBuffer screen = new StringBuffer();
            Thread reader = new Thread(() -> copy(tproxy.getInputStream(), screen), "foreground-screen");
            reader.start();
            try {
                OutputStream keys = tproxy.getOutputStream();
                awaitPrompts(screen, 1, tproxy);
                // the listener binds before the console starts (the log is echoed here)
                awaitText(screen, "listener default: listening on", tproxy);
                // The shell's commands may come a moment after the console (fileinstall starts a watcher's bundles in
                // any order; CI saw "Command not found"): ask until they answer.
                int prompts = 1;
                do {
                    if (prompts > 1) {
                        Thread.sleep(100);
                    }
                    type(keys, "tproxy:listeners\r");
                    awaitPrompts(screen, ++prompts, tproxy);
                } while (count(screen.toString(), "1 listener") == 0 && prompts < 50);
                type(keys, UP + "\r");
                awaitPrompts(screen, ++prompts, tproxy);
                assertEquals(2, count(screen.toString(), "1 listener"), "Up recalled tproxy:listeners and ran it again:\n" + screen);
                type(keys, "exit\r");
                assertTrue(tproxy.waitFor(60, TimeUnit.SECONDS), "exit stops the runtime:\n" + screen);
            } finally {
                tproxy.destroyForcibly();
            }
            assertTrue(Files.readString(history).contains("tproxy:listeners"), Files.readString(history));
            assertTrue(!Files.exists(home.resolve("data/tproxy.pid")) || !alive(Files.readString(home.resolve("data/tproxy.pid"))),
                    "no runtime left behind");
        }
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid.strip())).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void type(OutputStream keys, String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    private static void awaitPrompts(StringBuffer screen, int prompts, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (count(screen.toString(), PROMPT) < prompts) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("waiting for prompt " + prompts + ":\n" + screen);
            }
            Thread.sleep(50);
        }
    }

    private static void awaitText(StringBuffer screen, String text, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (screen.indexOf(text) < 0) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new AssertionError("waiting for '" + text + "':\n" + screen);
            }
            Thread.sleep(50);
        }
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static void copy(InputStream in, StringBuffer screen) {
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                screen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}
