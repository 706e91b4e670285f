package io.farsync.sync.scan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A random tree for scanner tests: nested directories, files, temp names and symlinks (in, out, loops). */
final class RandomTree {

    private RandomTree() {
    }

    /** Makes about {@code entries} entries below {@code root}; some links point at {@code outside}. */
    static void make(Path root, Random rnd, int entries, Path outside) throws IOException {
        List<Path> dirs = new ArrayList<>(List.of(root));
        for (int i = 0; i < entries; i++) {
            Path parent = dirs.get(rnd.nextInt(dirs.size()));
            String name = (rnd.nextInt(10) == 0 ? "x-" : "") + "e" + i;
            Path p = parent.resolve(name);
            switch (rnd.nextInt(12)) {
                case 0, 1, 2 -> dirs.add(Files.createDirectories(p));
                case 3 -> Files.createSymbolicLink(p, rnd.nextBoolean() ? outside : Path.of(".."));
                case 4 -> Files.writeString(parent.resolve(TempNames.forFinalName(name)), "temp");
                default -> {
                    byte[] data = new byte[rnd.nextInt(64)];
                    rnd.nextBytes(data);
                    Files.write(p, data);
                    Files.setLastModifiedTime(p, FileTime.fromMillis(1_600_000_000_000L + rnd.nextInt(1_000_000)));
                    Files.setAttribute(p, "unix:mode", rnd.nextBoolean() ? 0644 : 0600);
                }
            }
        }
    }
}
