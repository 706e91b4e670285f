package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.scan.ReplicaDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Builds test trees and compares them entry by entry: type, bytes, mode, mtime, link target. */
final class Trees {
    private Trees() {
    }

    /** A description of every entry below {@code root}, keyed by relative path. */
    static TreeMap<String, String> describe(Path root, boolean withDirMtimes) {
        TreeMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root) && !root.relativize(p).startsWith(ReplicaDir.NAME)).forEach(p -> {
                try {
                    String rel = root.relativize(p).toString();
                    String mode = Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
                    if (Files.isSymbolicLink(p)) {
                        entries.put(rel, "link -> " + Files.readSymbolicLink(p));
                    } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        entries.put(rel, "dir " + mode + (withDirMtimes ? " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS) : ""));
                    } else {
                        entries.put(rel, "file " + mode + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                                + " sha256:" + sha256(p));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    static void assertSameTree(Path expected, Path actual) {
        assertThat(describe(actual, true)).as("tree %s vs %s", actual, expected).isEqualTo(describe(expected, true));
    }

    static String sha256(Path p) throws IOException {
        try {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A nested tree: files of assorted sizes (empty to a few MiB), an empty directory, a
     * directory with restrictive mode, relative, absolute and dangling symlinks, old mtimes.
     */
    static void makeSampleTree(Path root, long seed) throws IOException {
        Random random = new Random(seed);
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("empty/nested-empty"));
        Files.createDirectories(root.resolve("private"));
        write(root.resolve("README.txt"), random, 1200);
        write(root.resolve("zero.bin"), random, 0);
        write(root.resolve("a/one.bin"), random, 70_000);
        write(root.resolve("a/b/two.bin"), random, 3 * 1024 * 1024 + 17);
        write(root.resolve("a/b/c/three.txt"), random, 5);
        write(root.resolve("private/secret.txt"), random, 300);
        Files.setPosixFilePermissions(root.resolve("private/secret.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(root.resolve("a/one.bin"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(root.resolve("link-to-two"), Path.of("a/b/two.bin"));
        Files.createSymbolicLink(root.resolve("a/dangling"), Path.of("no/such/file"));
        Files.createSymbolicLink(root.resolve("a/absolute"), Path.of("/etc/hostname"));
        Files.setLastModifiedTime(root.resolve("a/b/c/three.txt"), FileTime.fromMillis(1_000_000_000_000L));
        Files.setPosixFilePermissions(root.resolve("private"), PosixFilePermissions.fromString("rwx------"));
    }

    static void write(Path file, Random random, int size) throws IOException {
        byte[] data = new byte[size];
        random.nextBytes(data);
        Files.createDirectories(file.getParent());
        Files.write(file, data);
    }
}
