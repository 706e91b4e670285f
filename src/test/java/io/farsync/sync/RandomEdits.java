package io.farsync.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

    private int renames;

    /**
     * Renames, at {@code renamer}, a file that every root in {@code all} holds identically and as
     * last {@link #synced} (so no other change of the round touched it), and holds nowhere else
     * (a copy of the same bytes and mtime moved in the same sync would make the rename ambiguous,
     * which is left unmerged by design), to a fresh name below {@code r/} that random edits
     * never use, and writes a new version of it at {@code editor} under the old name. Returns
     * the new name, the edited contents (the one file a sync must end with) and the contents it
     * replaced, or null if no file qualifies.
     */
    String[] renameVersusEdit(Path renamer, Path editor, List<Path> all, Random rnd) throws IOException {
        List<String> candidates = new java.util.ArrayList<>();
        for (String f : files(renamer)) {
            if (identicalEverywhere(f, renamer, all)) {
                candidates.add(f);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        String f = candidates.get(rnd.nextInt(candidates.size()));
        String to = "r/moved" + (++renames) + (f.endsWith(".txt") ? ".txt" : "");
        String base = Files.readString(renamer.resolve(f), StandardCharsets.UTF_8);
        Files.createDirectories(renamer.resolve("r"));
        Files.move(renamer.resolve(f), renamer.resolve(to));
        String edited = write(editor, f, rnd);
        log(renamer, "rename " + f + " -> " + to + " (and at " + editor.getFileName() + ": edit " + f + ")");
        return new String[] {to, edited, base};
    }

    /** Each file of the last synced state: its contents and mtime (see {@link #synced}). */
    private Map<String, String> synced = Map.of();

    /**
     * Records {@code root}, which every replica now holds alike, as the last synced state. A
     * rename met by an edit is only that for a file unchanged since it: a path that two replicas
     * reached by the same rename in this round is new to the sync (both moved the synced file
     * away from its old path, and a further rename and edit of it are two renames of that old
     * path to different names, which keep both names).
     */
    void synced(Path root) throws IOException {
        Map<String, String> state = new HashMap<>();
        for (String f : files(root)) {
            state.put(f, state(root, f));
        }
        synced = state;
    }

    private static String state(Path root, String f) throws IOException {
        Path p = root.resolve(f);
        return Files.getLastModifiedTime(p) + " " + Files.readString(p, StandardCharsets.UTF_8);
    }

    private boolean identicalEverywhere(String f, Path at, List<Path> all) throws IOException {
        Path mine = at.resolve(f);
        if (!state(at, f).equals(synced.get(f))) {
            return false;
        }
        for (Path root : all) {
            if (!contents(root, f).endsWith(" x1")) {
                return false;
            }
            Path p = root.resolve(f);
            if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    || !Files.getLastModifiedTime(p).equals(Files.getLastModifiedTime(mine))
                    || !java.util.Arrays.equals(Files.readAllBytes(p), Files.readAllBytes(mine))) {
                return false;
            }
        }
        return true;
    }

    static void log(Path root, String op) {
        System.out.println("  " + root.getFileName() + ": " + op);
    }

    /** Regular files below {@code root}, relative, sorted. */
    static List<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> Files.isRegularFile(p) && !Trees.farsyncOwn(root, p)).map(p -> root.relativize(p).toString()).sorted().toList();
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

    /** The contents of {@code rel} below {@code root} and how many files below it hold the same: "contents xN", or "missing". */
    static String contents(Path root, String rel) throws IOException {
        Path p = root.resolve(rel);
        if (!Files.isRegularFile(p)) {
            return "missing";
        }
        String c = Files.readString(p, StandardCharsets.UTF_8);
        long n = 0;
        for (String f : files(root)) {
            n += Files.readString(root.resolve(f), StandardCharsets.UTF_8).equals(c) ? 1 : 0;
        }
        return c + " x" + n;
    }
}
