package io.farsync.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The random edits the bidirectional and n-way fuzz tests make: numbered versions written with
 * distinct mtimes in random order, over a small set of paths so edits collide. Test code.
 */
final class RandomEdits {
    static final long T0 = 1_700_000_000_000_000_000L;

    private int versions;

    /** Versions written so far. */
    int versions() {
        return versions;
    }

    /** Writes the next version to {@code rel}; returns its contents (unique per version). */
    String write(Path root, String rel, Random rnd) throws IOException {
        int v = ++versions;
        String content = "version " + v + " " + "x".repeat(rnd.nextInt(40));
        // distinct mtimes in random order, so any side may hold the newest version
        Trees.write(root.resolve(rel), content, T0 + ((v * 7919L) % 100_003) * 1_000_000_000L);
        return content;
    }

    /** One of 40 paths: five names, with or without an extension, at the root or in one of three directories. */
    static String path(Random rnd) {
        String name = "f" + rnd.nextInt(5) + (rnd.nextBoolean() ? ".txt" : "");
        int d = rnd.nextInt(4);
        return d == 3 ? name : "d" + d + "/" + name;
    }

    static void log(Path root, String op) {
        System.out.println("  " + root.getFileName() + ": " + op);
    }

    /** Regular files below {@code root}, relative, sorted. */
    static List<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /** The contents of every regular file below {@code root}. */
    static Set<String> contents(Path root) throws IOException {
        Set<String> out = new HashSet<>();
        for (String f : files(root)) {
            out.add(Files.readString(root.resolve(f), StandardCharsets.UTF_8));
        }
        return out;
    }
}
