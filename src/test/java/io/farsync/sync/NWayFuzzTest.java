package io.farsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three replicas, every pair synced bidirectionally through the real engine (real files, real
 * snapshot and version databases, one version store per root shared by its two pairs). Each round
 * all three apply random creates, edits, renames and deletes concurrently, then pairs are synced
 * in random order until a whole sweep of the three pairs has nothing to do. Checked: the sweeps
 * end (no ping-pong), the three trees are identical, and every version ever written survives
 * (under some name, its own or a conflict copy's) unless a replica that held it later edited or
 * deleted it: the test keeps that causal model itself.
 *
 * <p>Fixed seeds run in CI; {@code -Dfarsync.test.seed=N} reruns one, and
 * {@code -Dfarsync.test.nwayScenarios=K} runs K more from random seeds.
 */
class NWayFuzzTest {
    private static final long T0 = RandomEdits.T0;
    private static final long[] FIXED = {1L, 7L, 42L, 20261126L};
    private static final int MAX_SWEEPS = 6;

    @TempDir
    Path tmp;
    private final RandomEdits edits = new RandomEdits();

    @Test
    void threeReplicas_randomConcurrentChanges_converge_andKeepEveryVersionNotCausallyReplaced() throws Exception {
        for (long seed : seeds()) {
            scenario(seed, ConflictPolicy.KEEP_BOTH, false);
        }
    }

    /**
     * As {@code farsync nway --self} lays the state out: each pair x-y is run by x's job (its
     * snapshot in x's home) against y's server (its snapshot in y's state directory), so a root
     * is synced from two state directories, and its version store must still be one.
     */
    @Test
    void threeReplicas_snapshotsSplitAsTheMeshJobsKeepThem_converge() throws Exception {
        for (long seed : seeds()) {
            scenario(seed, ConflictPolicy.KEEP_BOTH, true);
        }
    }

    @Test
    void threeReplicas_newestWins_converge() throws Exception {
        scenario(seeds().get(0) + 1000, ConflictPolicy.NEWEST, false);
    }

    /**
     * The case a pairwise base gets wrong: a's version reaches c through b, c edits it, and a
     * meets c directly. Both changed since a and c last met, yet c's edit came after a's: the
     * vectors say so, so c's version wins outright instead of becoming a conflict.
     */
    @Test
    void editRelayedThroughAThirdReplica_isNoConflict() throws Exception {
        BidiRun ab = pair("a", "b", "db", "db");
        BidiRun bc = pair("b", "c", "db", "db");
        BidiRun ac = pair("a", "c", "db", "db");
        Path a = ab.a;
        Path b = ab.b;
        Path c = bc.b;
        writeThenSync(a.resolve("f.txt"), "v0", T0, ab, bc, ac);
        writeThenSync(a.resolve("f.txt"), "v1 by a", T0 + 10_000_000_000L, ab, bc);
        Trees.write(c.resolve("f.txt"), "v2 by c, after v1", T0 + 5_000_000_000L);
        SyncResult r = ac.runOk();
        assertThat(r.conflicts()).isZero();
        assertThat(Files.readString(a.resolve("f.txt"))).as("the later version wins though its mtime is older").isEqualTo("v2 by c, after v1");
        assertThat(RandomEdits.files(a)).containsExactly("f.txt");
        assertThat(ab.runOk().conflicts()).isZero();
        assertThat(bc.runOk().upToDate()).isTrue();
        for (Path p : List.of(b, c)) {
            Trees.assertSameTree(a, p);
        }
    }

    /**
     * The mesh of {@code farsync nway --self} jobs on three nodes: b's root is synced with a by
     * b's server (its state directory) and with c by b's own job (its farsync home), so the two
     * sessions keep their snapshots in different directories. a's edit reaches b; then b and c meet
     * for the first time, c still holding the version a's edit replaced. The root is one replica
     * whichever process syncs it: b's version has seen c's, so it wins outright, no conflict copy.
     * (Before the version store moved into the root, each directory held a store of its own, b's
     * job counted every path as its own new write, concurrent with c's, and b-c kept c's old
     * version as a conflict copy: the continuous mesh's copies of copies.)
     */
    @Test
    void aRootSyncedFromTwoStateDirectories_isOneReplica_noFalseConflict() throws Exception {
        // state directories: a's job's home, b's server's, b's job's home, c's server's
        BidiRun ab = pair("a", "b", "a-home", "b-server");
        BidiRun ac = pair("a", "c", "a-home", "c-server");
        BidiRun bc = pair("b", "c", "b-home", "c-server");
        writeThenSync(ab.a.resolve("base.txt"), "base", T0, ab, ac);
        writeThenSync(ab.a.resolve("base.txt"), "edited at a", T0 + 30_000_000_000L, ab);
        SyncResult first = bc.runOk();
        assertThat(first.conflicts()).as("b's version came after c's").isZero();
        assertThat(Files.readString(ac.b.resolve("base.txt"))).isEqualTo("edited at a");
        assertThat(ac.runOk().conflicts()).isZero();
        for (BidiRun p : List.of(ab, ac, bc)) {
            assertThat(p.runOk().upToDate()).as("%s <-> %s settled", p.a.getFileName(), p.b.getFileName()).isTrue();
        }
        for (Path p : List.of(ab.a, ab.b, ac.b)) {
            assertThat(RandomEdits.files(p)).as("no conflict copy at %s", p.getFileName()).containsExactly("base.txt");
        }
    }

    private static void writeThenSync(Path file, String content, long mtimeNanos, BidiRun... pairs) throws Exception {
        Trees.write(file, content, mtimeNanos);
        for (BidiRun p : pairs) {
            p.runOk();
        }
    }

    /** The pair x-y (roots tmp/x and tmp/y), x's snapshot in directory tmp/xState and y's in tmp/yState. */
    private BidiRun pair(String x, String y, String xState, String yState) throws IOException {
        for (String d : List.of(x, y, xState, yState)) {
            Files.createDirectories(tmp.resolve(d));
        }
        return new BidiRun(tmp.resolve(x), tmp.resolve(y), tmp.resolve(xState).resolve(x + y + "-" + x + ".db"),
                tmp.resolve(yState).resolve(x + y + "-" + y + ".db"), "host" + x, "host" + y);
    }

    private static List<Long> seeds() {
        Long one = Long.getLong("farsync.test.seed");
        if (one != null) {
            return List.of(one);
        }
        List<Long> out = new ArrayList<>();
        for (long s : FIXED) {
            out.add(s);
        }
        Random r = new Random();
        for (int i = 0; i < Integer.getInteger("farsync.test.nwayScenarios", 0); i++) {
            out.add(r.nextLong());
        }
        return out;
    }

    /** @param meshJobs x's snapshot of pair x-y in x's "home", y's in y's "server" directory (else one directory per root) */
    private void scenario(long seed, ConflictPolicy policy, boolean meshJobs) throws Exception {
        System.out.println("NWayFuzzTest seed " + seed + " " + policy + (meshJobs ? " mesh-jobs" : "") + " (rerun with -Dfarsync.test.seed="
                + seed + ")");
        Random rnd = new Random(seed);
        Path base = Files.createDirectories(tmp.resolve(Long.toString(seed) + policy));
        List<Path> roots = new ArrayList<>();
        for (String n : List.of("a", "b", "c")) {
            roots.add(Files.createDirectories(base.resolve(n)));
            Files.createDirectories(base.resolve("db-" + n));
        }
        List<BidiRun> pairs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < 3; j++) {
                String x = roots.get(i).getFileName().toString();
                String y = roots.get(j).getFileName().toString();
                Path xState = Files.createDirectories(base.resolve("db-" + x + (meshJobs ? "-home" : "")));
                Path yState = Files.createDirectories(base.resolve("db-" + y + (meshJobs ? "-server" : "")));
                BidiRun run = new BidiRun(roots.get(i), roots.get(j), xState.resolve(x + y + ".db"), yState.resolve(x + y + ".db"), "host" + x,
                        "host" + y);
                run.policy = policy;
                pairs.add(run);
            }
        }
        Set<String> written = new HashSet<>();
        Set<String> replaced = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            String p = RandomEdits.path(rnd);
            if (!Files.exists(roots.get(0).resolve(p))) {
                written.add(edits.write(roots.get(0), p, rnd));
            }
        }
        long conflicts = settle(pairs, rnd, "seed " + seed + " initial");
        edits.synced(roots.get(0));
        for (int round = 0; round < 8; round++) {
            String at = "seed " + seed + " round " + round;
            System.out.println(" " + at);
            for (Path root : roots) {
                mutate(root, rnd, rnd.nextInt(5), written, replaced);
            }
            int renamer = rnd.nextInt(3);
            int editor = (renamer + 1 + rnd.nextInt(2)) % 3;
            String[] merged = edits.renameVersusEdit(roots.get(renamer), roots.get(editor), roots, rnd);
            if (merged != null) {
                written.add(merged[1]);
                replaced.add(merged[2]);
            }
            conflicts += settle(pairs, rnd, at);
            if (merged != null) {
                for (Path root : roots) {
                    assertThat(RandomEdits.contents(root, merged[0])).as("%s: renamed at one replica, edited at another: one file, new name, edited, at %s",
                            at, root.getFileName()).isEqualTo(merged[1] + " x1");
                }
            }
            for (Path other : roots.subList(1, 3)) {
                assertThat(withoutDirectoryMtimes(other)).as("%s: %s vs %s", at, other.getFileName(), roots.get(0).getFileName())
                        .isEqualTo(withoutDirectoryMtimes(roots.get(0)));
            }
            edits.synced(roots.get(0));
            if (policy == ConflictPolicy.KEEP_BOTH) {
                Set<String> expected = new HashSet<>(written);
                expected.removeAll(replaced);
                assertThat(RandomEdits.contents(roots.get(0))).as("%s: every version not causally replaced survives in %s", at, listing(roots.get(0)))
                        .containsAll(expected);
            }
        }
        System.out.println("NWayFuzzTest seed " + seed + " " + policy + ": " + conflicts + " conflicts, " + edits.versions() + " versions written");
    }

    /** Syncs pairs in random order until a sweep over all three changes nothing; returns the conflicts seen. */
    private static long settle(List<BidiRun> pairs, Random rnd, String at) throws Exception {
        long conflicts = 0;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            List<BidiRun> order = new ArrayList<>(pairs);
            Collections.shuffle(order, rnd);
            boolean quiet = true;
            for (BidiRun p : order) {
                SyncResult r = p.runOk();
                assertThat(r.errors()).as("%s: %s <-> %s", at, p.a.getFileName(), p.b.getFileName()).isEmpty();
                conflicts += r.conflicts();
                quiet &= r.upToDate() && r.conflicts() == 0;
            }
            if (quiet) {
                return conflicts;
            }
        }
        throw new AssertionError(at + ": still changing after " + MAX_SWEEPS + " sweeps over every pair (ping-pong?)");
    }

    /** Applies {@code n} random file operations; notes versions written and the ones this replica replaced. */
    private void mutate(Path root, Random rnd, int n, Set<String> written, Set<String> replaced) throws IOException {
        for (int i = 0; i < n; i++) {
            List<String> files = RandomEdits.files(root);
            int op = files.isEmpty() ? 0 : rnd.nextInt(4);
            String f = files.isEmpty() ? null : files.get(rnd.nextInt(files.size()));
            switch (op) {
                case 0 -> {
                    String p = RandomEdits.path(rnd);
                    if (!Files.exists(root.resolve(p))) {
                        written.add(edits.write(root, p, rnd));
                        RandomEdits.log(root, "create " + p);
                    }
                }
                case 1 -> {
                    replaced.add(read(root, f));
                    written.add(edits.write(root, f, rnd));
                    RandomEdits.log(root, "edit " + f);
                }
                case 2 -> {
                    String p = RandomEdits.path(rnd);
                    if (!Files.exists(root.resolve(p))) {
                        Files.createDirectories(root.resolve(p).getParent());
                        Files.move(root.resolve(f), root.resolve(p));
                        RandomEdits.log(root, "rename " + f + " -> " + p);
                    }
                }
                default -> {
                    replaced.add(read(root, f));
                    Files.delete(root.resolve(f));
                    RandomEdits.log(root, "delete " + f);
                }
            }
        }
    }

    private static String read(Path root, String rel) throws IOException {
        return Files.readString(root.resolve(rel), StandardCharsets.UTF_8);
    }

    /**
     * The tree as {@link Trees#describe} gives it, but directories' mtimes left out: a directory
     * whose metadata changed at two replicas keeps each one's mtime (a known gap of n-way sync).
     */
    private static java.util.Map<String, String> withoutDirectoryMtimes(Path root) throws IOException {
        java.util.Map<String, String> m = Trees.describe(root);
        m.replaceAll((k, v) -> v.startsWith("dir ") ? v.replaceAll(" mtime=\\d+", "") : v);
        return m;
    }

    private static String listing(Path root) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String f : RandomEdits.files(root)) {
            sb.append("\n  ").append(f).append(": ").append(read(root, f));
        }
        return sb.toString();
    }

}
