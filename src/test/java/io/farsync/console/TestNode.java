package io.farsync.console;

import io.farsync.cli.Main;
import io.farsync.cli.NodeJobSyncs;
import io.farsync.daemon.NodeJobs;
import io.farsync.daemon.SyncJobHandler;
import io.farsync.history.HistoryStore;
import io.farsync.session.FarsyncServer;
import io.farsync.session.KeyFiles;
import io.farsync.transport.TransportConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;

/**
 * A real farsync node in-process, wired as {@code farsync server --http} wires it: SSH and UDP on
 * loopback, the history in its state directory, the HTTP API with a token. Syncs run through
 * the real CLI ({@link Main#run}) as a client with its own home.
 */
final class TestNode implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789abcdef";

    final Path clientHome;
    /** The node's own farsync home: the identity its jobs log in to other nodes with. */
    final Path nodeHome;
    final Path root;
    final HistoryStore history;
    final FarsyncServer server;
    final NodeApi api;
    final NodeJobs jobs;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestNode(Path clientHome, Path nodeHome, Path root, HistoryStore history, FarsyncServer server, NodeApi api, NodeJobs jobs) {
        this.clientHome = clientHome;
        this.nodeHome = nodeHome;
        this.jobs = jobs;
        this.root = root;
        this.history = history;
        this.server = server;
        this.api = api;
    }

    static TestNode start(Path base, String name) throws IOException {
        return start(base, name, false);
    }

    /**
     * A node started as {@code farsync server --http ... --run-jobs}, its jobs logging in to other
     * nodes with {@code <name>-server-home/id_ed25519} (see {@link #authorize}).
     */
    static TestNode startRunningJobs(Path base, String name) throws IOException {
        return start(base, name, true);
    }

    private static TestNode start(Path base, String name, boolean runJobs) throws IOException {
        Path clientHome = Files.createDirectories(base.resolve(name + "-client-home"));
        Path serverHome = Files.createDirectories(base.resolve(name + "-server-home"));
        Path root = Files.createDirectories(base.resolve(name + "-root"));
        Path identity = clientHome.resolve("id_ed25519");
        KeyFiles.generateTo(identity, "client@test");
        Files.copy(KeyFiles.publicKeyFile(identity), serverHome.resolve("authorized_keys"));
        HistoryStore history = HistoryStore.open(serverHome.resolve("state/history.db"));
        FarsyncServer server = FarsyncServer.start(FarsyncServer.Settings.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                KeyFiles.generate(), new AuthorizedKeysAuthenticator(serverHome.resolve("authorized_keys")),
                new SyncJobHandler(root, serverHome.resolve("state"), history), TransportConfig.defaults()));
        NodeJobs jobs = null;
        if (runJobs) {
            KeyFiles.generateTo(serverHome.resolve("id_ed25519"), name + "@test");
            jobs = new NodeJobs(root, history, NodeJobSyncs.forHome(serverHome));
        }
        NodeApi api = NodeApi.start(new NodeApi.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ApiToken.of(TOKEN, "test"), name, "farsync test", history, Clock.systemUTC()).withJobs(server.port(), jobs));
        return new TestNode(clientHome, serverHome, root, history, server, api, jobs);
    }

    /** Lets {@code other}'s jobs log in here: its node key goes into this node's authorized_keys. */
    void authorize(TestNode other) throws IOException {
        Files.writeString(nodeHome.resolve("authorized_keys"), "\n" + Files.readString(KeyFiles.publicKeyFile(other.nodeHome.resolve("id_ed25519"))),
                java.nio.file.StandardOpenOption.APPEND);
    }

    String apiUrl() {
        return "http://127.0.0.1:" + api.port();
    }

    String remote(String path) {
        return "tester@127.0.0.1:" + path;
    }

    /** {@code farsync ARGS} as this node's client, with the server's port added. */
    Result sync(String... args) {
        List<String> all = new ArrayList<>(List.of("sync"));
        all.addAll(List.of(args));
        all.addAll(List.of("--port", Integer.toString(server.port()), "-q"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("FARSYNC_HOME", clientHome.toString()), false);
        Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("farsync " + String.join(" ", all) + " -> " + r);
        return r;
    }

    CompletableFuture<Result> syncInBackground(String... args) {
        return CompletableFuture.supplyAsync(() -> sync(args));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(apiUrl() + path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(apiUrl() + path)).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void writeFile(Path file, Random random, int size) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] data = new byte[size];
        random.nextBytes(data);
        Files.write(file, data);
    }

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Override
    public void close() {
        api.close();
        if (jobs != null) {
            jobs.close();
        }
        server.close();
        history.close();
    }
}
