package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code farsync server --http}: served only with a token, and then it answers. */
class ServerHttpOptionTest {
    @TempDir
    Path tmp;

    @Test
    void http_withoutTokenFile_refusesToStart() throws Exception {
        ServerCommand command = command();
        command.http = "127.0.0.1:0";
        assertThatThrownBy(command::start).isInstanceOf(FarsyncException.class)
                .hasMessageContaining("--api-token-file")
                .satisfies(e -> assertThat(((FarsyncException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void runJobs_withoutHttp_refusesToStart() throws Exception {
        ServerCommand command = command();
        command.runJobs = true;
        assertThatThrownBy(command::start).isInstanceOf(FarsyncException.class).hasMessage("--run-jobs needs --http: jobs are started through the HTTP API")
                .satisfies(e -> assertThat(((FarsyncException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void http_withShortToken_refusesToStart() throws Exception {
        ServerCommand command = command();
        command.http = "127.0.0.1:0";
        command.apiTokenFile = Files.writeString(tmp.resolve("token"), "short\n");
        assertThatThrownBy(command::start).hasMessageContaining("at least 16 characters");
    }

    @Test
    void http_withToken_servesStatus_andRecordsHistoryInTheStateDir() throws Exception {
        ServerCommand command = command();
        command.http = "127.0.0.1:0";
        command.nodeName = "edge-1";
        command.apiTokenFile = Files.writeString(tmp.resolve("token"), "0123456789abcdef0123\n");
        var server = command.start();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + command.api.port() + "/api/status"))
                    .header("Authorization", "Bearer 0123456789abcdef0123").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"node\":\"edge-1\"", "\"ssh_port\":" + server.port(), "\"runs_jobs\":false");
            assertThat(tmp.resolve("state/history.db")).exists();
        } finally {
            server.close();
            command.api.close();
            command.history.close();
        }
    }

    private ServerCommand command() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        ServerCommand command = new ServerCommand(new Main.Context(new FarsyncHome(home), quiet, quiet, false));
        command.listen = "127.0.0.1";
        command.port = 0;
        command.root = Files.createDirectories(tmp.resolve("root"));
        command.authorizedKeys = Files.writeString(tmp.resolve("authorized_keys"), "");
        command.hostKey = home.resolve("host_key");
        command.stateDir = tmp.resolve("state");
        return command;
    }
}
