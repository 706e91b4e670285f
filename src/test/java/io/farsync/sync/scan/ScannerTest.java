package io.farsync.sync.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.sync.filter.Filter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScannerTest {

    @TempDir
    Path tmp;

    @Test
    void symlinks_areListedAsLinks_neverFollowed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("outside/deep"));
        Files.writeString(tmp.resolve("outside/deep/secret"), "s");
        Files.createSymbolicLink(root.resolve("out"), tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("."));

        ScanResult r = new Scanner(false, Set.of()).scan(root);

        assertThat(r.entries().keySet()).containsExactly("loop", "out");
        assertThat(r.entries().get("out").linkTarget()).isEqualTo(tmp.resolve("outside").toString());
        assertThat(r.entries().get("loop").isSymlink()).isTrue();
    }

    /** Sequential (1) and parallel (4) walks, whole and scoped (through a followed link), the same. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 4})
    void followedLinks_becomeWhatTheyLeadTo_andLinksToADirectoryAboveThemAreErrors(int parallelism) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("top/root"));
        Files.createDirectories(tmp.resolve("outside/deep"));
        Files.writeString(tmp.resolve("outside/deep/data"), "d");
        Files.writeString(root.resolve("a.txt"), "a");
        Files.createSymbolicLink(root.resolve("out"), tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("alias"), Path.of("a.txt"));
        Files.createSymbolicLink(root.resolve("self"), Path.of("."));                 // the root itself
        Files.createSymbolicLink(root.resolve("parent"), Path.of(".."));              // above the root
        Files.createSymbolicLink(root.resolve("slash"), Path.of("/"));
        Files.createSymbolicLink(tmp.resolve("outside/deep/back"), tmp.resolve("outside")); // loops inside the followed tree
        Files.createSymbolicLink(root.resolve("broken"), Path.of("nowhere"));
        Files.createSymbolicLink(root.resolve("fifo"), tmp.resolve("pipe"));
        new ProcessBuilder("mkfifo", tmp.resolve("pipe").toString()).inheritIO().start().waitFor();

        ScanResult whole = new Scanner(false, Set.of(), Filter.NONE, parallelism).withSymlinks(Symlinks.FOLLOW).scan(root);
        ScanResult scoped = new Scanner(false, Set.of(), Filter.NONE, parallelism).withSymlinks(Symlinks.FOLLOW)
                .scan(root, java.util.List.of("out/deep"));

        assertThat(whole.entries().keySet()).containsExactly("a.txt", "alias", "out", "out/deep", "out/deep/data");
        assertThat(whole.entries().get("alias").isFile()).isTrue();
        assertThat(whole.entries().get("alias").inode()).isEqualTo(whole.entries().get("a.txt").inode());
        assertThat(whole.entries().get("out").isDirectory()).isTrue();
        assertThat(whole.errors()).containsOnlyKeys("self", "parent", "slash", "out/deep/back", "broken");
        assertThat(whole.errors().get("parent")).contains("loop");
        assertThat(whole.errors().get("broken")).contains("no referent");
        // nothing may be deleted where a link could not be followed, nor where one leads to a pipe
        for (String p : java.util.List.of("self", "parent", "slash", "out/deep/back", "broken", "fifo")) {
            assertThat(whole.isUnknown(p)).as(p).isTrue();
        }
        assertThat(scoped.entries().keySet()).containsExactly("out", "out/deep", "out/deep/data");
        assertThat(scoped.errors()).containsOnlyKeys("out/deep/back");

        ScanResult skipped = new Scanner(false, Set.of(), Filter.NONE, parallelism).withSymlinks(Symlinks.SKIP).scan(root);
        assertThat(skipped.entries().keySet()).containsExactly("a.txt");
        assertThat(skipped.errors()).isEmpty();
        assertThat(skipped.isUnknown("alias")).isTrue();
    }

    @Test
    void entries_carrySizeNanosecondMtimeModeAndInode_sortedParentsFirst() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/f.txt"), "hello");
        Files.writeString(root.resolve("a-b"), "x");
        Files.setLastModifiedTime(root.resolve("a/b/f.txt"), FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        Files.setAttribute(root.resolve("a/b/f.txt"), "unix:mode", 0640);

        ScanResult r = new Scanner(false, Set.of()).scan(root);

        assertThat(r.entries().keySet()).containsExactly("a", "a-b", "a/b", "a/b/f.txt");
        Entry f = r.entries().get("a/b/f.txt");
        assertThat(f.size()).isEqualTo(5);
        assertThat(f.mtimeNanos()).isEqualTo(1_600_000_000_123_456_789L);
        assertThat(f.mode()).isEqualTo(0640);
        assertThat(f.inode()).isPositive();
        assertThat(r.errors()).isEmpty();
    }

    /** A root's version store and lock (and a nested root's) are farsync's own: never listed, so never synced. */
    @Test
    void replicaDirectories_areNeverListed_atAnyDepth() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve(".farsync-replica"));
        Files.writeString(root.resolve(".farsync-replica/versions.db"), "db");
        Files.createDirectories(root.resolve("nested/.farsync-replica"));
        Files.writeString(root.resolve("nested/.farsync-replica/versions.db"), "db");
        Files.writeString(root.resolve("nested/f"), "f");

        assertThat(new Scanner(false, Set.of()).scan(root).entries().keySet()).containsExactly("nested", "nested/f");
        assertThat(new Scanner(false, Set.of()).scan(root, java.util.List.of(".farsync-replica", "nested/.farsync-replica/versions.db"))
                .entries().keySet()).as("a subtree scan lists the ancestors only").containsExactly("nested");
    }

    /** On a case-insensitive file system a case variant is the same directory: it is skipped just the same. */
    @Test
    void replicaDirectoryInAnotherLetterCase_isNeverListed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("d/.FARSYNC-Replica"));
        Files.writeString(root.resolve("d/.FARSYNC-Replica/versions.db"), "db");

        assertThat(new Scanner(false, Set.of()).scan(root).entries().keySet()).containsExactly("d");
        assertThat(new Scanner(false, Set.of()).scan(root, java.util.List.of("d/.FARSYNC-Replica/versions.db"))
                .entries().keySet()).containsExactly("d");
    }

    @Test
    void tempFiles_areNeverListed_andRemovedOnlyWhenAsked() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path temp = root.resolve(".data.bin.farsync-0123456789abcdef.tmp");
        Files.writeString(temp, "partial");
        Files.writeString(root.resolve("data.bin"), "full");

        ScanResult keep = new Scanner(false, Set.of()).scan(root);
        assertThat(keep.entries().keySet()).containsExactly("data.bin");
        assertThat(temp).exists();

        ScanResult clean = new Scanner(true, Set.of()).scan(root);
        assertThat(clean.entries().keySet()).containsExactly("data.bin");
        assertThat(clean.staleTempsRemoved()).isEqualTo(1);
        assertThat(temp).doesNotExist();
    }

    @Test
    void tempNames_matchOnlyTheEnginePattern() {
        assertThat(TempNames.isTempName(TempNames.forFinalName("report.pdf"))).isTrue();
        assertThat(TempNames.isTempName(TempNames.forFinalName("x".repeat(255)))).isTrue();
        assertThat(TempNames.forFinalName("ü".repeat(200)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .isLessThanOrEqualTo(255);
        assertThat(TempNames.isTempName("report.pdf.tmp")).isFalse();
        assertThat(TempNames.isTempName(".report.farsync-xyz.tmp")).isFalse();
    }

    @Test
    void unknownPaths_coverTheirSubtrees() {
        ScanResult r = new ScanResult(new java.util.TreeMap<>(), java.util.Map.of("a/b", "permission denied"), Set.of("a/b"), 0);
        assertThat(r.isUnknown("a/b")).isTrue();
        assertThat(r.isUnknown("a/b/c/d")).isTrue();
        assertThat(r.isUnknown("a/bc")).isFalse();
        assertThat(r.isUnknown("a")).isFalse();
    }

    @Test
    void parallelScan_findsExactlyWhatTheSequentialWalkFinds_onASeededRandomTree() throws Exception {
        long seed = System.nanoTime();
        System.out.println("ScannerTest seed " + seed);
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path outside = Files.createDirectories(tmp.resolve("outside/deep"));
        Files.writeString(outside.resolve("secret"), "s");
        RandomTree.make(root, new java.util.Random(seed), 1500, outside.getParent());
        Path excluded = root.resolve("d0/excluded.db");
        Files.createDirectories(excluded.getParent());
        Files.writeString(excluded, "db");

        ScanResult sequential = new Scanner(false, Set.of(excluded), Filter.NONE, 1).scan(root);
        for (int threads : new int[] {2, 8}) {
            ScanResult parallel = new Scanner(false, Set.of(excluded), io.farsync.sync.filter.Filter.NONE, threads).scan(root);
            assertThat(parallel.entries()).as("seed %d, %d threads", seed, threads).isEqualTo(sequential.entries());
            assertThat(java.util.List.copyOf(parallel.entries().keySet())).isEqualTo(java.util.List.copyOf(sequential.entries().keySet()));
            assertThat(parallel.errors()).isEqualTo(sequential.errors());
            assertThat(parallel.incomplete()).isEqualTo(sequential.incomplete());
        }
        assertThat(sequential.entries().size()).as("seed %d", seed).isGreaterThan(1000);
        assertThat(sequential.entries()).doesNotContainKey("d0/excluded.db");
        // Every listed path exists as lstat sees it: nothing was reached through a link.
        for (Entry e : sequential.entries().values()) {
            Path p = root.resolve(e.path());
            for (Path q = p.getParent(); !q.equals(root); q = q.getParent()) {
                assertThat(Files.isSymbolicLink(q)).as("%s is below a symlink (seed %d)", e.path(), seed).isFalse();
            }
            assertThat(Files.isSymbolicLink(p)).isEqualTo(e.isSymlink());
        }
        assertThat(sequential.entries().values()).filteredOn(Entry::isSymlink).isNotEmpty();
    }

    @Test
    void parallelScan_neverFollowsSymlinks_andKeepsTheSameEntryRecords() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("outside/deep"));
        Files.writeString(tmp.resolve("outside/deep/secret"), "s");
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/f"), "hello");
        Files.createSymbolicLink(root.resolve("a/out"), tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("a/b/up"), Path.of("../.."));

        ScanResult r = new Scanner(false, Set.of(), io.farsync.sync.filter.Filter.NONE, 4).scan(root);

        assertThat(r.entries().keySet()).containsExactly("a", "a/b", "a/b/f", "a/b/up", "a/out");
        Entry f = r.entries().get("a/b/f");
        Entry direct = Stat.lstatOrNull(root.resolve("a/b/f"), "a/b/f");
        assertThat(f).isEqualTo(direct);
        assertThat(f.device()).isNotZero();
        assertThat(f.inode()).isPositive();
        assertThat(r.entries().get("a/out").linkTarget()).isEqualTo(tmp.resolve("outside").toString());
    }

    @Test
    void parallelScan_ofAMissingRoot_failsLikeTheSequentialOne() {
        Path missing = tmp.resolve("missing");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Scanner(false, Set.of(), io.farsync.sync.filter.Filter.NONE, 4).scan(missing))
                .isInstanceOf(io.farsync.common.FarsyncException.class)
                .hasMessage("no such file or directory: " + missing);
    }

    @Test
    void stopWhen_endsTheScanBeforeTheNextDirectory() throws Exception {
        Path root = tmp.resolve("stop");
        for (int i = 0; i < 100; i++) {
            Files.createDirectories(root.resolve("d" + i).resolve("e"));
        }
        AtomicInteger asked = new AtomicInteger();
        // true from the third directory on: the walk (one thread) lists no more
        Scanner scanner = new Scanner(false, Set.of(), Filter.NONE, 1)
                .stopWhen(() -> asked.incrementAndGet() > 2);
        assertThatThrownBy(() -> scanner.scan(root)).isInstanceOf(Scanner.Stopped.class)
                .hasMessage("scan stopped: the session ended");
        assertThat(asked).hasValue(3);
    }

    /** Children are read relative to the listed directory (Stat.lstatChildOrNull): the same skips and records as by path. */
    @Test
    void specialFiles_areSkippedWithoutAnError_sequentialAndParallel() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("root/a/b"));
        Path root = tmp.resolve("root");
        try (java.nio.channels.ServerSocketChannel socket = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            socket.bind(java.net.UnixDomainSocketAddress.of(dir.resolve("sock")));
            Files.writeString(dir.resolve("f"), "hello");
            Files.createSymbolicLink(root.resolve("a/link"), Path.of("b/f"));
            for (int threads : new int[] {1, 4}) {
                ScanResult r = new Scanner(false, Set.of(), Filter.NONE, threads).scan(root);

                assertThat(r.entries().keySet()).as("%d threads", threads).containsExactly("a", "a/b", "a/b/f", "a/link");
                assertThat(r.errors()).isEmpty();
                assertThat(r.incomplete()).isEmpty();
                assertThat(r.entries().get("a/b/f")).isEqualTo(Stat.lstatOrNull(root.resolve("a/b/f"), "a/b/f"));
                assertThat(r.entries().get("a/link").linkTarget()).isEqualTo("b/f");
            }
        }
    }

    /** A flat tree (one root, many directories) is listed by more than one thread, not walked by one. */
    @Test
    void parallelScan_ofAFlatTree_listsItsDirectoriesOnSeveralThreads() throws Exception {
        Path root = tmp.resolve("flat");
        for (int i = 0; i < 50; i++) {
            Files.writeString(Files.createDirectories(root.resolve("d" + i)).resolve("f"), "x");
        }
        Set<Thread> listers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.CountDownLatch second = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger asked = new AtomicInteger();
        // The thread that lists the first subdirectory waits (once) until another thread lists one:
        // with all subdirectories in a single task nobody else could, and the test fails below.
        Scanner scanner = new Scanner(false, Set.of(), Filter.NONE, 4).stopWhen(() -> {
            listers.add(Thread.currentThread());
            if (listers.size() >= 2) {
                second.countDown();
            } else if (asked.incrementAndGet() == 2) {
                try {
                    second.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return false;
        });

        ScanResult r = scanner.scan(root);

        assertThat(r.entries()).hasSize(100);
        assertThat(listers).hasSizeGreaterThanOrEqualTo(2);
    }
}
