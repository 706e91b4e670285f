package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole stack: CLI, real SSH server, UDP transport on loopback, sync engine, real files. */
class SyncEndToEndTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    CliHarness h;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        h = new CliHarness(tmp).startServer();
        src = tmp.resolve("project");
        Trees.makeSampleTree(src, SEED);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void push_copiesTreeWithModesMtimesEmptyDirsAndSymlinks() throws Exception {
        Path stats = tmp.resolve("stats.json");
        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/project"), "--stats-json", stats.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Trees.assertSameTree(src, h.serverRoot.resolve("project"));
        assertThat(r.out()).contains("a/b/two.bin").contains("sent ");
        JsonNode json = new ObjectMapper().readTree(stats.toFile());
        assertThat(json.get("status").asText()).isEqualTo("ok");
        assertThat(json.get("files_transferred").asLong()).isEqualTo(6);
        assertThat(json.get("bytes_transferred").asLong()).isEqualTo(1200 + 70_000 + 3 * 1024 * 1024 + 17 + 5 + 300);
        assertThat(json.get("wire_bytes").asLong()).isGreaterThan(json.get("bytes_transferred").asLong());
        for (String field : new String[] {"retransmitted_bytes", "files_deleted", "files_moved", "conflicts", "duration_seconds"}) {
            assertThat(json.has(field)).as(field).isTrue();
        }
    }

    @Test
    void pull_copiesRemoteTreeToLocal() throws Exception {
        Trees.makeSampleTree(h.serverRoot.resolve("data"), SEED + 1);
        Path copy = tmp.resolve("copy");

        CliHarness.Result r = h.run("sync", h.remote("/data"), copy.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Trees.assertSameTree(h.serverRoot.resolve("data"), copy);
    }

    @Test
    void resync_ofUnchangedTree_transfersNothingAndSaysSo() throws Exception {
        assertThat(h.run("sync", src.toString(), h.remote("/project")).exitCode()).isZero();
        Path stats = tmp.resolve("again.json");

        CliHarness.Result again = h.run("sync", src.toString(), h.remote("/project"), "--stats-json", stats.toString());

        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("already in sync");
        JsonNode json = new ObjectMapper().readTree(stats.toFile());
        assertThat(json.get("files_transferred").asLong()).isZero();
        assertThat(json.get("bytes_transferred").asLong()).isZero();
    }

    @Test
    void changesAddsAndDeletes_propagate_butDestinationOnlyFilesStay() throws Exception {
        assertThat(h.run("sync", src.toString(), h.remote("/project")).exitCode()).isZero();
        Path dst = h.serverRoot.resolve("project");
        Files.writeString(dst.resolve("only-at-destination.txt"), "keep me");
        Random random = new Random(SEED + 2);
        Trees.write(src.resolve("a/one.bin"), random, 80_000);
        Files.setLastModifiedTime(src.resolve("a/one.bin"), FileTime.fromMillis(1_500_000_000_000L));
        Trees.write(src.resolve("new/dir/added.bin"), random, 4096);
        Files.delete(src.resolve("a/b/c/three.txt"));
        Files.delete(src.resolve("link-to-two"));
        Path stats = tmp.resolve("stats.json");

        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/project"), "--stats-json", stats.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Files.readString(dst.resolve("only-at-destination.txt"))).isEqualTo("keep me");
        Files.delete(dst.resolve("only-at-destination.txt"));
        Trees.assertSameTree(src, dst);
        JsonNode json = new ObjectMapper().readTree(stats.toFile());
        assertThat(json.get("files_transferred").asLong()).isEqualTo(2);
        assertThat(json.get("files_deleted").asLong()).isEqualTo(2);
    }

    @Test
    void bothPathsLocal_runsTheFullStackThroughAnEmbeddedServer() throws Exception {
        Path dst = tmp.resolve("local-copy");

        CliHarness.Result r = h.run("sync", src.toString(), dst.toString());

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Trees.assertSameTree(src, dst);
        assertThat(h.run("sync", src.toString(), dst.toString()).out()).contains("already in sync");
    }

    @Test
    void missingSource_exit3_namesThePath() {
        CliHarness.Result r = h.run("sync", tmp.resolve("nope").toString(), h.remote("/x"));

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("source not found").contains("nope");
    }

    /** A remote DST below a file: exit 2, and the server's own absolute path is not told to the client. */
    @Test
    void pushBelowAFileOnTheServer_exit2_withoutTheServersPath() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("below-src"));
        Files.writeString(src.resolve("a.txt"), "a");
        Files.writeString(Files.createDirectories(h.serverRoot.resolve("proj")).resolve("t.txt"), "a file");

        CliHarness.Result onFile = h.run("sync", src.toString(), h.remote("proj/t.txt"));
        CliHarness.Result below = h.run("sync", src.toString(), h.remote("proj/t.txt/sub"));

        assertThat(onFile.exitCode()).as(onFile.toString()).isEqualTo(2);
        assertThat(onFile.err()).contains("destination is not a directory on the server: proj/t.txt");
        assertThat(below.exitCode()).as(below.toString()).isEqualTo(2);
        assertThat(below.err()).contains("cannot create proj/t.txt/sub on the server: not a directory")
                .doesNotContain(h.serverRoot.toString());
        assertThat(h.serverRoot.resolve("proj/t.txt")).hasContent("a file");
    }

    /**
     * What the server says of entries it could not sync, and of a source it refuses, names them as
     * the client did, never by the server's own absolute path.
     */
    @Test
    void serverErrors_nameThePathAsTheClientDid_notTheServersOwn() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("errs-src"));
        Files.writeString(src.resolve("x"), "a file here");
        Files.writeString(src.resolve("ok.txt"), "fine");
        Path taken = Files.createDirectories(h.serverRoot.resolve("errs/x"));
        Files.writeString(taken.resolve("theirs.txt"), "a directory with something in it there");
        Path emptied = Files.createDirectories(h.serverRoot.resolve("gone"));
        Files.writeString(emptied.resolve("only.txt"), "soon gone");

        CliHarness.Result push = h.run("sync", src.toString(), h.remote("errs"));
        CliHarness.Result pull = h.run("sync", h.remote("/gone"), tmp.resolve("errs-local").toString(), "-q");
        Files.delete(emptied.resolve("only.txt"));
        CliHarness.Result pullEmptied = h.run("sync", h.remote("/gone"), tmp.resolve("errs-local").toString());

        assertThat(push.exitCode()).as(push.toString()).isEqualTo(1);
        assertThat(push.err()).contains("x: cannot replace non-empty directory errs/x").doesNotContain(h.serverRoot.toString());
        assertThat(h.serverRoot.resolve("errs/ok.txt")).hasContent("fine");
        assertThat(pull.exitCode()).as(pull.toString()).isZero();
        assertThat(pullEmptied.exitCode()).as(pullEmptied.toString()).isEqualTo(11);
        assertThat(pullEmptied.err()).contains("source /gone is empty but held").doesNotContain(h.serverRoot.toString());
    }

    @Test
    void pullIntoAPathThatIsAFile_exit2_namesIt() throws Exception {
        Trees.makeSampleTree(h.serverRoot.resolve("data"), SEED + 3);
        Path file = Files.writeString(tmp.resolve("taken"), "mine");

        CliHarness.Result r = h.run("sync", h.remote("/data"), file.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("destination is not a directory");
        assertThat(Files.readString(file)).isEqualTo("mine");
    }

    /** A push to the account's root itself: the operator's directory keeps its mode (the client's is 700). */
    @Test
    void pushToTheAccountsRoot_leavesTheRootsModeAlone() throws Exception {
        Path own = Files.createDirectories(tmp.resolve("own-src"));
        Files.writeString(own.resolve("x.txt"), "x");
        Files.setAttribute(own, "unix:mode", 0700);
        Path fresh = Files.createDirectories(tmp.resolve("fresh-root"));
        Files.setAttribute(fresh, "unix:mode", 0755);
        CliHarness other = new CliHarness(tmp.resolve("other"));
        try {
            Files.delete(other.serverRoot);
            Files.move(fresh, other.serverRoot);
            other.startServer();
            CliHarness.Result r = other.run("sync", own.toString(), other.remote("/"), "-q");
            assertThat(r.exitCode()).as(r.toString()).isZero();
        } finally {
            other.close();
        }
        assertThat(other.serverRoot.resolve("x.txt")).hasContent("x");
        assertThat(Integer.toOctalString((Integer) Files.getAttribute(other.serverRoot, "unix:mode") & 07777)).isEqualTo("755");
    }

    @Test
    void missingRemoteSource_exit3_andTheLocalDirectoriesItMadeAreGone() throws Exception {
        Path kept = Files.createDirectories(tmp.resolve("kept"));
        CliHarness.Result r = h.run("sync", h.remote("/not-there"), tmp.resolve("c/d/e").toString());
        CliHarness.Result intoExisting = h.run("sync", h.remote("/not-there"), kept.toString());

        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.err()).contains("source not found on the server: /not-there");
        assertThat(tmp.resolve("c")).doesNotExist();
        assertThat(intoExisting.exitCode()).isEqualTo(3);
        assertThat(kept).isDirectory();
    }

    @Test
    void remotePathClimbingOutOfRoot_isRefused_andNothingWrittenOutside() {
        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/../escaped"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(10);
        assertThat(r.err()).contains("escapes");
        assertThat(tmp.resolve("escaped")).doesNotExist();
    }

    @Test
    void remotePathThroughSymlinkOutOfRoot_isRefused() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(h.serverRoot.resolve("sneaky"), outside);

        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/sneaky/project"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(10);
        try (var s = Files.list(outside)) {
            assertThat(s).isEmpty();
        }
    }

    /**
     * A client may not take the server root's replica directory as its destination: it would
     * temp-and-rename its own versions.db over the live store.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/.farsync-replica", "/x/../.farsync-replica/", "/.FARSYNC-REPLICA"})
    void remotePathIntoTheReplicaDirectory_isRefused_andTheStoreUntouched(String requested) throws Exception {
        Path store = Files.createDirectories(h.serverRoot.resolve(".farsync-replica")).resolve("versions.db");
        Files.writeString(store, "live store");
        Path evil = Files.createDirectories(tmp.resolve("evil"));
        Files.writeString(evil.resolve("versions.db"), "forged store");

        CliHarness.Result r = h.run("sync", evil.toString(), h.remote(requested));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(10);
        assertThat(r.err()).contains("reserved replica directory");
        assertThat(store).hasContent("live store");
        try (var s = Files.list(store.getParent())) {
            assertThat(s).containsExactly(store);
        }
    }

    @Test
    void unknownKey_isRefused_exit5() throws Exception {
        Path stranger = tmp.resolve("stranger_key");
        io.farsync.session.KeyFiles.generateTo(stranger, "stranger");

        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/project"), "-i", stranger.toString());

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
        assertThat(r.err()).contains("refused our key");
        assertThat(h.serverRoot.resolve("project")).doesNotExist();
    }

    /** Another service on the port (here one that answers like a web server): exit 4, not "refused our key". */
    @Test
    void aPortWithoutAnSshServer_isUnreachable_exit4_notARefusedKey() throws Exception {
        try (java.net.ServerSocket web = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> {
                while (!web.isClosed()) {
                    try (java.net.Socket c = web.accept()) {
                        c.getOutputStream().write("HTTP/1.0 400 Bad Request\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    } catch (java.io.IOException closed) {
                        return;
                    }
                }
            });
            answer.setDaemon(true);
            answer.start();

            CliHarness.Result r = h.run("sync", src.toString(), "tester@127.0.0.1:/project", "--port", Integer.toString(web.getLocalPort()));

            assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
            assertThat(r.err()).doesNotContain("refused our key");
        }
    }

    @Test
    void changedHostKey_isRefused_exit6_withWarning() throws Exception {
        assertThat(h.run("sync", src.toString(), h.remote("/project")).exitCode()).isZero();
        assertThat(h.clientHome.resolve("known_hosts")).exists();
        int port = h.server.port();
        h.stopServer();
        Files.delete(h.serverHome.resolve("host_key"));
        Files.delete(h.serverHome.resolve("host_key.pub"));
        h.startServer(port);

        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/project"));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(6);
        assertThat(r.err()).contains("HOST KEY CHANGED").contains("known_hosts");
    }

    @Test
    void serverGoingAwayMidTransfer_failsPromptlyWithExit9_andLeavesNoPartialFile() throws Exception {
        Trees.write(src.resolve("huge.bin"), new Random(SEED), 48 * 1024 * 1024);
        Path dst = h.serverRoot.resolve("project");
        java.util.concurrent.CompletableFuture<CliHarness.Result> run = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> h.run("sync", src.toString(), h.remote("/project"), "--rate", "40M"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(20))
                .until(() -> run.isDone() || !KillMidwayTest.tempFiles(dst).isEmpty());
        assertThat(run).as("finished before the server could be stopped").isNotDone();

        h.server.close();
        // close() returns only once the aborted job has wound down: nothing writes into the root
        // afterwards (CI once saw the test's temp-dir cleanup race the job's last writes)
        assertThat(sessionThreads(h.server.sessionThreadPrefix())).isEmpty();

        // well inside the transport's 30 s idle timeout: the dropped SSH connection aborts the transfer
        CliHarness.Result r = run.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(9);
        assertThat(r.err()).contains("farsync: ");
        assertThat(dst.resolve("huge.bin")).doesNotExist();
    }

    /** The live session threads whose names begin with {@code prefix}: one server's, in a JVM shared with other tests. */
    private static java.util.Set<Thread> sessionThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void unreachableHost_exit4() {
        CliHarness.Result r = h.run("sync", src.toString(), "tester@127.0.0.1:/x", "--port", "1");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        assertThat(r.err()).contains("cannot reach 127.0.0.1:1");
    }

    @Test
    void badRate_isUsageError_exit2() {
        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/p"), "--rate", "fast");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("rate 'fast'");
    }

    @Test
    void keygen_writesKeyPairInOpenSshFormat() throws Exception {
        Path key = tmp.resolve("k/id");

        CliHarness.Result r = h.run("keygen", "-f", key.toString());

        assertThat(r.exitCode()).isZero();
        assertThat(Files.readString(key.resolveSibling("id.pub"))).startsWith("ssh-ed25519 ");
        assertThat(Files.readString(key)).contains("OPENSSH PRIVATE KEY");
        assertThat(Files.exists(key, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
