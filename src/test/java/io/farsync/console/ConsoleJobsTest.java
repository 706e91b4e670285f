package io.farsync.console;

import static io.farsync.console.ConsoleClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.farsync.history.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs between two real nodes (SSH, UDP, history, node API in-process) started, stopped and
 * scheduled through the console's API. Node alpha runs the jobs; beta authorizes alpha's key.
 */
class ConsoleJobsTest {
    private static final long SEED = Long.getLong("seed", System.nanoTime());

    @TempDir
    static Path tmp;
    static TestNode alpha;
    static TestNode beta;
    static MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    static Console console;
    static ConsoleClient otto;
    static long alphaId;
    static long betaId;

    @BeforeAll
    static void start() throws Exception {
        System.out.println("seed " + SEED);
        alpha = TestNode.startRunningJobs(tmp, "alpha");
        beta = TestNode.start(tmp, "beta");
        beta.authorize(alpha);
        console = startConsole();
        Console.addUser(tmp.resolve("console.db"), "ada", Role.ADMIN, "admin-password");
        Console.addUser(tmp.resolve("console.db"), "otto", Role.OPERATOR, "operator-password");
        ConsoleClient ada = new ConsoleClient(console.port());
        ada.login("ada", "admin-password");
        alphaId = json(ada.post("/api/nodes", Map.of("name", "alpha", "url", alpha.apiUrl(), "token", TestNode.TOKEN))).path("id").asLong();
        betaId = json(ada.post("/api/nodes", Map.of("name", "beta", "url", beta.apiUrl(), "token", TestNode.TOKEN))).path("id").asLong();
        otto = new ConsoleClient(console.port());
        otto.login("otto", "operator-password");
    }

    private static Console startConsole() {
        return Console.start(new Console.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), tmp.resolve("console.db"),
                clock), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void stop() {
        console.close();
        alpha.close();
        beta.close();
    }

