package io.farsync.cli;

import io.farsync.session.FarsyncServer;
import io.farsync.session.KeyFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs farsync commands in-process against a real server (real SSH, real UDP on loopback),
 * each side with its own home directory.
 */
final class CliHarness implements AutoCloseable {
    final Path clientHome;
    final Path serverHome;
    final Path serverRoot;
    final Path identity;
    FarsyncServer server;
    /** The running server's command: it holds the server's history, which its close() leaves open. */
    private ServerCommand serverCommand;

    CliHarness(Path base) throws IOException {
        clientHome = Files.createDirectories(base.resolve("client-home"));
        serverHome = Files.createDirectories(base.resolve("server-home"));
        serverRoot = Files.createDirectories(base.resolve("server-root"));
        identity = clientHome.resolve("id_ed25519");
        KeyFiles.generateTo(identity, "client@test");
        Files.copy(KeyFiles.publicKeyFile(identity), serverHome.resolve("authorized_keys"));
    }

    /** Starts the server through the same code path as {@code farsync server}. */
    CliHarness startServer() {
        return startServer(0);
    }

    /** Starts the server on {@code port} (0: any), so that a restarted one can come back on the same port. */
    CliHarness startServer(int port) {
        ServerCommand command = new ServerCommand(new Main.Context(new FarsyncHome(serverHome), quietStream(), quietStream(), false));
        command.listen = "127.0.0.1";
        command.port = port;
        command.root = serverRoot;
        command.authorizedKeys = serverHome.resolve("authorized_keys");
        command.hostKey = serverHome.resolve("host_key");
        server = command.start();
        serverCommand = command;
        return this;
    }

    /**
     * Stops the server as {@code farsync server}'s shutdown does: the server (its jobs wound down),
     * then its history, whose writer thread would otherwise go on writing into the server's home
     * while the test's temp directory is deleted.
     */
    void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (serverCommand != null) {
            serverCommand.history.close();
            serverCommand = null;
        }
    }

    String remote(String path) {
        return "tester@127.0.0.1:" + path;
    }

    /** Runs {@code farsync ARGS} as the client; remote commands get the server's port. */
    Result run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (server != null && args.length > 0 && args[0].equals("sync") && !all.contains("--port")) {
            all.add("--port");
            all.add(Integer.toString(server.port()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("FARSYNC_HOME", clientHome.toString()), false);
        Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("farsync " + String.join(" ", all) + " -> " + r);
        return r;
    }

    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static PrintStream quietStream() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        stopServer();
    }
}
