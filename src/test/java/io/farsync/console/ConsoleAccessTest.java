package io.farsync.console;

import static io.farsync.console.ConsoleClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.history.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may do what, decided per request: demotions, removals, password changes, throttled logins, Secure cookies. */
class ConsoleAccessTest {
    @TempDir
    Path tmp;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    Console console;
    Path db;

    @BeforeEach
    void start() {
        db = tmp.resolve("console.db");
        Console.addUser(db, "ada", Role.ADMIN, "admin-password");
        Console.addUser(db, "otto", Role.OPERATOR, "operator-password");
        console = start(false);
    }

    private Console start(boolean secure) {
        return Console.start(new Console.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), db, clock, secure,
                new LoginThrottle(clock, 3, Duration.ofMinutes(15), 2, Duration.ofSeconds(5))),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        console.close();
    }

    private ConsoleClient login(String name, String password) throws Exception {
        ConsoleClient c = new ConsoleClient(console.port());
        HttpResponse<String> r = c.login(name, password);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return c;
    }

    @Test
    void aDemotion_countsFromTheNextRequest_throughTheApiAndTheCommandLine() throws Exception {
        ConsoleClient otto = login("otto", "operator-password");
        ConsoleClient ada = login("ada", "admin-password");
        assertThat(json(otto.get("/api/me")).path("role").asText()).isEqualTo("operator");

        assertThat(ada.send("PUT", "/api/users/otto", "{\"role\":\"viewer\"}", true).statusCode()).isEqualTo(200);
        assertThat(json(otto.get("/api/me")).path("role").asText()).isEqualTo("viewer");
        assertThat(otto.post("/api/nodes/1/sessions/1/stop", Map.of()).statusCode()).isEqualTo(403);

        // the command line writes the same database while the console runs
        Console.addUser(db, "otto", Role.ADMIN, "operator-password");
        assertThat(otto.get("/api/me").statusCode()).as("a new password hash ends the session").isEqualTo(401);
        otto = login("otto", "operator-password");
        assertThat(json(otto.get("/api/audit")).path("items").isArray()).isTrue();
    }

    @Test
    void aRemovedUser_isLoggedOutAtOnce_andTheLastAdminStays() throws Exception {
        ConsoleClient otto = login("otto", "operator-password");
        ConsoleClient ada = login("ada", "admin-password");
        assertThat(ada.send("DELETE", "/api/users/otto", null, true).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = otto.get("/api/me");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(otto.login("otto", "operator-password").statusCode()).isEqualTo(401);

        HttpResponse<String> last = ada.send("DELETE", "/api/users/ada", null, true);
        assertThat(last.statusCode()).isEqualTo(400);
        assertThat(last.body()).contains("last admin");
        assertThat(json(ada.get("/api/users")).path("items")).extracting(u -> u.path("name").asText()).containsExactly("ada");
        assertThat(json(ada.get("/api/audit")).path("items").toString()).contains("remove user");
    }

    @Test
    void removalOnTheCommandLine_endsARunningSession() throws Exception {
        ConsoleClient otto = login("otto", "operator-password");
        Console.removeUser(db, "otto");
        assertThat(otto.get("/api/nodes").statusCode()).isEqualTo(401);
    }

    @Test
    void repeatedFailures_lockTheUserOut_with429AndRetryAfter_untilTheLockoutPasses() throws Exception {
        ConsoleClient c = new ConsoleClient(console.port());
        for (int i = 0; i < 3; i++) {
            assertThat(c.login("otto", "guess-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> locked = c.login("otto", "operator-password");
        assertThat(locked.statusCode()).isEqualTo(429);
        assertThat(locked.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(locked.body()).contains("too many failed logins");
        clock.advance(Duration.ofSeconds(1));
        assertThat(c.login("otto", "operator-password").statusCode()).isEqualTo(200);
        assertThat(json(login("ada", "admin-password").get("/api/audit")).path("items").toString()).contains("login locked out");
    }

    @Test
    void cookies_areSecure_withTheOption_andNotOnPlainHttpWithoutIt() throws Exception {
        HttpResponse<String> plain = new ConsoleClient(console.port()).login("ada", "admin-password");
        assertThat(plain.headers().firstValue("Set-Cookie").orElseThrow()).doesNotContain("Secure");
        console.close();
        console = start(true);
        HttpResponse<String> secure = new ConsoleClient(console.port()).login("ada", "admin-password");
        assertThat(secure.headers().firstValue("Set-Cookie").orElseThrow()).contains("; Secure", "HttpOnly", "SameSite=Strict");
    }
}
