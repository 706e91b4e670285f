package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code farsync admin} after real syncs: sessions, counters, per-file state, reset. */
class AdminCommandTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    CliHarness h;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        h = new CliHarness(tmp);
        src = tmp.resolve("project");
        Trees.makeSampleTree(src, SEED);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void sessions_listsBothEndpointsOfALocalSync_withRootsEntriesAndResult() throws Exception {
        Path dst = tmp.resolve("copy");
        assertThat(h.run("sync", src.toString(), dst.toString()).exitCode()).isZero();

        CliHarness.Result text = h.run("admin", "sessions");
        JsonNode rows = JSON.readTree(h.run("admin", "sessions", "--json").out());

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).contains("SESSION").contains(src.toString()).contains(dst.toString()).contains(" ok ");
        assertThat(rows).hasSize(2);
        JsonNode local = rows.get(0).get("db").asText().equals("local") ? rows.get(0) : rows.get(1);
        JsonNode remote = local == rows.get(0) ? rows.get(1) : rows.get(0);
        assertThat(local.get("session").asText()).isEqualTo(remote.get("session").asText());
        assertThat(local.get("role").asText()).isEqualTo("source");
        assertThat(local.get("root").asText()).isEqualTo(src.toString());
        assertThat(remote.get("role").asText()).isEqualTo("destination");
        assertThat(remote.get("root").asText()).isEqualTo(dst.toString());
        int entries = Trees.describe(src, false).size();
        assertThat(local.get("entries").asLong()).isEqualTo(entries);
        assertThat(remote.get("entries").asLong()).isEqualTo(entries);
        assertThat(local.get("last_status").asText()).isEqualTo("ok");
        assertThat(local.get("last_files_transferred").asLong()).isEqualTo(6);
        assertThat(local.get("last_ended").asText()).endsWith("Z");
        assertThat(local.get("peer_db").asText()).isNotBlank();
    }

    @Test
    void show_reportsCountersErrorsAndPerFileState() throws Exception {
        Path dst = tmp.resolve("copy");
        // a non-empty directory where the source has a file: that entry fails, the rest syncs
        Files.createDirectories(dst.resolve("blocked/inside"));
        Files.writeString(src.resolve("blocked"), "a file at the source");
        assertThat(h.run("sync", src.toString(), dst.toString()).exitCode()).isEqualTo(1);
        String id = JSON.readTree(h.run("admin", "sessions", "--json").out()).get(0).get("session").asText();

        CliHarness.Result text = h.run("admin", "show", id + ".remote");
        JsonNode json = JSON.readTree(h.run("admin", "show", id + ".local", "--json", "--files").out());
        JsonNode prefixed = JSON.readTree(h.run("admin", "show", id.substring(0, 8) + ".local", "--json", "--files",
                "--path-prefix", "a/b/").out());

        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.out()).contains("role          destination").contains("last sync     partial")
                .contains("errors        1").contains("blocked: cannot replace non-empty directory");
        assertThat(json.get("last_status").asText()).isEqualTo("partial");
        assertThat(json.get("errors").asLong()).isEqualTo(1);
        assertThat(json.get("pending").asLong()).isZero();
        assertThat(json.get("conflicts").asLong()).isZero();
        assertThat(json.get("files")).anySatisfy(f -> {
            assertThat(f.get("path").asText()).isEqualTo("blocked");
            assertThat(f.get("state").asText()).isEqualTo("error");
        });
        assertThat(json.get("files")).anySatisfy(f -> {
            assertThat(f.get("path").asText()).isEqualTo("a/b/two.bin");
            assertThat(f.get("state").asText()).isEqualTo("synchronized");
            assertThat(f.get("size").asLong()).isEqualTo(3 * 1024 * 1024 + 17);
        });
        assertThat(prefixed.get("files")).isNotEmpty().allSatisfy(f -> assertThat(f.get("path").asText()).startsWith("a/b/"));
    }

    @Test
    void reset_needsYes_thenDeletesTheSnapshots_andTheNextSyncComparesEverything() throws Exception {
        Path dst = tmp.resolve("copy");
        assertThat(h.run("sync", src.toString(), dst.toString()).exitCode()).isZero();
        String id = JSON.readTree(h.run("admin", "sessions", "--json").out()).get(0).get("session").asText();

        CliHarness.Result refused = h.run("admin", "reset", id);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("--yes");
        assertThat(JSON.readTree(h.run("admin", "sessions", "--json").out())).hasSize(2);

        CliHarness.Result reset = h.run("admin", "reset", id, "--yes");

        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        assertThat(h.run("admin", "sessions").out()).contains("no sessions");
        Path stats = tmp.resolve("stats.json");
        CliHarness.Result again = h.run("sync", src.toString(), dst.toString(), "--stats-json", stats.toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        // nothing to send: the quick check finds every file in place
        assertThat(JSON.readTree(stats.toFile()).get("bytes_transferred").asLong()).isZero();
        assertThat(JSON.readTree(h.run("admin", "sessions", "--json").out())).hasSize(2);
    }

    @Test
    void unknownSession_exits2_withTheListHint() {
        CliHarness.Result r = h.run("admin", "show", "0123456789abcdef");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unknown session '0123456789abcdef'").contains("farsync admin sessions");
    }

    @Test
    void serverStateDir_showsTheServersSessions() throws Exception {
        h.startServer();
        assertThat(h.run("sync", src.toString(), h.remote("/project")).exitCode()).isZero();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"admin", "sessions", "--json"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Map.of("FARSYNC_HOME", h.serverHome.toString()), false);
        JsonNode rows = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        JsonNode client = JSON.readTree(h.run("admin", "sessions", "--json", "--state-dir", h.serverHome.resolve("server").toString()).out());

        assertThat(code).isZero();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("db").asText()).isEqualTo("remote");
        assertThat(rows.get(0).get("role").asText()).isEqualTo("destination");
        assertThat(rows.get(0).get("root").asText()).isEqualTo(h.serverRoot.resolve("project").toString());
        assertThat(client).hasSize(2);
    }
}
