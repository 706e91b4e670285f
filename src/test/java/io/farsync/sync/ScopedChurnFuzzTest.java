package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous mode's batches without the timing: the churn of {@code bench/lib/churn.py}
 * (creates, appends, file and directory renames, file deletes, recursive directory deletes) in
 * rounds, each followed by a sync limited to the paths a native watcher would have hinted at.
 * With exact hints every batch converges, directories included (empty ones too); with hints
 * under stale names (a watcher racing a directory rename) a whole-tree sync at the end (the
 * runner's "settling" sync) converges. Seeded; the seed is printed.
 */
class ScopedChurnFuzzTest {

    @TempDir
    Path tmp;
    Path src;
    Path dst;
    SyncRun sync;
    Random rnd;
    final List<Path> files = new ArrayList<>();
    final List<Path> dirs = new ArrayList<>();
    /** What a watcher reports for the ops of the current round. */
    final Set<Path> hints = new LinkedHashSet<>();
    int n;

    private long start(String name) throws Exception {
        long seed = Long.getLong("farsync.test.seed", System.nanoTime());
        System.out.println(name + " seed=" + seed + " (rerun with -Dfarsync.test.seed=" + seed + ")");
        rnd = new Random(seed);
        src = Files.createDirectories(tmp.resolve("src"));
        dst = tmp.resolve("dst");
        sync = new SyncRun(src, dst, tmp.resolve("db"));
        sync.options = SyncOptions.defaults().withMaxDelete(DeleteLimit.UNLIMITED);
        dirs.add(src);
        sync.runOk();
        return seed;
    }

    @Test
    void exactHints_everyBatchConverges_directoriesIncluded() throws Exception {
        long seed = start("exactHints");
        for (int round = 0; round < Integer.getInteger("farsync.test.fuzzRounds", 60); round++) {
            for (int op = 0; op < 1 + rnd.nextInt(15); op++) {
                churn(false);
            }
            batch();
            assertThat(Trees.describe(dst)).as("round %d, seed %d", round, seed).isEqualTo(Trees.describe(src));
        }
    }

    /**
     * Stale names, and churn racing the batches: a few operations between the source's check of
     * the hinted paths' ancestors and its scan (their hints go to the next batch, as a watcher's do).
     */
    @Test
    void staleHintsAndRacingChurn_theSettlingWholeTreeSyncConverges_directoriesIncluded() throws Exception {
        long seed = start("staleHintsAndRacingChurn");
        for (int round = 0; round < Integer.getInteger("farsync.test.fuzzRounds", 60); round++) {
            for (int op = 0; op < 1 + rnd.nextInt(15); op++) {
                churn(true);
            }
            int racing = rnd.nextInt(4);
            sync.sourceBeforeScan = () -> {
                try {
                    for (int op = 0; op < racing; op++) {
                        churn(true);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            batch();
        }
        sync.sourceBeforeScan = null;
        sync.scope = Scope.WHOLE;
        sync.runOk();
        assertThat(Trees.describe(dst)).as("seed %d", seed).isEqualTo(Trees.describe(src));
        assertThat(sync.runOk().upToDate()).as("seed %d", seed).isTrue();
    }

    /** A sync limited to this round's hints, as {@code ContinuousRunner} makes it. */
    private void batch() throws Exception {
        List<String> rel = new ArrayList<>();
        for (Path p : hints) {
            if (!p.equals(src)) {
                rel.add(src.relativize(p).toString());
            }
        }
        hints.clear(); // before the sync: hints of racing operations are the next batch's
        sync.scope = rel.isEmpty() ? Scope.WHOLE : Scope.of(rel);
        sync.runOk();
    }

    /**
     * One operation of churn.py, noting the paths a native watcher reports: the path itself (its
     * parent's event), every entry below a renamed directory's new name (the watcher lists a new
     * directory), and every entry below a removed directory (their own directories' events). With
     * {@code stale}, entries changed below a renamed directory may be reported under its old name.
     */
    private void churn(boolean stale) throws IOException {
        n++;
        double op = rnd.nextDouble();
        if (op < 0.30 || files.isEmpty()) {
            Path f = dirs.get(rnd.nextInt(dirs.size())).resolve(String.format("f%07d", n));
            Files.write(f, Trees.random(rnd, List.of(100, 1000, 10_000, 60_000).get(rnd.nextInt(4))));
            files.add(f);
            hints.add(f);
        } else if (op < 0.52) {
            Path f = files.get(rnd.nextInt(files.size()));
            Files.write(f, Trees.random(rnd, 1 + rnd.nextInt(20_000)), StandardOpenOption.APPEND);
            hints.add(stale ? staleName(f) : f);
        } else if (op < 0.58 && dirs.size() < 40) {
            Path d = dirs.get(rnd.nextInt(dirs.size())).resolve(String.format("d%07d", n));
            Files.createDirectories(d);
            dirs.add(d);
            hints.add(d);
        } else if (op < 0.72) {
            int i = rnd.nextInt(files.size());
            Path to = dirs.get(rnd.nextInt(dirs.size())).resolve(String.format("r%07d", n));
            hints.add(files.get(i));
            Files.move(files.get(i), to);
            files.set(i, to);
            hints.add(to);
        } else if (op < 0.75 && dirs.size() > 1) {
            int i = 1 + rnd.nextInt(dirs.size() - 1);
            Path old = dirs.get(i);
            Path renamed = old.resolveSibling(String.format("m%07d", n));
            Files.move(old, renamed);
            hints.add(old);
            hints.addAll(below(renamed, true));
            dirs.replaceAll(p -> p.startsWith(old) ? renamed.resolve(old.relativize(p)) : p);
            files.replaceAll(p -> p.startsWith(old) ? renamed.resolve(old.relativize(p)) : p);
            renames.add(new Path[] {old, renamed});
        } else if (op < 0.755 && dirs.size() > 1) {
            Path old = dirs.get(1 + rnd.nextInt(dirs.size() - 1));
            List<Path> gone = below(old, true);
            hints.addAll(gone);
            for (int k = gone.size() - 1; k >= 0; k--) {
                Files.delete(gone.get(k));
            }
            dirs.removeIf(p -> p.startsWith(old));
            files.removeIf(p -> p.startsWith(old));
        } else {
            Path f = files.remove(rnd.nextInt(files.size()));
            Files.delete(f);
            hints.add(stale ? staleName(f) : f);
        }
    }

    /** Directory renames so far, oldest first: {old, new}. */
    private final List<Path[]> renames = new ArrayList<>();

    /** {@code p} as a watcher whose key still has a renamed directory's old name may report it. */
    private Path staleName(Path p) {
        for (int k = renames.size() - 1; k >= 0; k--) {
            Path[] r = renames.get(k);
            if (p.startsWith(r[1]) && rnd.nextBoolean()) {
                return r[0].resolve(r[1].relativize(p));
            }
        }
        return p;
    }

    /** {@code top} and everything below it, parents first. */
    private static List<Path> below(Path top, boolean withTop) throws IOException {
        try (Stream<Path> s = Files.walk(top)) {
            return s.filter(p -> withTop || !p.equals(top)).sorted(Comparator.naturalOrder())
                    .filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
    }
}
