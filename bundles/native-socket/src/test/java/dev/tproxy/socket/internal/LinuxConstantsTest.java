package dev.tproxy.socket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.socket.api.EpollEvents;
import dev.tproxy.socket.api.Errno;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every ABI constant and struct layout the bundle uses, compiled from the system's C headers with gcc and
 * compared with the Java value. The C program is generated from the Java field names, so a constant added to
 * {@link Linux}, {@link Errno} or {@link EpollEvents} is checked without touching this test.
 */
class LinuxConstantsTest {
    private static final Map<String, String> C_EXPRESSIONS = Map.ofEntries(
            Map.entry("SIZEOF_SOCKADDR_IN", "sizeof(struct sockaddr_in)"),
            Map.entry("SIZEOF_SOCKADDR_IN6", "sizeof(struct sockaddr_in6)"),
            Map.entry("SIZEOF_SOCKADDR_STORAGE", "sizeof(struct sockaddr_storage)"),
            Map.entry("SIZEOF_SOCKADDR_UN", "sizeof(struct sockaddr_un)"),
            Map.entry("OFFSETOF_SIN_PORT", "offsetof(struct sockaddr_in, sin_port)"),
            Map.entry("OFFSETOF_SIN_ADDR", "offsetof(struct sockaddr_in, sin_addr)"),
            Map.entry("OFFSETOF_SIN6_PORT", "offsetof(struct sockaddr_in6, sin6_port)"),
            Map.entry("OFFSETOF_SIN6_ADDR", "offsetof(struct sockaddr_in6, sin6_addr)"),
            Map.entry("OFFSETOF_SIN6_SCOPE_ID", "offsetof(struct sockaddr_in6, sin6_scope_id)"),
            Map.entry("SIZEOF_LINGER", "sizeof(struct linger)"),
            Map.entry("SIZEOF_RLIMIT", "sizeof(struct rlimit)"),
            Map.entry("SIZEOF_MSGHDR", "sizeof(struct msghdr)"),
            Map.entry("OFFSETOF_MSG_IOV", "offsetof(struct msghdr, msg_iov)"),
            Map.entry("OFFSETOF_MSG_IOVLEN", "offsetof(struct msghdr, msg_iovlen)"),
            Map.entry("OFFSETOF_MSG_CONTROL", "offsetof(struct msghdr, msg_control)"),
            Map.entry("OFFSETOF_MSG_CONTROLLEN", "offsetof(struct msghdr, msg_controllen)"),
            Map.entry("OFFSETOF_MSG_FLAGS", "offsetof(struct msghdr, msg_flags)"),
            Map.entry("SIZEOF_IOVEC", "sizeof(struct iovec)"),
            Map.entry("SIZEOF_CMSGHDR", "sizeof(struct cmsghdr)"),
            Map.entry("OFFSETOF_CMSG_LEVEL", "offsetof(struct cmsghdr, cmsg_level)"),
            Map.entry("OFFSETOF_CMSG_TYPE", "offsetof(struct cmsghdr, cmsg_type)"),
            Map.entry("SIZEOF_UCRED", "sizeof(struct ucred)"),
            Map.entry("SIZEOF_POLLFD", "sizeof(struct pollfd)"),
            Map.entry("OFFSETOF_POLLFD_REVENTS", "offsetof(struct pollfd, revents)"),
            Map.entry("SIZEOF_EPOLL_EVENT", "sizeof(struct epoll_event)"),
            Map.entry("OFFSETOF_EPOLL_EVENT_DATA", "offsetof(struct epoll_event, data)"),
            Map.entry("IN", "EPOLLIN"),
            Map.entry("PRI", "EPOLLPRI"),
            Map.entry("OUT", "EPOLLOUT"),
            Map.entry("ERR", "EPOLLERR"),
            Map.entry("HUP", "EPOLLHUP"),
            Map.entry("RDHUP", "EPOLLRDHUP"),
            Map.entry("EXCLUSIVE", "EPOLLEXCLUSIVE"),
            Map.entry("EDGE_TRIGGERED", "EPOLLET"));

    private static final String HEADERS = """
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <stddef.h>
            #include <errno.h>
            #include <fcntl.h>
            #include <sys/socket.h>
            #include <sys/un.h>
            #include <sys/ioctl.h>
            #include <sys/epoll.h>
            #include <sys/eventfd.h>
            #include <sys/resource.h>
            #include <netinet/in.h>
            #include <netinet/tcp.h>
            #include <linux/sockios.h>
            #include <sys/mman.h>
            #include <poll.h>
            """;

    @Test
    void everyConstantMatchesTheSystemHeaders(@TempDir Path dir) throws Exception {
        Map<String, Integer> expected = new LinkedHashMap<>();
        collect(Linux.class, expected);
        collect(Errno.class, expected);
        collect(EpollEvents.class, expected);
        assertTrue(expected.size() > 80, "collected " + expected.size() + " constants");

        StringBuilder program = new StringBuilder(HEADERS).append("int main(void) {\n");
        for (String name : expected.keySet()) {
            String expression = C_EXPRESSIONS.getOrDefault(name, name);
            program.append("  printf(\"%s %d\\n\", \"").append(name).append("\", (int)(").append(expression).append("));\n");
        }
        program.append("  return 0;\n}\n");
        Path source = dir.resolve("constants.c");
        Files.writeString(source, program);

        Path binary = dir.resolve("constants");
        run(dir, "gcc", "-o", binary.toString(), source.toString());
        String output = run(dir, binary.toString());

        Map<String, Integer> actual = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split(" ");
            actual.put(parts[0], Integer.parseInt(parts[1]));
        }
        for (Map.Entry<String, Integer> entry : expected.entrySet()) {
            assertEquals(actual.get(entry.getKey()), entry.getValue(), entry.getKey() + " differs from the C headers");
        }
    }

    private static void collect(Class<?> type, Map<String, Integer> into) throws IllegalAccessException {
        for (Field field : type.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers) && field.getType() == int.class) {
                field.setAccessible(true);
                into.put(field.getName(), field.getInt(null));
            }
        }
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }
}
