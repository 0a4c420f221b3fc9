package dev.tproxy.itests.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Bundle jars for update tests. */
public final class Jars {
    private Jars() {}

    /** Copies {@code source} to {@code target} with Bundle-Version's qualifier replaced by {@code qualifier}. */
    public static void restamp(Path source, Path target, String qualifier) throws IOException {
        try (JarFile jar = new JarFile(source.toFile())) {
            Manifest manifest = new Manifest(jar.getManifest());
            String version = manifest.getMainAttributes().getValue("Bundle-Version");
            String[] parts = version.split("\\.");
            manifest.getMainAttributes().putValue("Bundle-Version", parts[0] + "." + parts[1] + "." + parts[2] + "." + qualifier);
            Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(temporary), manifest)) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().equals("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream in = jar.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            Files.move(temporary, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
