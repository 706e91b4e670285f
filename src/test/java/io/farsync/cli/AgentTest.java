package io.farsync.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.session.SshConnections;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farsync agent} over its real Unix socket, with real syncs (in-process server on loopback,
 * or a real farsync server): what a client gets through the agent is what it gets without one.
 */
class AgentTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @TempDir
    Path tmp;
    CliHarness h;
    Agent agent;
    CompletableFuture<Void> serving;
    Map<String, String> env;
    Path work;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        h = new CliHarness(tmp);
        env = Map.of("FARSYNC_HOME", h.clientHome.toString());
        agent = Agent.listen(new FarsyncHome(h.clientHome), Duration.ofHours(1), env);
        serving = CompletableFuture.runAsync(agent::serve);
        work = Files.createDirectories(tmp.resolve("work"));
        src = Files.createDirectories(work.resolve("src"));
        Random random = new Random(SEED);
        for (int i = 0; i < 20; i++) {
            byte[] data = new byte[random.nextInt(100_000)];
            random.nextBytes(data);
            Files.write(Files.createDirectories(src.resolve("d" + i % 3)).resolve("f" + i + ".bin"), data);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        agent.close();
        serving.get();
        h.close();
    }

    /** Runs {@code args} through the agent from {@code work} as the client's working directory. */
    private CliHarness.Result viaAgent(Map<String, String> clientEnv, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Integer code = AgentClient.forward(h.clientHome, work, args, clientEnv, false,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        CliHarness.Result r = new CliHarness.Result(code == null ? Integer.MIN_VALUE : code,
                out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("via agent: farsync " + String.join(" ", args) + " -> " + (code == null ? "handed back" : r));
        return r;
    }

    private CliHarness.Result viaAgent(String... args) {
        return viaAgent(env, args);
    }

    @Test
    void localSync_runsInTheAgent_withTheClientsRelativePaths_output_andExitStatus() throws Exception {
        Path statsDir = Files.createDirectories(work.resolve("stats"));

        CliHarness.Result r = viaAgent("sync", "src", "dst", "--stats-json", "stats/s.json");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Trees.assertSameTree(src, work.resolve("dst"));
        assertThat(r.out()).contains("d0/f0.bin").contains("sent 20 files");
        assertThat(Files.readString(statsDir.resolve("s.json"))).contains("\"files_transferred\" : 20");
        assertThat(agent.status()).contains("commands: 1 run, 0 running, 0 handed back");

        // the same listing as a run in the client's own JVM prints
        CliHarness.Result direct = h.run("sync", src.toString(), work.resolve("direct").toString());
        assertThat(listing(r.out())).isEqualTo(listing(direct.out())).hasSize(23);
        Files.writeString(src.resolve("d1/new.txt"), "new");
        CliHarness.Result again = viaAgent("sync", "src", "dst");
        assertThat(listing(again.out())).containsExactly("d1 (attributes)", "d1/new.txt");
        Trees.assertSameTree(src, work.resolve("dst"));
    }

    /** The per-entry lines of a sync's stdout, sorted (the summary's seconds differ run to run). */
    private static List<String> listing(String out) {
        return out.lines().filter(l -> !l.startsWith("sent ")).sorted().toList();
    }

    @Test
    void argumentFiles_areReadFromTheCommandsDirectory() throws Exception {
        Files.writeString(work.resolve("args.txt"), "src\ndst\n");
        // one of the same name where the agent's JVM runs must not be the one read
        Path decoy = Path.of("args.txt").toAbsolutePath();
        assertThat(Files.exists(decoy)).isFalse();

        CliHarness.Result r = viaAgent("sync", "@args.txt");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Trees.assertSameTree(src, work.resolve("dst"));
        assertThat(Main.atFilesIn(new String[] {"sync", "@args.txt", "@missing", "@/abs/x", "--", "@args.txt"}, work))
                .containsExactly("sync", "@" + work.resolve("args.txt"), "@missing", "@/abs/x", "--", "@args.txt");
    }

    @Test
    void errors_reachTheClientsStderr_withTheirExitStatus() {
        CliHarness.Result missing = viaAgent("sync", "nothing-here", "dst");
        assertThat(missing.exitCode()).isEqualTo(ExitCode.SOURCE_NOT_FOUND.code());
        assertThat(missing.err()).isEqualTo("farsync: source not found: " + work.resolve("nothing-here") + "\n");

        CliHarness.Result usage = viaAgent("sync", "src", "dst", "--rate", "fast");
        assertThat(usage.exitCode()).isEqualTo(ExitCode.USAGE.code());
        assertThat(usage.err()).startsWith("farsync: ").contains("fast").contains("Try 'farsync sync --help'.");
        assertThat(Files.exists(work.resolve("dst"))).isFalse();
    }

    @Test
    void pushesToAServer_reuseTheSshConnection_andARestartedServerIsConnectedAfresh() throws Exception {
        h.startServer();
        int port = h.server.port();
        String p = Integer.toString(port);

        CliHarness.Result first = viaAgent("sync", "src", h.remote("copy"), "-P", p, "-i", h.identity.toString());
        Files.writeString(src.resolve("d2/later.txt"), "later");
        CliHarness.Result second = viaAgent("sync", "src", h.remote("copy"), "-P", p, "-i", h.identity.toString());

        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).startsWith("d2/later.txt\n");
        Trees.assertSameTree(src, h.serverRoot.resolve("copy"));
        assertThat(agent.status()).contains("1 SSH connection(s) kept, 1 job(s) ran on a kept one");

        // the server restarts: its end of the kept connection closed, the next run connects again
        h.stopServer();
        h.startServer(port);
        Files.writeString(src.resolve("d0/after-restart.txt"), "again");
        CliHarness.Result third = viaAgent("sync", "src", h.remote("copy"), "-P", p, "-i", h.identity.toString());

        assertThat(third.exitCode()).as(third.toString()).isZero();
        Trees.assertSameTree(src, h.serverRoot.resolve("copy"));
        assertThat(agent.status()).contains("1 SSH connection(s) kept, 1 job(s) ran on a kept one");
    }

    @Test
    void whatTheAgentCannotRunAsTheClient_isHandedBack_withNothingDone() {
        Map<String, String> debug = new HashMap<>(env);
        debug.put("FARSYNC_LOG_LEVEL", "DEBUG");

        CliHarness.Result logLevel = viaAgent(debug, "sync", "src", "dst");
        CliHarness.Result continuous = viaAgent("sync", "src", "dst", "--continuous");
        CliHarness.Result jsonLog = viaAgent("sync", "src", "dst", "--log-format", "json");

        for (CliHarness.Result r : List.of(logLevel, continuous, jsonLog)) {
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(Integer.MIN_VALUE);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).isEmpty();
        }
        assertThat(Files.exists(work.resolve("dst"))).isFalse();
        assertThat(agent.status()).contains("0 run, 0 running, 3 handed back (last: --log-format json runs in its own process)");
    }

    @Test
    void requestsOfAnotherBuildOrHome_areHandedBack() throws Exception {
        Map<String, String> process = AgentProtocol.process();
        AgentProtocol.Request mine = new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(), work.toString(),
                process, false, List.of("sync", "src", "dst"), env);
        assertThat(agent.refusal(mine)).isNull();
        assertThat(process).containsKeys("umask", "gid", "groups", "root directory", "net namespace", "user namespace",
                "sun.jnu.encoding", "file.encoding");
        assertThat(agent.refusal(new AgentProtocol.Request(AgentProtocol.VERSION, "/elsewhere/farsync.jar 1 2", work.toString(),
                process, false, mine.args(), env))).startsWith("client is another farsync build");
        for (String attribute : process.keySet()) {
            Map<String, String> other = new HashMap<>(process);
            other.put(attribute, "other");
            assertThat(agent.refusal(new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(), work.toString(),
                    other, false, mine.args(), env))).startsWith("client's " + attribute + " (other) is not the agent's");
        }
        assertThat(agent.refusal(new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(), work.toString(),
                process, false, mine.args(), Map.of("FARSYNC_HOME", tmp.resolve("other").toString()))))
                .contains("farsync home");
        assertThat(agent.refusal(new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(), "relative",
                process, false, mine.args(), env))).contains("working directory");
        assertThat(agent.refusal(new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(), "/a\0b",
                process, false, mine.args(), env))).isNotNull();
        // a request of another protocol version decodes to its version alone
        byte[] future = mine.encode();
        future[3] = (byte) (AgentProtocol.VERSION + 1);
        assertThat(agent.refusal(AgentProtocol.Request.decode(future))).startsWith("client speaks agent protocol");
    }

    @Test
    void cancel_stopsTheRunAtOnce_leavesNoPartialFile_andReleasesTheSession() throws Exception {
        Path dst = work.resolve("dst");
        try (SocketChannel socket = slowRunUnderWay(1)) {
            long cancelledAt = System.nanoTime();
            AgentProtocol.write(AgentClient.output(socket), AgentProtocol.CANCEL, new byte[0]);

            Ending end = readUntilExit(socket);
            assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt)).isLessThan(Duration.ofSeconds(10));
            assertThat(end.code()).as(end.err()).isNotZero();
            assertThat(end.err()).contains("farsync: ").contains("interrupted (Ctrl-C or a signal)");
        }
        assertThat(Files.exists(dst.resolve("big.bin"))).as("no partial file under its final name").isFalse();
        // the session's lock is free: the next run completes
        CliHarness.Result next = viaAgent("sync", "src", "dst");
        assertThat(next.exitCode()).as(next.toString()).isZero();
        Trees.assertSameTree(src, dst);
    }

    /**
     * Starts a sync of src, with a 16 MiB file added, to work/dst at 8 Mbit/s (~17 s) over a
     * socket of the test's own; returns it once the big file is arriving.
     */
    private SocketChannel slowRunUnderWay(long seed) throws Exception {
        byte[] data = new byte[16 << 20];
        new Random(SEED + seed).nextBytes(data);
        Files.write(src.resolve("big.bin"), data);
        SocketChannel socket = AgentClient.connect(AgentProtocol.socket(h.clientHome));
        AgentProtocol.write(AgentClient.output(socket), AgentProtocol.REQUEST, new AgentProtocol.Request(AgentProtocol.VERSION,
                AgentProtocol.build(), work.toString(), AgentProtocol.process(), false, List.of("sync", "src", "dst", "--rate", "8M", "-q"),
                env).encode());
        await().atMost(Duration.ofSeconds(30)).until(() -> receiving(work.resolve("dst"), "big.bin"));
        return socket;
    }

    /** A run's exit status and its stderr, as its client got them. */
    private record Ending(int code, String err) {
    }

    /** Reads a run's frames until its exit status. */
    private static Ending readUntilExit(SocketChannel socket) throws java.io.IOException {
        InputStream fromAgent = AgentClient.input(socket);
        StringBuilder err = new StringBuilder();
        while (true) {
            AgentProtocol.Frame f = AgentProtocol.read(fromAgent);
            if (f.type() == AgentProtocol.ERR) {
                err.append(f.text());
            } else if (f.type() == AgentProtocol.EXIT) {
                return new Ending(f.number(), err.toString());
            }
        }
    }

    @Test
    void aClientThatGoesAway_hasItsRunStopped() throws Exception {
        Path dst = work.resolve("dst");
        SocketChannel socket = slowRunUnderWay(2);
        socket.close();   // as a client killed with SIGKILL

        await().atMost(Duration.ofSeconds(15)).until(() -> agent.status().contains("0 running"));
        assertThat(Files.exists(dst.resolve("big.bin"))).isFalse();
        assertThat(viaAgent("sync", "src", "dst").exitCode()).isZero();
        Trees.assertSameTree(src, dst);
    }

    @Test
    void theSocketIsTheOwnersOnly_andASecondAgentOnTheSameHomeIsRefused() throws Exception {
        Path socket = AgentProtocol.socket(h.clientHome);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

        Assertions.assertThatThrownBy(() -> Agent.listen(new FarsyncHome(h.clientHome), Duration.ofHours(1), env))
                .isInstanceOf(FarsyncException.class).hasMessageContaining("an agent already runs on " + socket)
                .extracting(e -> ((FarsyncException) e).exitCode()).isEqualTo(ExitCode.SESSION_BUSY);

        CliHarness.Result status = h.run("agent", "status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).startsWith("agent: pid " + ProcessHandle.current().pid());
        CliHarness.Result stop = h.run("agent", "stop");
        assertThat(stop.out()).startsWith("farsync: agent (pid " + ProcessHandle.current().pid() + ") stopping");
        serving.get();
        assertThat(Files.exists(socket)).isFalse();
        CliHarness.Result none = h.run("agent", "status");
        assertThat(none.exitCode()).isEqualTo(1);
        assertThat(none.out()).isEqualTo("farsync: no agent is running (" + socket + ")\n");
        // with no agent the client runs the command itself
        assertThat(AgentClient.forward(h.clientHome, work, new String[] {"sync", "src", "dst"}, env, false, System.out, System.err)).isNull();
    }

    @Test
    void aKeptConnectionUnusedAWhileThatDiedQuietly_isProbedAndReplaced() throws Exception {
        agent.close();
        serving.get();
        // every kept connection counts as unused a while: it answers a keepalive before it serves a job
        agent = Agent.listen(new FarsyncHome(h.clientHome), Duration.ofHours(1), env, new SshConnections(Duration.ZERO));
        serving = CompletableFuture.runAsync(agent::serve);
        CliHarness.Result second = pushAgainAfterTheConnectionDied();

        assertThat(second.exitCode()).as(second.toString()).isZero();
        Trees.assertSameTree(src, h.serverRoot.resolve("copy"));
        assertThat(agent.status()).contains("1 SSH connection(s) kept, 0 job(s) ran on a kept one");
    }

    /**
     * Pushes src through a relay to a server, makes the kept connection go quiet (the relay stops
     * carrying it, without closing it), adds a file and pushes again.
     */
    private CliHarness.Result pushAgainAfterTheConnectionDied() throws Exception {
        h.startServer();
        try (FreezableProxy proxy = new FreezableProxy(h.server.port())) {
            String[] push = {"sync", "src", "tester@" + FreezableProxy.HOST + ":copy", "-P", Integer.toString(proxy.port()),
                "-i", h.identity.toString()};
            assertThat(viaAgent(push).exitCode()).isZero();
            proxy.freeze();
            Files.writeString(src.resolve("d1/later.txt"), "later");
            return viaAgent(push);
        }
    }

    @Test
    void aJobWhoseKeptConnectionDiesUnderIt_runsAgainOnANewOne() throws Exception {
        // used a moment ago, so not probed: the job's request goes out on a connection that carries nothing now
        CliHarness.Result second = pushAgainAfterTheConnectionDied();

        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("d1/later.txt").doesNotContain("did not answer");
        Trees.assertSameTree(src, h.serverRoot.resolve("copy"));
        // the dead one was tried, and the new one is kept
        assertThat(agent.status()).contains("1 SSH connection(s) kept, 1 job(s) ran on a kept one");
    }

    @Test
    void malformedFrames_endTheirConnectionOnly() throws Exception {
        Random random = new Random(SEED + 3);
        for (int i = 0; i < 20; i++) {
            try (SocketChannel socket = AgentClient.connect(AgentProtocol.socket(h.clientHome))) {
                OutputStream toAgent = AgentClient.output(socket);
                byte[] junk = new byte[random.nextInt(64)];
                random.nextBytes(junk);
                switch (i % 4) {
                    case 0 -> toAgent.write(new byte[] {AgentProtocol.REQUEST, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
                    case 1 -> AgentProtocol.write(toAgent, AgentProtocol.REQUEST, junk);
                    case 2 -> AgentProtocol.write(toAgent, (byte) 'Z', junk);
                    default -> toAgent.write(junk);
                }
                socket.shutdownOutput();
                // the agent answers nothing it cannot read, or hands a request it cannot use back, and closes
                byte[] answer;
                try {
                    answer = AgentClient.input(socket).readAllBytes();
                } catch (java.net.SocketException e) {
                    answer = new byte[0];   // closed with our junk unread: a reset
                }
                assertThat(answer.length == 0 || answer[0] == AgentProtocol.DECLINE).as(new String(answer, StandardCharsets.UTF_8)).isTrue();
            }
        }
        assertThat(viaAgent("sync", "src", "dst").exitCode()).isZero();
        Trees.assertSameTree(src, work.resolve("dst"));
    }

    @Test
    void concurrentCommands_runSideBySide() throws Exception {
        List<CompletableFuture<CliHarness.Result>> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String dst = "dst" + i;
            runs.add(CompletableFuture.supplyAsync(() -> viaAgent("sync", "src", dst)));
        }
        for (int i = 0; i < 3; i++) {
            CliHarness.Result r = runs.get(i).get();
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(listing(r.out())).hasSize(23);
            Trees.assertSameTree(src, work.resolve("dst" + i));
        }
        assertThat(agent.status()).contains("commands: 3 run, 0 running");
    }

    @Test
    void anAgentStoppedBySignal_stopsItsRuns_andTheirClientsHearWhy() throws Exception {
        Path dst = work.resolve("dst");
        try (SocketChannel socket = slowRunUnderWay(4)) {
            agent.stopRuns("the farsync agent was stopped");

            Ending end = readUntilExit(socket);
            assertThat(end.code()).isNotZero();
            assertThat(end.err()).contains("the farsync agent was stopped");
        }
        serving.get();
        assertThat(Files.exists(dst.resolve("big.bin"))).isFalse();
        assertThat(Files.exists(AgentProtocol.socket(h.clientHome))).isFalse();
    }

    @Test
    void durations() {
        assertThat(AgentCommand.duration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(AgentCommand.duration("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(AgentCommand.duration("2H")).isEqualTo(Duration.ofHours(2));
        assertThat(AgentCommand.duration("45")).isEqualTo(Duration.ofSeconds(45));
        for (String bad : List.of("", "0", "-5m", "m", "1d", "1.5h")) {
            Assertions.assertThatThrownBy(() -> AgentCommand.duration(bad)).isInstanceOf(FarsyncException.class)
                    .hasMessageContaining("invalid duration");
        }
    }

    private static boolean receiving(Path dst, String name) throws Exception {
        if (!Files.isDirectory(dst)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dst)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("." + name + "."));
        }
    }
}
