package dev.tproxy.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCheckTest {
    @TempDir
    Path etc;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int check() {
        return new ConfigCheck(etc, Map.of("tproxy.home", "/opt/tproxy"), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)).run();
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(etc.resolve(name), text);
    }

    @Test
    void theShippedDefaultListenerIsValid() throws IOException {
        Files.copy(Path.of("../src/main/dist/etc/dev.tproxy.listener-default.config"), etc.resolve("dev.tproxy.listener-default.config"));
        write("org.apache.felix.fileinstall-deploy.cfg", "felix.fileinstall.dir=${tproxy.home}/deploy\n");
        assertEquals(0, check(), err());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("2 configuration files valid (1 listener)"), out.toString());
    }

    @Test
    void aTypedIntegerOutOfRangeNamesFileAndField() throws IOException {
        write("dev.tproxy.listener-default.config", "name=\"default\"\nport=I\"70000\"\n");
        assertEquals(ConfigCheck.EX_CONFIG, check());
        String name = etc.getFileName() + "/dev.tproxy.listener-default.config";
        assertTrue(err().contains(name + ": port: must be 1..65535, was 70000"), err());
    }

    @Test
    void anEngineFieldIsValidatedByTheEngineRules() throws IOException {
        write("dev.tproxy.engine.cfg", "event.loops = 999\n");
        assertEquals(ConfigCheck.EX_CONFIG, check());
        assertTrue(err().contains("dev.tproxy.engine.cfg: event.loops: must be 0..256, was 999"), err());
    }

    @Test
    void arraysAndDurationsAreCheckedElementByElement() throws IOException {
        write("dev.tproxy.listener-a.config", "name=\"a\"\nallowed.clients=[\"10.0.0.0/8\",\"10.0.0.300/8\"]\n");
        assertEquals(ConfigCheck.EX_CONFIG, check());
        assertTrue(err().contains("dev.tproxy.listener-a.config: allowed.clients:"), err());
    }

    @Test
    void aMisspeltFieldIsAWarningOnly() throws IOException {
        write("dev.tproxy.listener-a.cfg", "name = a\nprot = 80\n");
        assertEquals(0, check(), err());
        assertTrue(err().contains("dev.tproxy.listener-a.cfg: warning: prot: no such field"), err());
    }

    @Test
    void twoListenersOnOnePortAndAddressCannotBothBind() throws IOException {
        write("dev.tproxy.listener-a.cfg", "name = a\nport = 9000\n");
        write("dev.tproxy.listener-b.cfg", "name = b\nport = 9000\nbind.addresses = 198.18.0.1\n");
        write("dev.tproxy.listener-c.cfg", "name = a\nport = 9001\n");
        assertEquals(ConfigCheck.EX_CONFIG, check());
        assertTrue(err().contains("dev.tproxy.listener-b.cfg: port: 9000 on the same address is also in"), err());
        assertTrue(err().contains("dev.tproxy.listener-c.cfg: name: 'a' is also the name in"), err());
    }

    @Test
    void aMalformedTypedValueReachesTheFieldAsTheRuntimeSeesIt() throws IOException {
        // fileinstall reads the unterminated I"9876 as the text 'I"9876', and the listener refuses that by name
        write("dev.tproxy.listener-a.config", "port=I\"9876\n");
        assertEquals(ConfigCheck.EX_CONFIG, check());
        assertTrue(err().contains("dev.tproxy.listener-a.config: port: not a whole number: 'I\"9876'"), err());
    }

    @Test
    void substitutionUsesTheRuntimeProperties() throws IOException {
        write("x.cfg", "dir = ${tproxy.home}/deploy\n");
        assertEquals(Map.of("dir", "/opt/tproxy/deploy"), new ConfigFiles(Map.of("tproxy.home", "/opt/tproxy")).read(etc.resolve("x.cfg")));
        assertEquals("dev.tproxy.listener", ConfigFiles.pid(etc.resolve("dev.tproxy.listener-a-b.config")));
        assertEquals("dev.tproxy.engine", ConfigFiles.pid(etc.resolve("dev.tproxy.engine.cfg")));
    }
}
