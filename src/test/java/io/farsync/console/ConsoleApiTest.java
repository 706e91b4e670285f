package io.farsync.console;

import static io.farsync.console.ConsoleClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's JSON endpoints over real HTTP, with a real node behind them. */
class ConsoleApiTest {
    private static final long SEED = Long.getLong("seed", System.nanoTime());

    @TempDir
    static Path tmp;
    static TestNode node;
    static Console console;
    static String adminPassword;

    @BeforeAll
    static void start() throws Exception {
        System.out.println("seed " + SEED);
        node = TestNode.start(tmp, "edge");
        Path src = tmp.resolve("src");
        TestNode.writeFile(src.resolve("a,b.txt"), new Random(SEED), 1000);
        TestNode.writeFile(src.resolve("=cmd.txt"), new Random(SEED + 1), 2000);
        assertThat(node.sync(src.toString(), node.remote("/inbox")).exitCode()).isZero();
        node.history.flush();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        console = Console.start(new Console.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                tmp.resolve("console.db"), Clock.systemUTC()), new PrintStream(out, true, StandardCharsets.UTF_8));
        Matcher m = Pattern.compile("created user admin with password (\\S+)").matcher(out.toString(StandardCharsets.UTF_8));
        assertThat(m.find()).as(out.toString(StandardCharsets.UTF_8)).isTrue();
        adminPassword = m.group(1);
        Console.addUser(tmp.resolve("console.db"), "vera", Role.VIEWER, "viewer-password");
        Console.addUser(tmp.resolve("console.db"), "otto", Role.OPERATOR, "operator-password");
        ConsoleClient admin = admin();
        assertThat(admin.post("/api/nodes", Map.of("name", "edge", "url", node.apiUrl(), "token", TestNode.TOKEN)).statusCode())
                .isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        console.close();
        node.close();
    }

    static ConsoleClient admin() throws Exception {
        ConsoleClient c = new ConsoleClient(console.port());
        assertThat(c.login("admin", adminPassword).statusCode()).isEqualTo(200);
        return c;
    }

    @Test
    void login_setsAnHttpOnlySameSiteStrictCookie_andWrongPasswordsAreRefusedAndAudited() throws Exception {
        ConsoleClient c = new ConsoleClient(console.port());
        assertThat(c.get("/api/me").statusCode()).isEqualTo(401);
        assertThat(c.login("vera", "wrong-password").statusCode()).isEqualTo(401);
        assertThat(c.login("nobody", "whatever-password").statusCode()).isEqualTo(401);
        HttpResponse<String> ok = c.login("vera", "viewer-password");
        assertThat(ok.statusCode()).isEqualTo(200);
        String cookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith(Console.COOKIE + "=").contains("HttpOnly", "SameSite=Strict", "Path=/");
        assertThat(json(c.get("/api/me")).path("role").asText()).isEqualTo("viewer");

        List<String> audit = new ArrayList<>();
        json(admin().get("/api/audit")).path("items").forEach(a -> audit.add(a.path("user").asText() + " " + a.path("action").asText()));
        assertThat(audit).contains("vera login failed", "nobody login failed", "vera login", "admin register node");
    }

    @Test
    void stateChanges_withoutTheCsrfToken_areRefused() throws Exception {
        ConsoleClient c = admin();
        HttpResponse<String> forged = c.send("POST", "/api/nodes",
                Json.MAPPER.writeValueAsString(Map.of("name", "evil", "url", "http://10.0.0.1:1", "token", "t")), false);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("CSRF");
        c.csrf = "not-the-token";
        assertThat(c.post("/api/logout", Map.of()).statusCode()).isEqualTo(403);
        assertThat(json(c.get("/api/nodes")).path("items")).extracting(n -> n.path("name").asText()).containsExactly("edge");
    }

    @Test
    void login_fromAForm_isRefused() throws Exception {
        HttpResponse<String> r = new ConsoleClient(console.port()).send("POST", "/api/login", null, false);
        assertThat(r.statusCode()).isEqualTo(403);
    }

    @Test
    void viewer_readsEverything_butCannotRegisterNodes_stopSessions_orReadTheAudit() throws Exception {
        ConsoleClient vera = new ConsoleClient(console.port());
        vera.login("vera", "viewer-password");
        assertThat(json(vera.get("/api/history")).path("total").asLong()).isEqualTo(1);
        assertThat(vera.post("/api/nodes", Map.of("name", "mine", "url", "http://127.0.0.1:1", "token", "t")).statusCode())
                .isEqualTo(403);
        assertThat(vera.post("/api/nodes/1/sessions/1/stop", Map.of()).statusCode()).isEqualTo(403);
        assertThat(vera.send("DELETE", "/api/nodes/1", null, true).statusCode()).isEqualTo(403);
        assertThat(vera.get("/api/audit").statusCode()).isEqualTo(403);
        assertThat(json(admin().get("/api/nodes")).path("items")).hasSize(1);
    }

    @Test
    void operator_mayStopSessions_butNotRegisterNodes() throws Exception {
        ConsoleClient otto = new ConsoleClient(console.port());
        otto.login("otto", "operator-password");
        assertThat(otto.post("/api/nodes", Map.of("name", "x", "url", "http://127.0.0.1:1", "token", "t")).statusCode()).isEqualTo(403);
        // allowed, but session 999 is not running on the node
        HttpResponse<String> stop = otto.post("/api/nodes/" + edgeId() + "/sessions/999/stop", Map.of());
        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(404);
        assertThat(stop.body()).contains("not running");
    }

    @Test
    void nodes_showTheirStatus_andUnreachableNodesSaySo() throws Exception {
        ConsoleClient c = admin();
        assertThat(c.post("/api/nodes", Map.of("name", "gone", "url", "http://127.0.0.1:9", "token", "t")).statusCode()).isEqualTo(201);
        try {
            JsonNode items = json(c.get("/api/nodes")).path("items");
            assertThat(items).hasSize(2);
            JsonNode edge = items.get(0);
            assertThat(edge.path("status").path("node").asText()).isEqualTo("edge");
            assertThat(edge.has("token")).isFalse();
            assertThat(items.get(1).path("error").asText()).contains("gone", "unreachable");
            // the history still answers, naming the node it could not ask
            JsonNode history = json(c.get("/api/history"));
            assertThat(history.path("total").asLong()).isEqualTo(1);
            assertThat(history.path("errors").get(0).asText()).contains("gone");
        } finally {
            long gone = 0;
            for (JsonNode n : json(c.get("/api/nodes")).path("items")) {
                if (n.path("name").asText().equals("gone")) {
                    gone = n.path("id").asLong();
                }
            }
            assertThat(c.send("DELETE", "/api/nodes/" + gone, null, true).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void history_searches_exportsCsv_andShowsSessionDetail() throws Exception {
        ConsoleClient c = admin();
        JsonNode page = json(c.get("/api/history?q=cmd&status=ok"));
        assertThat(page.path("items")).hasSize(1);
        JsonNode s = page.path("items").get(0);
        assertThat(s.path("node").asText()).isEqualTo("edge");
        assertThat(s.path("path").asText()).isEqualTo("/inbox");
        assertThat(json(c.get("/api/history?q=nothing-like-this")).path("items")).isEmpty();
        assertThat(c.get("/api/history?status=bogus").statusCode()).isEqualTo(400);

        HttpResponse<String> csv = c.get("/api/history.csv?q=inbox");
        assertThat(csv.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        String[] lines = csv.body().split("\r\n");
        assertThat(lines[0]).isEqualTo("node,id,started_at,ended_at,user,peer,direction,path,status,files,bytes,deleted,errors,error");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).startsWith("edge," + s.path("id").asLong() + ",").contains(",tester,", ",receive,/inbox,ok,2,3000,0,0,");

        JsonNode detail = json(c.get("/api/nodes/" + s.path("nodeId").asLong() + "/sessions/" + s.path("id").asLong()));
        assertThat(detail.path("session").path("status").asText()).isEqualTo("ok");
        List<String> files = new ArrayList<>();
        detail.path("files").path("items").forEach(f -> files.add(f.path("path").asText()));
        assertThat(files).contains("a,b.txt", "=cmd.txt");
    }

    @Test
    void pagesAndAssets_areServed_withoutInlineScriptAllowed() throws Exception {
        ConsoleClient c = new ConsoleClient(console.port());
        HttpResponse<String> index = c.get("/index.html");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("<script src=\"/app.js\" defer></script>");
        assertThat(index.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
        assertThat(c.get("/app.js").statusCode()).isEqualTo(200);
    }

    private static long edgeId() throws Exception {
        return json(admin().get("/api/nodes")).path("items").get(0).path("id").asLong();
    }
}
