package dev.tproxy.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.Test;

/** What {@code help tproxy:...} shows comes from these annotations; every command and option must have one. */
class DescriptorsTest {
    private static final List<Method> COMMANDS = Arrays.stream(TproxyCommands.class.getMethods())
            .filter(m -> m.getDeclaringClass() == TproxyCommands.class && !Modifier.isStatic(m.getModifiers())).toList();

    @Test
    void everyCommandAndEveryParameterIsDescribed() {
        assertEquals(Shell.FUNCTIONS.stream().sorted().toList(), COMMANDS.stream().map(Method::getName).sorted().toList());
        for (Method command : COMMANDS) {
            assertNotNull(command.getAnnotation(Descriptor.class), command.getName());
            for (Parameter parameter : command.getParameters()) {
                if (parameter.getType() == org.apache.felix.service.command.CommandSession.class) {
                    continue;   // Gogo passes the session itself; help shows no such parameter
                }
                Descriptor descriptor = parameter.getAnnotation(Descriptor.class);
                assertNotNull(descriptor, command.getName() + " " + parameter);
                assertTrue(descriptor.value().length() > 10, command.getName() + " " + descriptor.value());
            }
            assertEquals(String.class, command.getReturnType(), "the console prints what a command returns");
        }
    }

    @Test
    void theComponentRegistersExactlyTheseFunctionsInScopeTproxy() throws Exception {
        Path xml = Path.of("target/classes/OSGI-INF/" + TproxyCommands.class.getName() + ".xml");
        String component = Files.readString(xml);
        assertTrue(component.contains("<property name=\"osgi.command.scope\" type=\"String\" value=\"tproxy\"/>"), component);
        Matcher functions = Pattern.compile("name=\"osgi.command.function\" type=\"String\">([^<]*)<").matcher(component);
        assertTrue(functions.find(), component);
        assertEquals(Shell.FUNCTIONS, List.of(functions.group(1).split("\n")));
    }
}
