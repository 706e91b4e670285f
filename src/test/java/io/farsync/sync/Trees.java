package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.sync.scan.ReplicaDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Builds random trees and compares trees, independently of the engine's own scanner. */
final class Trees {

    private Trees() {
    }

    static void write(Path file, byte[] data, long mtimeNanos) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, data);
        Files.setLastModifiedTime(file, FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS));
    }

    static void write(Path file, String data, long mtimeNanos) throws IOException {
        write(file, data.getBytes(java.nio.charset.StandardCharsets.UTF_8), mtimeNanos);
    }

    static byte[] random(Random rnd, int size) {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        return b;
    }

    static long randomMtime(Random rnd) {
        // 2001..2033, with nanoseconds
        return 1_000_000_000L * (1_000_000_000L + rnd.nextInt(1_000_000_000)) + rnd.nextInt(1_000_000_000);
    }

    /**
     * A nested tree: files of random sizes (0 bytes up to a few MB), empty directories, symlinks
     * (relative, dangling, absolute), random modes and nanosecond mtimes.
     */
    static void randomTree(Path root, Random rnd) throws IOException {
        Files.createDirectories(root);
        int[] modes = {0644, 0600, 0755, 0444, 0640};
        for (int d = 0; d < 6; d++) {
            Path dir = root.resolve("dir" + d);
            for (int depth = 0; depth < rnd.nextInt(4); depth++) {
                dir = dir.resolve("sub" + depth);
            }
            Files.createDirectories(dir);
            int files = rnd.nextInt(6);
            for (int f = 0; f < files; f++) {
                int size = switch (rnd.nextInt(8)) {
                    case 0 -> 0;
                    case 1 -> 1 + rnd.nextInt(3 * 1024 * 1024);
                    default -> rnd.nextInt(70_000);
                };
                Path file = dir.resolve("file" + f + ".bin");
                write(file, random(rnd, size), randomMtime(rnd));
                Files.setAttribute(file, "unix:mode", modes[rnd.nextInt(modes.length)]);
            }
        }
        write(root.resolve("empty.txt"), new byte[0], randomMtime(rnd));
        write(root.resolve("big.bin"), random(rnd, 2 * 1024 * 1024 + 17), randomMtime(rnd));
        Files.createDirectories(root.resolve("emptydir/nested-empty"));
        Files.createSymbolicLink(root.resolve("link-to-big"), Path.of("big.bin"));
        Files.createSymbolicLink(root.resolve("dir0/dangling"), Path.of("../does/not/exist"));
        Files.createSymbolicLink(root.resolve("absolute-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("link-to-dir"), Path.of("dir1"));
        Files.setAttribute(root.resolve("emptydir"), "unix:mode", 0750);
        setDirMtimes(root, rnd);
    }

    /** Gives every directory below root a random mtime (after its contents exist). */
    static void setDirMtimes(Path root, Random rnd) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root) && !farsyncOwn(root, p) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                Files.setLastModifiedTime(p, FileTime.from(randomMtime(rnd), TimeUnit.NANOSECONDS));
            }
        }
    }

    /** Every entry below root (links not followed) with a description of what a sync must preserve. */
    static TreeMap<String, String> describe(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root) && !farsyncOwn(root, p)).toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else {
                    long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS);
                    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.put(rel, String.format("dir mode=%o mtime=%d", mode, mtime));
                    } else {
                        out.put(rel, String.format("file mode=%o mtime=%d size=%d xx=%016x", mode, mtime, Files.size(p),
                                net.jpountz.xxhash.XXHashFactory.fastestInstance().hash64().hash(Files.readAllBytes(p), 0,
                                        (int) Files.size(p), 0L)));
                    }
                }
            }
        }
        return out;
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        assertThat(describe(actual)).as("tree %s vs %s", actual, expected).isEqualTo(describe(expected));
    }

    /** Names matching the engine's temp pattern anywhere below root. */
    static java.util.List<Path> tempFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().contains(".farsync-") && !farsyncOwn(root, p)).toList();
        }
    }

    /** True at or below a {@link ReplicaDir} (the root's version store: farsync's own, never synced). */
    static boolean farsyncOwn(Path root, Path p) {
        for (Path name : root.relativize(p)) {
            if (ReplicaDir.isReserved(name.toString())) {
                return true;
            }
        }
        return false;
    }
}
