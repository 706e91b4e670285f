package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import io.farsync.sync.watch.ChangeListener;
import io.farsync.sync.watch.Watchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --continuous} with both paths local: the whole stack over loopback, watching the source with inotify. */
class ContinuousSyncTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    Path home;
    BackgroundContinuous running;

    @BeforeEach
    void setUp() throws IOException {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        home = Files.createDirectories(tmp.resolve("home"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    private void start(double cooloff) {
        running = new BackgroundContinuous(src.toString(), dst.toString(), home, null, 0, BackgroundContinuous.settings(cooloff, 600));
        running.awaitSyncs(1);
    }

    static void awaitSameTree(Path expected, Path actual) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .untilAsserted(() -> Trees.assertSameTree(expected, actual));
    }

    @Test
    void createAppendRenameDelete_eachConverges() throws Exception {
        Random random = new Random(SEED);
        Trees.write(src.resolve("a/b/first.bin"), random, 10_000);
        start(0.3);
        awaitSameTree(src, dst);

        Trees.write(src.resolve("a/new/created.bin"), random, 5_000);
        awaitSameTree(src, dst);

        Files.write(src.resolve("a/b/first.bin"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        awaitSameTree(src, dst);

        Files.move(src.resolve("a/b/first.bin"), src.resolve("a/renamed.bin"));
        Files.move(src.resolve("a/new"), src.resolve("moved-dir"));
        awaitSameTree(src, dst);

        Files.delete(src.resolve("a/renamed.bin"));
        awaitSameTree(src, dst);

        assertThat(running.stop()).isZero();
        assertThat(KillMidwayTest.tempFiles(dst)).isEmpty();
    }

    @Test
    void renameOfLargeDirectory_convergesInFewBatches() throws Exception {
        Random random = new Random(SEED);
        for (int i = 0; i < 1000; i++) {
            Trees.write(src.resolve("big/sub" + i % 10 + "/file" + i), random, 100 + random.nextInt(2000));
        }
        start(1.0);
        awaitSameTree(src, dst);
        long before = running.syncs();

        Files.move(src.resolve("big"), src.resolve("renamed-big"));

        awaitSameTree(src, dst);
        running.awaitSyncs(before + 1); // its summary line comes after the files are in place
        assertThat(running.syncs() - before).as("syncs for one rename").isBetween(1L, 2L);
        List<String> lines = running.syncLines();
        String rename = lines.stream().skip(before).filter(l -> l.contains("moved")).findFirst().orElseThrow();
        assertThat(rename).as("one move, no file sent").contains("sent 0 files").contains("moved 1");
        assertThat(BackgroundContinuous.wireBytes(rename)).as("wire bytes of the rename (the tree holds ~1 MB)").isLessThan(100_000);
        assertThat(running.stop()).isZero();
        assertThat(running.out()).contains("over 1 session");
    }

    /** Batches are limited to the hinted paths; an overflow's rescan compares the whole tree again. */
    @Test
    void lostEvents_areFoundByTheOverflowRescan_notByHintedBatches() throws Exception {
        Random random = new Random(SEED);
        Trees.write(src.resolve("a.bin"), random, 1000);
        Path deaf = src.toAbsolutePath().normalize().resolve("quiet");
        AtomicReference<ChangeListener> runnerListener = new AtomicReference<>();
        ContinuousRunner.WatcherFactory lossy = (root, mode, excluded, listener) -> {
            runnerListener.set(listener);
            return Watchers.create(root, mode, excluded, new ChangeListener() {
                @Override
                public void changed(Path path) {
                    if (!path.startsWith(deaf)) {
                        listener.changed(path);
                    }
                }

                @Override
                public void rescan(Path subtree, String reason) {
                    listener.rescan(subtree, reason);
                }

                @Override
                public void warning(String message) {
                    listener.warning(message);
                }
            });
        };
        running = new BackgroundContinuous(src.toString(), dst.toString(), home, null, 0, BackgroundContinuous.settings(0.2, 600), lossy);
        running.awaitSyncs(1);
        awaitSameTree(src, dst);

        long before = running.syncs();
        Trees.write(src.resolve("quiet/lost.bin"), random, 2000);
        Trees.write(src.resolve("loud/heard.bin"), random, 3000);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dst.resolve("loud/heard.bin")));
        running.awaitSyncs(before + 1);
        assertThat(dst.resolve("quiet")).as("a batch looks only where the hints point").doesNotExist();

        runnerListener.get().rescan(src.toAbsolutePath().normalize(), "event queue overflowed");
        awaitSameTree(src, dst);
        await().atMost(Duration.ofSeconds(30)).until(() -> running.out().contains("event queue overflowed"));
        assertThat(running.stop()).isZero();
    }

    /**
     * --max-delete in continuous mode counts per pass; a pass over it withholds its deletes (and
     * says so), still sends everything else, and the run's exit status says deletes were withheld.
     */
    @Test
    void deletesOverTheLimit_areWithheld_everythingElseSyncs_andTheExitStatusSaysSo() throws Exception {
        Random random = new Random(SEED);
        for (int i = 0; i < 200; i++) {
            Trees.write(src.resolve("d/f" + i), random, 100);
        }
        start(1.0);
        awaitSameTree(src, dst);

        for (int i = 0; i < 150; i++) {
            Files.delete(src.resolve("d/f" + i));
        }
        Trees.write(src.resolve("new.bin"), random, 1000);

        String withheld = "150 deletes withheld by --max-delete (refusing to delete 150 of 201 synced entries (75%) at the"
                + " destination: more than the default limit of 50%); everything else was synced, and the next passes try"
                + " again (raise --max-delete to allow them)";
        await().atMost(Duration.ofSeconds(30)).until(() -> running.err().contains(withheld));
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dst.resolve("new.bin")));
        assertThat(Trees.sha256(dst.resolve("new.bin"))).isEqualTo(Trees.sha256(src.resolve("new.bin")));
        assertThat(dst.resolve("d/f0")).as("withheld, not deleted").exists();
        await().atMost(Duration.ofSeconds(30)).until(() -> running.out().contains("150 deletes withheld;"));

        assertThat(running.stop()).isEqualTo(io.farsync.common.ExitCode.DELETE_LIMIT.code());
        assertThat(running.err()).contains("farsync: deletes are still withheld by --max-delete (d/f99: " + withheld + ")");
        assertThat(dst.resolve("d/f0")).exists();
    }

    @Test
    void seededChurn_convergesAfterTheChurnStops() throws Exception {
        Random random = new Random(SEED);
        start(0.5);
        List<Path> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>(List.of(src));
        long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        int ops = 0;
        while (System.nanoTime() < end) {
            ops++;
            int op = random.nextInt(12);
            try {
                if (op < 3 || files.isEmpty()) {
                    Path f = dirs.get(random.nextInt(dirs.size())).resolve("f" + ops);
                    Trees.write(f, random, random.nextInt(20_000));
                    files.add(f);
                } else if (op < 5) {
                    Files.write(files.get(random.nextInt(files.size())), new byte[random.nextInt(5000)], StandardOpenOption.APPEND);
                } else if (op < 6) {
                    dirs.add(Files.createDirectories(dirs.get(random.nextInt(dirs.size())).resolve("d" + ops)));
                } else if (op < 8) {
                    Path f = files.remove(random.nextInt(files.size()));
                    Path to = dirs.get(random.nextInt(dirs.size())).resolve("r" + ops);
                    Files.move(f, to);
                    files.add(to);
                } else if (op < 9 && dirs.size() > 1) {
                    // a directory rename: entries listed below it are stale now, and fail above
                    Path d = dirs.remove(1 + random.nextInt(dirs.size() - 1));
                    dirs.add(Files.move(d, d.resolveSibling("m" + ops)));
                } else if (op < 10 && dirs.size() > 1) {
                    // a recursive delete: the directories go too, and must go at the destination
                    Path d = dirs.get(1 + random.nextInt(dirs.size() - 1));
                    try (var walk = Files.walk(d)) {
                        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    }
                    dirs.removeIf(p -> p.startsWith(d));
                    files.removeIf(p -> p.startsWith(d));
                } else {
                    Files.delete(files.remove(random.nextInt(files.size())));
                }
            } catch (IOException e) {
                // an entry moved away by an earlier directory move: churn goes on
            }
            if (ops % 20 == 0) {
                Thread.onSpinWait();
            }
        }
        System.out.println("churn: " + ops + " operations");

        // every entry compared, directories (empty ones too) with their modes and mtimes
        awaitSameTree(src, dst);
        assertThat(running.stop()).isZero();
    }
}
