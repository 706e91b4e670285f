package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random renames, moves, edits, deletes and creations between syncs (seeded; the seed is
 * printed): after every sync the trees are identical, and a second sync finds nothing to do.
 */
class MovesFuzzTest {

    @TempDir
    Path tmp;

    @Test
    void randomTreeChanges_convergeEveryRound() throws Exception {
        fuzz(SyncOptions.defaults().withMaxDelete(DeleteLimit.UNLIMITED));
    }

    @Test
    void randomTreeChanges_convergeEveryRound_withDelayedDeletesAndSha256() throws Exception {
        fuzz(SyncOptions.defaults().withMaxDelete(DeleteLimit.UNLIMITED).withDeleteDelay(true).withChecksum(Checksum.SHA256));
    }

    private void fuzz(SyncOptions options) throws Exception {
        long seed = Long.getLong("farsync.test.seed", System.nanoTime());
        System.out.println("MovesFuzzTest seed=" + seed + " (rerun with -Dfarsync.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path dst = tmp.resolve("dst");
        SyncRun sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.options = options;
        for (int i = 0; i < 40; i++) {
            Trees.write(src.resolve("d" + rnd.nextInt(5) + "/s" + rnd.nextInt(3) + "/f" + i), Trees.random(rnd, rnd.nextInt(3000)),
                    Trees.randomMtime(rnd));
        }
        sync.runOk();
        long moved = 0;
        for (int round = 0; round < Integer.getInteger("farsync.test.fuzzRounds", 8); round++) {
            for (int op = 0; op < 12; op++) {
                change(src, rnd);
            }
            SyncResult r = sync.runOk();
            moved += r.filesMoved();

            assertThat(r.errors()).as("round %d, seed %d", round, seed).isEmpty();
            Trees.assertSameTree(src, dst);
            assertThat(sync.runOk().upToDate()).as("round %d, seed %d", round, seed).isTrue();
        }
        System.out.println("moves applied: " + moved);
        assertThat(moved).isPositive();
    }

    private static List<Path> all(Path root, boolean directories) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) == directories)
                    .sorted(Comparator.naturalOrder()).toList();
        }
    }

    private static void change(Path root, Random rnd) throws IOException {
        List<Path> files = all(root, false);
        List<Path> dirs = new ArrayList<>(all(root, true));
        dirs.add(root);
        Path dir = dirs.get(rnd.nextInt(dirs.size()));
        String name = "n" + Math.abs(rnd.nextInt(100_000));
        switch (rnd.nextInt(9)) {
            case 0, 1 -> {
                if (!files.isEmpty()) {
                    Files.move(files.get(rnd.nextInt(files.size())), dir.resolve(name));
                }
            }
            case 2 -> {
                if (dirs.size() > 1) {
                    Path d = dirs.get(rnd.nextInt(dirs.size() - 1));
                    if (!dir.startsWith(d)) {
                        Files.move(d, dir.resolve(name));
                    }
                }
            }
            case 3 -> {
                if (!files.isEmpty()) {
                    Path f = files.get(rnd.nextInt(files.size()));
                    Trees.write(f, Trees.random(rnd, rnd.nextInt(3000)), Trees.randomMtime(rnd));
                }
            }
            case 4 -> {
                if (!files.isEmpty()) {
                    Path f = files.get(rnd.nextInt(files.size()));
                    Path to = dir.resolve(name);
                    Files.move(f, to);
                    Files.write(to, Trees.random(rnd, 10), java.nio.file.StandardOpenOption.APPEND);
                }
            }
            case 5 -> {
                if (!files.isEmpty()) {
                    Files.delete(files.get(rnd.nextInt(files.size())));
                }
            }
            case 6 -> Trees.write(dir.resolve(name), Trees.random(rnd, rnd.nextInt(3000)), Trees.randomMtime(rnd));
            case 7 -> Files.createDirectories(dir.resolve(name));
            default -> {
                // A directory renamed away and a new one made under its old name, which then
                // receives a file or directory moved in (the old name must be vacated first).
                if (dirs.size() > 1) {
                    Path d = dirs.get(rnd.nextInt(dirs.size() - 1));
                    if (!dir.startsWith(d)) {
                        Files.move(d, dir.resolve(name));
                        Files.createDirectories(d);
                        List<Path> pool = new ArrayList<>(all(root, rnd.nextBoolean()));
                        pool.removeIf(x -> d.startsWith(x) || x.startsWith(d));
                        if (!pool.isEmpty()) {
                            Path x = pool.get(rnd.nextInt(pool.size()));
                            Files.move(x, d.resolve(x.getFileName()));
                        }
                    }
                }
            }
        }
    }
}
