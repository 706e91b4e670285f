package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --json}: every stdout line is one JSON object, parsed here with Jackson. */
class JsonOutputTest {
    private static final long SEED = Long.getLong("seed", System.nanoTime());
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    CliHarness h;

    @BeforeEach
    void start() throws IOException {
        System.out.println("seed " + SEED);
        h = new CliHarness(tmp).startServer();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static List<JsonNode> lines(String out) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String line : out.split("\n")) {
            assertThat(line).as("every stdout line is a JSON object").startsWith("{");
            events.add(JSON.readTree(line));
        }
        return events;
    }

    private static List<String> values(List<JsonNode> events, String event, String field) {
        return events.stream().filter(e -> e.path("event").asText().equals(event)).map(e -> e.path(field).asText()).toList();
    }

    @Test
    void sync_printsEntries_progress_andASummaryWithTheStatsJsonFields() throws Exception {
        Random random = new Random(SEED);
        Path src = tmp.resolve("src");
        for (String name : List.of("a.bin", "sub/b.bin", "sub/c.bin")) {
            Files.createDirectories(src.resolve(name).getParent());
            byte[] data = new byte[1000 + random.nextInt(50_000)];
            random.nextBytes(data);
            Files.write(src.resolve(name), data);
        }
        Path stats = tmp.resolve("stats.json");
        CliHarness.Result r = h.run("sync", src.toString(), h.remote("/dst"), "--json", "--stats-json", stats.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<JsonNode> events = lines(r.out());

        assertThat(values(events, "entry", "path")).contains("a.bin", "sub/b.bin", "sub/c.bin");
        assertThat(events.stream().filter(e -> e.path("path").asText().equals("sub/b.bin")).findFirst().orElseThrow()
                .path("action").asText()).isEqualTo("transferred");
        JsonNode planned = events.stream().filter(e -> e.path("event").asText().equals("planned")).findFirst().orElseThrow();
        assertThat(planned.path("files").asLong()).isEqualTo(3);
        JsonNode progress = events.stream().filter(e -> e.path("event").asText().equals("progress")).reduce((a, b) -> b).orElseThrow();
        assertThat(progress.path("files_done").asLong()).isEqualTo(3);

        JsonNode summary = events.get(events.size() - 1);
        assertThat(summary.path("event").asText()).isEqualTo("summary");
        assertThat(summary.path("status").asText()).isEqualTo("ok");
        assertThat(summary.path("files_transferred").asLong()).isEqualTo(3);
        assertThat(summary.path("bytes_transferred").asLong()).isEqualTo(Files.size(src.resolve("a.bin"))
                + Files.size(src.resolve("sub/b.bin")) + Files.size(src.resolve("sub/c.bin")));
        JsonNode file = JSON.readTree(stats.toFile());
        file.fieldNames().forEachRemaining(f -> assertThat(summary.has(f)).as(f).isTrue());
        assertThat(summary.path("wire_bytes").asLong()).isPositive();
        assertThat(Files.readAllBytes(h.serverRoot.resolve("dst/sub/c.bin"))).isEqualTo(Files.readAllBytes(src.resolve("sub/c.bin")));
    }

    @Test
    void aFailedSync_endsWithTheSummary_andAnErrorObjectWithItsExitCode() throws Exception {
        CliHarness.Result r = h.run("sync", tmp.resolve("missing").toString(), h.remote("/dst"), "--json");
        assertThat(r.exitCode()).isEqualTo(3);
        List<JsonNode> events = lines(r.out());
        assertThat(events.get(events.size() - 2).path("status").asText()).isEqualTo("error");
        JsonNode error = events.get(events.size() - 1);
        assertThat(error.path("event").asText()).isEqualTo("error");
        assertThat(error.path("exit_code").asInt()).isEqualTo(3);
        assertThat(error.path("message").asText()).isEqualTo("source not found: " + tmp.resolve("missing"));
    }

    @Test
    void aUsageError_isOneJsonErrorLine() throws Exception {
        CliHarness.Result bad = h.run("sync", "a", "b", "--json", "--policy", "greedy");
        assertThat(bad.exitCode()).isEqualTo(2);
        List<JsonNode> events = lines(bad.out());
        assertThat(events).hasSize(1);
        assertThat(events.get(0).path("exit_code").asInt()).isEqualTo(2);
        assertThat(events.get(0).path("message").asText()).contains("greedy");

        CliHarness.Result unknown = h.run("sync", "a", "b", "--json", "--no-such-option");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(lines(unknown.out()).get(0).path("message").asText()).contains("--no-such-option");
    }

    @Test
    void admin_listsAsJson_andFailsAsAJsonObject() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("x.txt"), "x");
        assertThat(h.run("sync", src.toString(), h.remote("/dst"), "-q").exitCode()).isZero();
        JsonNode sessions = JSON.readTree(h.run("admin", "sessions", "--json").out());
        assertThat(sessions.isArray()).isTrue();
        assertThat(sessions.get(0).path("entries").asLong()).isEqualTo(1);

        CliHarness.Result r = h.run("admin", "show", "nosuchsession", "--json");
        assertThat(r.exitCode()).isEqualTo(2);
        JsonNode error = JSON.readTree(r.out());
        assertThat(error.path("exit_code").asInt()).isEqualTo(2);
        assertThat(error.path("message").asText()).startsWith("unknown session 'nosuchsession'");
    }
}
