package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.farsync.session.KeyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farsync nway JOB} through the CLI: a 3-node mesh of real {@code farsync server}s (real
 * SSH and UDP on loopback, one home, identity and root per node, each node's job run with
 * {@code --self}), and a hub with three local spokes.
 */
class NwayEndToEndTest {
    private static final Instant T0 = Instant.parse("2024-03-01T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private final List<CliHarness> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        nodes.forEach(CliHarness::close);
    }

    /** Three nodes, each with a server whose every peer's key may log in, and the mesh job naming them. */
    private Path meshOfThree() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            nodes.add(new CliHarness(tmp.resolve(n)));
        }
        // every node's client key may log in at every node's server
        for (CliHarness server : nodes) {
            for (CliHarness client : nodes) {
                if (client != server) {
                    Files.write(server.serverHome.resolve("authorized_keys"), Files.readAllBytes(KeyFiles.publicKeyFile(client.identity)),
                            StandardOpenOption.APPEND);
                }
            }
            server.startServer();
        }
        Path job = tmp.resolve("mesh.json");
        ObjectNode j = JSON.createObjectNode().put("topology", "mesh").put("rate", "200M");
        ArrayNode eps = j.putArray("endpoints");
        for (int i = 0; i < 3; i++) {
            CliHarness node = nodes.get(i);
            Files.createDirectories(data(i));
            eps.addObject().put("name", List.of("a", "b", "c").get(i)).put("path", node.remote("/data")).put("port", node.server.port())
                    .put("local", data(i).toString());
        }
        JSON.writeValue(job.toFile(), j);
        return job;
    }

    /**
     * {@code nway --continuous} as separate processes at a and b (b's pairs with c; a's with b
     * and c): a change at any node reaches every node, concurrent edits at b and c both survive,
     * the jobs then go quiet (their last settles change nothing: no ping-pong, no cascade of
     * copies), and SIGTERM ends each with exit 0.
     */
    @Test
    void continuousMesh_aChangeAtAnyNodeReachesAll_thenQuiet_sigtermExitsZero() throws Exception {
        Path job = meshOfThree();
        write(data(0), "base.txt", "base", 0);
        List<Process> jobs = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                jobs.add(launchContinuous(job, i));
            }
            awaitEverywhere("base.txt", "base");
            write(data(2), "from-c.txt", "made at c", 10);
            awaitEverywhere("from-c.txt", "made at c");
            write(data(1), "from-b.txt", "made at b", 20);
            awaitEverywhere("from-b.txt", "made at b");
            write(data(0), "base.txt", "edited at a", 30);
            awaitEverywhere("base.txt", "edited at a");
            // b and c edit one file concurrently: both versions survive, and the jobs still go quiet
            write(data(2), "both.txt", "edited at c", 40);
            write(data(1), "both.txt", "edited at b", 50);
            // The loser of the conflict is copied aside, never moved away before the winner replaces
            // it (ConflictCopies): both.txt does not go missing once it is there, so no exception
            // is waited through (session 7 had to: NoSuchFileException here, once in CI).
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).pollInterval(java.time.Duration.ofMillis(200))
                    .until(() -> Files.isRegularFile(data(0).resolve("both.txt")) && Files.isRegularFile(data(2).resolve("both.txt"))
                            && read(data(0), "both.txt").equals(read(data(2), "both.txt")));
            for (int i = 0; i < 2; i++) {
                Path log = tmp.resolve("job-" + i + ".log");
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).pollInterval(java.time.Duration.ofMillis(200))
                        .until(() -> lastSettlesQuiet(log, 2));
            }
            assertSame();
            List<String> versions = new ArrayList<>(List.of(read(data(0), "both.txt")));
            for (String copy : conflictCopies(data(0))) {
                if (copy.startsWith("both.conflict-")) {
                    versions.add(read(data(0), copy));
                } else {
                    // Seen once in ~40 runs, at load 30: a copy of base.txt holding the version that is
                    // also under the name (the arrival-order case of the README, for a's own edit).
                    // A duplicate, never a lost or foreign version: that much is asserted.
                    assertThat(copy).as("only the two edited files can have copies").startsWith("base.conflict-");
                    assertThat(read(data(0), copy)).as(copy).isIn("edited at a", "base");
                }
            }
            // Both survive (b wrote before b-c could bring c's edit: concurrent). Arriving at a through
            // a-b and a-c at once, the second can keep the first aside by arrival order, so the winner
            // may also be left as a copy (see README, n-way limits): allowed, as long as nothing else is.
            assertThat(versions).as("the name and the copies").contains("edited at b", "edited at c")
                    .isSubsetOf("edited at b", "edited at c");
            sigtermExitsZero(jobs);
        } finally {
            // waited for: a job still running would write into tmp during its cleanup
            for (Process p : jobs) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * Concurrent edits of new files at b and c, in seeded orders, while both continuous jobs run:
     * at every node the file never goes missing once it was there (a conflict's loser is kept
     * aside beside it, not moved away until the winner arrives), every node ends with the newer
     * version under the name and exactly one copy of the older one (one stable name, the same at
     * every node; the README's arrival-order case is allowed, never a version kept twice among the
     * copies), and no session of either job deletes anything (nothing was deleted: a delete
     * would be one session seeing another's conflict handling half done, and the file is then
     * re-sent: the churn seen in CI). Runs a few episodes; the seed is printed.
     */
    @Test
    void continuousMesh_concurrentEdits_neverHideTheFile_keepOneCopyOfTheLoser_deleteNothing() throws Exception {
        long seed = Long.getLong("farsync.seed", System.nanoTime());
        System.out.println("continuousMesh conflict episodes: -Dfarsync.seed=" + seed);
        java.util.Random random = new java.util.Random(seed);
        Path job = meshOfThree();
        write(data(0), "base.txt", "base", 0);
        List<Process> jobs = new ArrayList<>();
        try (PresenceWatch presence = new PresenceWatch()) {
            for (int i = 0; i < 2; i++) {
                jobs.add(launchContinuous(job, i));
            }
            awaitEverywhere("base.txt", "base");
            for (int episode = 0; episode < 3; episode++) {
                String name = "both-" + episode + ".txt";
                String copyPrefix = "both-" + episode + ".conflict-";
                for (int i = 0; i < 3; i++) {
                    presence.watch(data(i).resolve(name));
                }
                // which of b and c writes first, and whose version is newer, are the seed's
                int first = 1 + random.nextInt(2);
                int newer = 1 + random.nextInt(2);
                String winner = "edited at " + "abc".charAt(newer) + " " + episode;
                String loser = "edited at " + "abc".charAt(3 - newer) + " " + episode;
                for (int node : List.of(first, 3 - first)) {
                    write(data(node), name, "edited at " + "abc".charAt(node) + " " + episode, 100 * episode + (node == newer ? 50 : 40));
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).pollInterval(java.time.Duration.ofMillis(200))
                        .ignoreExceptions().until(() -> {
                            var a = Trees.describe(data(0), false);
                            return a.equals(Trees.describe(data(1), false)) && a.equals(Trees.describe(data(2), false))
                                    && conflictCopies(data(0)).stream().anyMatch(c -> c.startsWith(copyPrefix));
                        });
                for (int i = 0; i < 2; i++) {
                    Path log = tmp.resolve("job-" + i + ".log");
                    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).pollInterval(java.time.Duration.ofMillis(200))
                            .until(() -> lastSettlesQuiet(log, 2));
                }
                assertSame();
                for (int node = 0; node < 3; node++) {
                    int i = node;
                    String seen = "node " + "abc".charAt(i) + ", episode " + episode + ", seed " + seed;
                    List<String> copies = conflictCopies(data(i)).stream().filter(c -> c.startsWith(copyPrefix)).map(c -> readQuietly(data(i), c))
                            .toList();
                    String why = seen + "; copies hold " + copies + "; the jobs' conflicts: " + logLines("conflict");
                    assertThat(copies).as("no version kept twice: " + why).doesNotHaveDuplicates();
                    if (read(data(i), name).equals(winner)) {
                        assertThat(copies).as("the older version, kept once: " + why).containsExactly(loser);
                    } else {
                        // Both versions reached a's two pairs in one round, each decided before either
                        // arrived: the second arrival kept the first aside (README, n-way limits), and the
                        // older may keep the name. Still every version: the newer among the copies, the
                        // older under the name (and among the copies too when it arrived first; once seen
                        // in CI with only the newer copied, seed 29990875195768, not reproduced in 2 reruns).
                        System.out.println("arrival-order case (README, n-way limits) at " + why);
                        assertThat(read(data(i), name)).as(why).isEqualTo(loser);
                        assertThat(copies).as(why).contains(winner).isSubsetOf(winner, loser);
                    }
                }
            }
            presence.close();
            org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
            soft.assertThat(presence.vanished()).as("files that went missing at a node (seed %d)", seed).isEmpty();
            for (int i = 0; i < 2; i++) {
                List<String> deleting = Files.readAllLines(tmp.resolve("job-" + i + ".log")).stream().filter(l -> l.contains(", deleted ")).toList();
                soft.assertThat(deleting).as("sessions of job %d that deleted something (seed %d); the jobs' conflicts: %s", i, seed,
                        logLines("conflict")).isEmpty();
            }
            soft.assertAll();
            sigtermExitsZero(jobs);
        } finally {
            // waited for: a job still running would write into tmp during its cleanup
            for (Process p : jobs) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /** SIGTERM ends each continuous job with exit 0 (its log is the failure's message). */
    private void sigtermExitsZero(List<Process> jobs) throws Exception {
        for (int i = 0; i < jobs.size(); i++) {
            Process p = jobs.get(i);
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(tmp.resolve("job-" + i + ".log"))).isZero();
        }
    }

    /** The lines of both continuous jobs' logs that contain {@code needle}, for failure messages. */
    private List<String> logLines(String needle) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String job = "job " + "ab".charAt(i) + ": ";
            try {
                Files.readAllLines(tmp.resolve("job-" + i + ".log")).stream().filter(l -> l.contains(needle)).map(l -> job + l).forEach(out::add);
            } catch (IOException e) {
                out.add("job " + i + ": " + e);
            }
        }
        return out;
    }

    private static String readQuietly(Path root, String rel) {
        try {
            return read(root, rel);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Process launchContinuous(Path job, int node) throws IOException {
        List<String> cmd = List.of(System.getProperty("java.home") + "/bin/java", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "nway", job.toString(), "--self", List.of("a", "b").get(node), "--continuous", "--scan-interval", "1");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("job-" + node + ".log").toFile());
        pb.environment().put("FARSYNC_HOME", nodes.get(node).clientHome.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    private void awaitEverywhere(String rel, String content) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).pollInterval(java.time.Duration.ofMillis(100))
                .until(() -> {
                    for (int i = 0; i < 3; i++) {
                        Path f = data(i).resolve(rel);
                        if (!Files.isRegularFile(f) || !read(data(i), rel).equals(content)) {
                            return false;
                        }
                    }
                    return true;
                });
    }

    /** True once the job's last {@code n} settles each took one round (found nothing to do). */
    private static boolean lastSettlesQuiet(Path log, int n) throws IOException {
        List<String> settles = Files.readAllLines(log).stream().filter(l -> l.startsWith("in sync: ")).toList();
        return settles.size() >= n && settles.subList(settles.size() - n, settles.size()).stream().allMatch(l -> l.contains(", 1 rounds"));
    }

    @Test
    void meshOfThreeServers_concurrentChangesEverywhere_converge_conflictKeepsBoth_rerunIsQuiet() throws Exception {
        Path job = meshOfThree();

        write(data(0), "shared.txt", "base", 0);
        write(data(0), "doomed.txt", "doomed", 0);
        write(data(0), "renamed-at-c.txt", "rename me", 0);
        write(data(0), "notes.txt", "notes", 0);
        converge(job);
        assertSame();

        // concurrent changes at all three nodes
        write(data(0), "from-a/new.bin", "a's new file", 10);
        write(data(1), "shared.txt", "edited at b", 20);
        write(data(2), "shared.txt", "edited at c", 30);
        Files.delete(data(1).resolve("doomed.txt"));
        Files.move(data(2).resolve("renamed-at-c.txt"), data(2).resolve("moved-by-c.txt"));
        // a rename at one node and an edit at another end as one renamed, edited file everywhere
        Files.createDirectories(data(0).resolve("docs"));
        Files.move(data(0).resolve("notes.txt"), data(0).resolve("docs/notes-renamed.txt"));
        write(data(2), "notes.txt", "notes edited at c", 50);
        converge(job);
        assertSame();
        for (int i = 0; i < 3; i++) {
            assertThat(read(data(i), "from-a/new.bin")).isEqualTo("a's new file");
            assertThat(read(data(i), "shared.txt")).as("the newer of two concurrent edits keeps the name").isEqualTo("edited at c");
            assertThat(conflictCopies(data(i))).as("the other is kept beside it, under one name at every node").hasSize(1);
            assertThat(read(data(i), conflictCopies(data(i)).get(0))).isEqualTo("edited at b");
            assertThat(data(i).resolve("doomed.txt")).doesNotExist();
            assertThat(read(data(i), "moved-by-c.txt")).isEqualTo("rename me");
            assertThat(data(i).resolve("renamed-at-c.txt")).doesNotExist();
            assertThat(read(data(i), "docs/notes-renamed.txt")).isEqualTo("notes edited at c");
            assertThat(data(i).resolve("notes.txt")).doesNotExist();
        }
        // a change relayed through a third node is no conflict where it arrives second
        write(data(1), "shared.txt", "b again, after seeing c's", 40);
        CliHarness.Result r = nodes.get(1).run("nway", job.toString(), "--self", "b", "--stats-json", tmp.resolve("b.json").toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        r = nodes.get(0).run("nway", job.toString(), "--self", "a", "--stats-json", tmp.resolve("a.json").toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(JSON.readTree(tmp.resolve("a.json").toFile()).get("conflicts").asLong()).isZero();
        assertSame();
        assertThat(read(data(0), "shared.txt")).isEqualTo("b again, after seeing c's");
        assertThat(conflictCopies(data(0))).hasSize(1);

        // farsync admin lists the conflict copy waiting for the user at every session of node a
        CliHarness.Result sessions = nodes.get(0).run("admin", "sessions", "--json");
        for (JsonNode session : JSON.readTree(sessions.out())) {
            JsonNode show = JSON.readTree(nodes.get(0).run("admin", "show", session.get("session").asText() + ".local", "--json").out());
            assertThat(show.get("conflict_copies")).extracting(JsonNode::asText).containsExactlyElementsOf(conflictCopies(data(0)));
        }
        assertThat(nodes.get(0).run("admin", "show", JSON.readTree(sessions.out()).get(0).get("session").asText() + ".local").out())
                .contains("conflict copies 1").contains(conflictCopies(data(0)).get(0));
    }

    @Test
    void hubWithThreeSpokes_distributesConcurrently_splittingTheRate() throws Exception {
        CliHarness node = new CliHarness(tmp.resolve("hub-node"));
        nodes.add(node);
        List<Path> roots = new ArrayList<>();
        ObjectNode j = JSON.createObjectNode().put("topology", "hub").put("hub", "hub").put("rate", "300M").put("share", "split");
        ArrayNode eps = j.putArray("endpoints");
        for (String n : List.of("hub", "s1", "s2", "s3")) {
            Path root = Files.createDirectories(tmp.resolve(n));
            roots.add(root);
            eps.addObject().put("name", n).put("path", root.toString());
        }
        Path job = tmp.resolve("hub.json");
        JSON.writeValue(job.toFile(), j);
        write(roots.get(0), "from-hub.txt", "hub", 0);
        write(roots.get(0), "both.txt", "base", 0);
        CliHarness.Result first = node.run("nway", job.toString());
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("round 1 distribute hub <-> s2").contains("in sync: 4 endpoints, 2 rounds");

        write(roots.get(0), "from-hub-2.txt", "hub 2", 5);
        write(roots.get(1), "from-s1.txt", "s1", 1);
        write(roots.get(3), "dir/from-s3.txt", "s3", 3);
        write(roots.get(1), "both.txt", "edited at s1", 10);
        write(roots.get(2), "both.txt", "edited at s2", 20);
        Path stats = tmp.resolve("stats.json");
        CliHarness.Result r = node.run("nway", job.toString(), "--stats-json", stats.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        for (Path root : roots.subList(1, 4)) {
            Trees.assertSameTree(roots.get(0), root);
        }
        assertThat(read(roots.get(3), "dir/from-s3.txt")).isEqualTo("s3");
        // s1 and s2 reached the hub at once: one edit keeps the name, the other is kept beside it
        List<String> both = new ArrayList<>(List.of(read(roots.get(3), "both.txt")));
        for (String c : conflictCopies(roots.get(3))) {
            both.add(read(roots.get(3), c));
        }
        assertThat(both).containsExactlyInAnyOrder("edited at s1", "edited at s2");
        JsonNode s = JSON.readTree(stats.toFile());
        assertThat(s.get("status").asText()).isEqualTo("ok");
        for (JsonNode link : s.get("links")) {
            assertThat(link.get("target_rate_bps").asLong()).as("300M split among 3 concurrent spokes: %s", link).isEqualTo(100_000_000L);
        }
        CliHarness.Result again = node.run("nway", job.toString());
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("in sync: 4 endpoints, 1 rounds");
        assertThat(conflictCopies(roots.get(0))).as("one conflict, one copy").hasSize(1);
    }

    @Test
    void badJob_isAUsageErrorNamingTheProblem() throws Exception {
        CliHarness node = new CliHarness(tmp.resolve("n"));
        nodes.add(node);
        Path job = tmp.resolve("bad.json");
        Files.writeString(job, "{\"topology\": \"hub\", \"endpoints\": [{\"name\": \"a\", \"path\": \"/x\"}, {\"name\": \"b\", \"path\": \"/y\"}]}");
        CliHarness.Result r = node.run("nway", job.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(job.toString()).contains("a hub topology needs 'hub'");
        Files.writeString(job, "{\"endpoints\": [{\"name\": \"a\", \"path\": \"h1:/x\"}, {\"name\": \"b\", \"path\": \"h2:/y\"}]}");
        r = node.run("nway", job.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("mesh pair a-b joins two remote endpoints");
    }

    /** Each node runs its job (a syncs with b and c, b with c) until every node's run changes nothing. */
    private void converge(Path job) {
        for (int pass = 0; pass < 3; pass++) {
            boolean quiet = true;
            for (int i = 0; i < 2; i++) {
                String self = List.of("a", "b").get(i);
                CliHarness.Result r = nodes.get(i).run("nway", job.toString(), "--self", self);
                assertThat(r.exitCode()).as(r.toString()).isZero();
                quiet &= r.out().contains(", 1 rounds");
            }
            if (quiet) {
                return;
            }
        }
        throw new AssertionError("the mesh did not settle in 3 passes over the nodes");
    }

    private Path data(int node) {
        return nodes.get(node).serverRoot.resolve("data");
    }

    private void assertSame() throws IOException {
        Trees.assertSameTree(data(0), data(1));
        Trees.assertSameTree(data(0), data(2));
    }

    private static void write(Path root, String rel, String content, int seconds) throws IOException {
        Path f = root.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(f, FileTime.from(T0.plusSeconds(seconds)));
    }

    private static String read(Path root, String rel) throws IOException {
        return Files.readString(root.resolve(rel), StandardCharsets.UTF_8);
    }

    private static List<String> conflictCopies(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).filter(n -> n.contains(".conflict-")).sorted().toList();
        }
    }
}