    private static long define(String name, String src, String dst, Map<String, Object> extra) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "source_node", alphaId, "source_path", src, "dest_node", betaId,
                "dest_path", dst));
        body.putAll(extra);
        HttpResponse<String> r = otto.post("/api/jobs", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).path("id").asLong();
    }

    private static JsonNode job(long id) throws Exception {
        for (JsonNode j : json(otto.get("/api/jobs")).path("items")) {
            if (j.path("id").asLong() == id) {
                return j;
            }
        }
        throw new AssertionError("no job " + id);
    }

    private static void awaitState(long id, String state) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(job(id).path("last_run").path("state").asText()).as(job(id).toString()).isEqualTo(state));
    }

    private static List<String> audit() throws Exception {
        ConsoleClient ada = new ConsoleClient(console.port());
        ada.login("ada", "admin-password");
        List<String> out = new ArrayList<>();
        json(ada.get("/api/audit?limit=1000")).path("items").forEach(a ->
                out.add(a.path("user").asText() + " " + a.path("action").asText() + " " + a.path("target").asText()));
        return out;
    }

    @Test
    void startedJob_copiesTheTreeToTheOtherNode_andBothHistoriesShowIt() throws Exception {
        Random random = new Random(SEED);
        TestNode.writeFile(alpha.root.resolve("reports/q1.csv"), random, 20_000);
        TestNode.writeFile(alpha.root.resolve("reports/deep/q2.csv"), random, 300_000);
        long id = define("reports to beta", "/reports", "/incoming/reports", Map.of("rate_mbps", 200, "policy", "fair"));

        JsonNode started = json(otto.post("/api/jobs/" + id + "/start", Map.of()));
        assertThat(started.path("node").asText()).isEqualTo("alpha");
        awaitState(id, "done");
        assertThat(job(id).path("last_run").path("lastStatus").asText()).isEqualTo("ok");
        for (String f : List.of("q1.csv", "deep/q2.csv")) {
            assertThat(Files.readAllBytes(beta.root.resolve("incoming/reports/" + f))).isEqualTo(Files.readAllBytes(alpha.root.resolve("reports/" + f)));
        }

        alpha.history.flush();
        beta.history.flush();
        JsonNode history = json(otto.get("/api/history?q=reports&user=otto"));
        Map<String, String> byNode = new HashMap<>();
        history.path("items").forEach(s -> byNode.put(s.path("node").asText(), s.path("direction").asText() + " " + s.path("path").asText()
                + " " + s.path("status").asText() + " " + s.path("files").asLong()));
        assertThat(byNode).containsEntry("alpha", "send /reports ok 2").containsEntry("beta", "receive /incoming/reports ok 2");
        assertThat(audit()).contains("otto define job reports to beta", "otto start job reports to beta");
    }

    @Test
    void stoppingALongJob_abortsItsSession_andLeavesNoPartialFileUnderItsName() throws Exception {
        TestNode.writeFile(alpha.root.resolve("big/blob.bin"), new Random(SEED + 1), 8 * 1024 * 1024);
        long id = define("big to beta", "/big", "/big-copy", Map.of("rate_mbps", 2));
        json(otto.post("/api/jobs/" + id + "/start", Map.of()));
        // 8 MiB at 2 Mbit/s takes half a minute: stop it once bytes flow
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode s : json(otto.get("/api/running")).path("items")) {
                if (s.path("node").asText().equals("beta") && s.path("bytes").asLong() > 0) {
                    return true;
                }
            }
            return false;
        });
        json(otto.post("/api/jobs/" + id + "/stop", Map.of()));
        awaitState(id, "stopped");
        assertThat(job(id).path("last_run").path("lastStatus").asText()).isEqualTo("aborted");
        assertThat(beta.root.resolve("big-copy/blob.bin")).doesNotExist();
        await().atMost(Duration.ofSeconds(30)).until(() -> json(otto.get("/api/running")).path("items").isEmpty());
        assertThat(audit()).contains("otto stop job big to beta");
    }

    @Test
    void aSchedule_firesWhenDue_missedRunsHappenOnce_andTheConsoleCatchesUpAfterARestart() throws Exception {
        TestNode.writeFile(alpha.root.resolve("nightly/a.txt"), new Random(SEED + 2), 1000);
        long id = define("nightly", "/nightly", "/nightly", Map.of());
        HttpResponse<String> bad = otto.send("PUT", "/api/jobs/" + id + "/schedule", "{\"schedule\":\"sometimes\"}", true);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'every N[s|m|h|d]' or 'daily HH:MM'");

        JsonNode scheduled = json(otto.send("PUT", "/api/jobs/" + id + "/schedule", "{\"schedule\":\"every 1h\"}", true));
        assertThat(scheduled.path("next_run").asText()).isEqualTo(clock.instant().plus(Duration.ofHours(1)).toString());
        assertThat(console.runDueJobs()).doesNotContain("nightly");

        clock.advance(Duration.ofHours(1));
        assertThat(console.runDueJobs()).contains("nightly");
        awaitState(id, "done");
        assertThat(beta.root.resolve("nightly/a.txt")).exists();

        // five hours of missed runs: one run, and the next an hour from now
        clock.advance(Duration.ofHours(5));
        TestNode.writeFile(alpha.root.resolve("nightly/b.txt"), new Random(SEED + 3), 1000);
        assertThat(console.runDueJobs()).containsOnlyOnce("nightly");
        assertThat(console.runDueJobs()).doesNotContain("nightly");
        assertThat(job(id).path("next_run").asText()).isEqualTo(clock.instant().plus(Duration.ofHours(1)).toString());
        awaitState(id, "done");
        assertThat(beta.root.resolve("nightly/b.txt")).exists();

        // the console is down when the next run is due: it runs once the console is back
        console.close();
        clock.advance(Duration.ofHours(2));
        TestNode.writeFile(alpha.root.resolve("nightly/c.txt"), new Random(SEED + 4), 1000);
        console = startConsole();
        otto = new ConsoleClient(console.port());
        otto.login("otto", "operator-password");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(beta.root.resolve("nightly/c.txt")));
        assertThat(audit()).contains("otto schedule job nightly", "(schedule) start job nightly");
        json(otto.send("PUT", "/api/jobs/" + id + "/schedule", "{\"schedule\":\"\"}", true));
        assertThat(job(id).path("schedule").isNull()).isTrue();
    }

    @Test
    void aViewer_cannotDefineStartStopOrScheduleJobs() throws Exception {
        long id = define("viewer target", "/x", "/x", Map.of());
        Console.addUser(tmp.resolve("console.db"), "vera", Role.VIEWER, "viewer-password");
        ConsoleClient vera = new ConsoleClient(console.port());
        vera.login("vera", "viewer-password");
        assertThat(json(vera.get("/api/jobs")).path("items")).isNotEmpty();
        assertThat(vera.post("/api/jobs", Map.of("name", "mine", "source_node", alphaId, "source_path", "/", "dest_node", betaId,
                "dest_path", "/")).statusCode()).isEqualTo(403);
        assertThat(vera.post("/api/jobs/" + id + "/start", Map.of()).statusCode()).isEqualTo(403);
        assertThat(vera.post("/api/jobs/" + id + "/stop", Map.of()).statusCode()).isEqualTo(403);
        assertThat(vera.send("PUT", "/api/jobs/" + id + "/schedule", "{\"schedule\":\"every 1h\"}", true).statusCode()).isEqualTo(403);
        assertThat(vera.send("DELETE", "/api/jobs/" + id, null, true).statusCode()).isEqualTo(403);
        // and an operator without the CSRF token is refused too
        assertThat(otto.send("POST", "/api/jobs/" + id + "/start", "{}", false).statusCode()).isEqualTo(403);
        assertThat(job(id).path("last_started").isNull()).isTrue();
    }

    @Test
    void aJobWhoseNodesRunNoJobs_isRefusedWithTheReason_andAPathOutsideTheRootIsRefusedByTheNode() throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("name", "backwards", "source_node", betaId, "source_path", "/x", "dest_node", alphaId,
                "dest_path", "/y", "bidi", true));
        long back = json(otto.post("/api/jobs", body)).path("id").asLong();
        HttpResponse<String> r = otto.post("/api/jobs/" + back + "/start", Map.of());
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("neither beta runs jobs", "--run-jobs");
        assertThat(audit()).contains("otto start job failed backwards");

        long escape = define("escape", "/../../etc", "/etc-copy", Map.of());
        HttpResponse<String> e = otto.post("/api/jobs/" + escape + "/start", Map.of());
        assertThat(e.statusCode()).as(e.body()).isEqualTo(400);
        assertThat(e.body()).contains("alpha");
    }
}
