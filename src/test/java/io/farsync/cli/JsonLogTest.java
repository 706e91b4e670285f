package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code --log-format json}: the server's log lines are JSON objects that name the session. */
class JsonLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void serverLogLines_areJson_andCarryTheSessionIdAndPeer() throws Exception {
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        try (CliHarness h = new CliHarness(tmp)) {
            // what ServerCommand.call does with --log-format json, before the server starts
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            LogFormat format = new LogFormat();
            format.format = "json";
            format.apply();
            logback.getLogger("io.farsync").setLevel(Level.INFO);
            h.startServer();
            Path src = Files.createDirectories(tmp.resolve("src"));
            Files.writeString(src.resolve("x.txt"), "hello");
            assertThat(h.run("sync", src.toString(), h.remote("/dst"), "-q").exitCode()).isZero();
            h.stopServer();
        } finally {
            System.setErr(stderr);
            logback.reset();
            new ContextInitializer(logback).autoConfig();
        }
        String session = JSON.readTree(new CliHarnessHome(tmp).adminSessions()).get(0).path("session").asText();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        JsonNode done = lines.stream().filter(l -> l.path("loggerName").asText().endsWith("SyncJobHandler")).findFirst()
                .orElseThrow(() -> new AssertionError("no job line in " + lines));
        assertThat(done.path("level").asText()).isEqualTo("INFO");
        assertThat(done.path("formattedMessage").asText()).isEqualTo("tester destination /dst: 1 files, 5 bytes, 0 deleted, 0 errors");
        assertThat(done.path("mdc").path("session").asText()).isEqualTo(session);
        assertThat(done.path("mdc").path("user").asText()).isEqualTo("tester");
        assertThat(done.path("mdc").path("peer").asText()).startsWith("127.0.0.1:");
        assertThat(done.path("mdc").path("history_id").asLong()).isPositive();
    }

    /** The client's session list, read with {@code farsync admin sessions --json}. */
    private record CliHarnessHome(Path base) {
        String adminSessions() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Main.run(new String[] {"admin", "sessions", "--json"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    java.util.Map.of("FARSYNC_HOME", base.resolve("client-home").toString()), false);
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
