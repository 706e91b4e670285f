package io.farsync.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's HTTP API over real HTTP, in front of a real server that ran real syncs. */
class NodeApiTest {
    private static final long SEED = Long.getLong("seed", System.nanoTime());

    @TempDir
    static Path tmp;
    static TestNode node;

    @BeforeAll
    static void startNodeAndSync() throws Exception {
        System.out.println("seed " + SEED);
        Random random = new Random(SEED);
        node = TestNode.start(tmp, "alpha");
        Path src = tmp.resolve("src");
        TestNode.writeFile(src.resolve("reports/q1.pdf"), random, 30_000);
        TestNode.writeFile(src.resolve("reports/q2.pdf"), random, 20_000);
        assertThat(node.sync(src.toString(), node.remote("/backup")).exitCode()).isZero();
        assertThat(node.sync(node.remote("/missing"), tmp.resolve("nowhere").toString()).exitCode()).isEqualTo(3);
        node.history.flush();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void everyRequest_needsTheBearerToken() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/api/status", "/api/sessions", "/metrics", "/api/sessions/1/files")) {
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(node.apiUrl() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(node.apiUrl() + path))
                    .header("Authorization", "Bearer " + TestNode.TOKEN + "x").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(List.of(none.statusCode(), wrong.statusCode())).as(path).containsOnly(401);
        }
    }

    @Test
    void status_namesTheNode() throws Exception {
        JsonNode status = json(node.get("/api/status"));
        assertThat(status.path("node").asText()).isEqualTo("alpha");
        assertThat(status.path("version").asText()).isEqualTo("farsync test");
        assertThat(status.path("running_sessions").asInt()).isZero();
        assertThat(status.has("uptime_seconds")).isTrue();
    }

    @Test
    void sessions_listsThePushAndTheRefusedPull_withTheirFiles() throws Exception {
        JsonNode page = json(node.get("/api/sessions?user=tester"));
        assertThat(page.path("total").asLong()).isGreaterThanOrEqualTo(2);
        JsonNode push = find(page, "/backup");
        assertThat(push.path("status").asText()).isEqualTo("ok");
        assertThat(push.path("direction").asText()).isEqualTo("receive");
        assertThat(push.path("files").asLong()).isEqualTo(2);
        assertThat(push.path("bytes").asLong()).isEqualTo(50_000);
        assertThat(push.path("peer").asText()).startsWith("127.0.0.1:");
        JsonNode pull = find(page, "/missing");
        assertThat(pull.path("status").asText()).isEqualTo("failed");
        assertThat(pull.path("direction").asText()).isEqualTo("send");
        assertThat(pull.path("error").asText()).contains("source not found");

        JsonNode one = json(node.get("/api/sessions/" + push.path("id").asLong()));
        assertThat(one.path("path").asText()).isEqualTo("/backup");
        List<String> files = new ArrayList<>();
        json(node.get("/api/sessions/" + push.path("id").asLong() + "/files")).path("items")
                .forEach(f -> files.add(f.path("path").asText() + " " + f.path("action").asText() + " " + f.path("size").asLong()));
        assertThat(files).contains("reports/q1.pdf transferred 30000", "reports/q2.pdf transferred 20000");
    }

    @Test
    void sessionSearch_byFileName_status_andTime() throws Exception {
        assertThat(paths(json(node.get("/api/sessions?q=q2.pdf")))).containsExactly("/backup");
        assertThat(paths(json(node.get("/api/sessions?status=failed")))).containsExactly("/missing");
        assertThat(paths(json(node.get("/api/sessions?from=2000-01-01&to=2000-01-02")))).isEmpty();
        HttpResponse<String> bad = node.get("/api/sessions?status=bogus");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("unknown status: bogus");
        assertThat(node.get("/api/sessions/999999").statusCode()).isEqualTo(404);
    }

    @Test
    void metrics_countSessionsByStatus_andBytes() throws Exception {
        String text = node.get("/metrics").body();
        assertThat(text).contains("farsync_sessions_total{status=\"ok\"} 1.0", "farsync_sessions_total{status=\"failed\"} 1.0",
                "farsync_transferred_bytes_total 50000.0", "farsync_transferred_files_total 2.0", "farsync_sessions_running 0.0");
    }

    @Test
    void runningPull_showsLiveProgress_andCanBeStopped() throws Exception {
        try (TestNode beta = TestNode.start(tmp, "beta")) {
            TestNode.writeFile(beta.root.resolve("slow/big.bin"), new Random(SEED + 1), 8 * 1024 * 1024);
            // 8 MiB at 4 Mbit/s: about 17 s, far longer than it takes to look and stop it
            CompletableFuture<TestNode.Result> sync = beta.syncInBackground(beta.remote("/slow"), tmp.resolve("slow-copy").toString(),
                    "--rate", "4M");
            JsonNode[] live = new JsonNode[1];
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                JsonNode items = json(beta.get("/api/sessions?running=true")).path("items");
                live[0] = items.size() == 1 ? items.get(0) : null;
                return live[0] != null && live[0].path("bytes").asLong() > 0 && live[0].path("bytesPerSecond").asDouble() > 0;
            });
            assertThat(live[0].path("path").asText()).isEqualTo("/slow");
            assertThat(live[0].path("direction").asText()).isEqualTo("send");
            assertThat(live[0].path("plannedBytes").asLong()).isEqualTo(8 * 1024 * 1024);
            assertThat(json(beta.get("/api/status")).path("running_sessions").asInt()).isEqualTo(1);
            assertThat(beta.get("/metrics").body()).contains("farsync_sessions_running 1.0");
            long id = live[0].path("id").asLong();

            assertThat(beta.post("/api/sessions/" + id + "/stop", "{\"reason\":\"stopped by test\"}").statusCode()).isEqualTo(200);
            TestNode.Result result = sync.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(result.exitCode()).as(result.toString()).isNotZero();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> json(beta.get("/api/sessions/" + id)).path("status").asText().equals("aborted"));
            assertThat(json(beta.get("/api/sessions/" + id)).path("error").asText()).isEqualTo("stopped by test");
            assertThat(beta.post("/api/sessions/" + id + "/stop", "").statusCode()).isEqualTo(404);
        }
    }

    private static JsonNode find(JsonNode page, String path) {
        for (JsonNode s : page.path("items")) {
            if (s.path("path").asText().equals(path)) {
                return s;
            }
        }
        throw new AssertionError("no session for " + path + " in " + page);
    }

    private static List<String> paths(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.path("items").forEach(s -> out.add(s.path("path").asText()));
        return out;
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return Json.MAPPER.readTree(r.body());
    }
}
