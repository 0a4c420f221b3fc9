package dev.tproxy.itests.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Bundle jars for update tests. */
public final class Jars {
    private Jars() {}

    /** Copies {@code source} to {@code target} with Bundle-Version's qualifier replaced by {@code qualifier}. */
    public static void restamp(Path source, Path target, String qualifier) throws IOException {
        rewrite(source, target, manifest -> {
            String version = manifest.getValue("Bundle-Version");
            String[] parts = version.split("\\.");
            manifest.putValue("Bundle-Version", parts[0] + "." + parts[1] + "." + parts[2] + "." + qualifier);
        });
    }

    /** As {@link #restamp}, without the manifest header {@code header}: as a version from before that header. */
    public static void restampWithout(Path source, Path target, String qualifier, String header) throws IOException {
        restamp(source, target, qualifier);
        rewrite(target, target, manifest -> manifest.remove(new Attributes.Name(header)));
    }

    /** Copies {@code source} to {@code target} importing a package nothing exports: a bundle that cannot start. */
    public static void breakImports(Path source, Path target) throws IOException {
        rewrite(source, target, manifest -> manifest.putValue("Import-Package",
                manifest.getValue("Import-Package") + ",dev.tproxy.nowhere;version=\"[9,10)\""));
    }

    private static void rewrite(Path source, Path target, Consumer<Attributes> edit) throws IOException {
        try (JarFile jar = new JarFile(source.toFile())) {
            Manifest manifest = new Manifest(jar.getManifest());
            edit.accept(manifest.getMainAttributes());
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
