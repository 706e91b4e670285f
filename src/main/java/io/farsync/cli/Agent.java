package io.farsync.cli;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.ThreadJoin;
import io.farsync.session.SshConnections;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code farsync agent}: a resident JVM that runs {@code farsync sync} commands for the user's
 * {@code farsync} invocations, as the Gradle daemon does for builds. A command then starts a
 * small JVM that hands its command line to the agent over a Unix socket in the farsync home
 * ({@link AgentClient}) instead of loading SSH, crypto and SQLite and compiling them again, and the
 * agent keeps SSH connections to servers open between runs ({@link SshConnections}), so a run
 * starts without the TCP and SSH handshakes' round trips.
 *
 * <p>A run in the agent behaves as in the client's own JVM: relative paths are the client's, the
 * client's environment is the run's ({@code FARSYNC_HOME}, ...), stdout and stderr (log lines
 * included) are the client's, the exit status is the client's, and Ctrl-C stops the run before the
 * client exits. What the agent cannot reproduce it hands back ({@link AgentProtocol#DECLINE}), and
 * the client runs the command itself: a client of another build, another umask, groups, namespace
 * or file-name encoding ({@link AgentProtocol#process()}), other log or JVM settings, continuous
 * mode. Only the socket's owner may use it (the socket is mode 0600 in the farsync home, and
 * both ends check the other's uid).
 */
final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** Environment variables the agent's JVM has fixed: a client whose values differ runs itself. */
    static final List<String> PROCESS_SETTINGS = List.of("FARSYNC_LOG_LEVEL", "FARSYNC_SSH_LOG_LEVEL",
            "FARSYNC_LOG_FORMAT", "FARSYNC_JAVA_OPTS", "FARSYNC_JIT");
    /** How long without commands before the agent gives back its heap (one full collection). */
    private static final Duration IDLE_GC_AFTER = Duration.ofSeconds(10);
    /** How long a stopping agent (SIGTERM) waits for its aborted runs to wind down. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private final FarsyncHome home;
    private final Path socket;
    private final ServerSocketChannel server;
    /** Held while the agent lives: a second agent on the same home is refused, and never removes this one's socket. */
    private final FileLock lock;
    private final UserPrincipal owner;
    private final Duration idleTimeout;
    private final Map<String, String> env;
    private final String build = AgentProtocol.build();
    private final Map<String, String> process = AgentProtocol.process();
    private final Instant started = Instant.now();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong declined = new AtomicLong();
    private volatile String lastDecline;
    private volatile long idleSince = System.nanoTime();
    /** The idle period the last idle collection was for (its {@link #idleSince}). */
    private long collectedFor = idleSince;
    /** Connection threads, joined before the agent ends. */
    private final ThreadJoin.Workers connectionThreads = new ThreadJoin.Workers();
    /** The runs in progress, cancelled when the agent is stopped by a signal. */
    private final Set<AgentRun> runs = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionNumber = new AtomicInteger();
    private final ScheduledExecutorService idleCheck;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SshConnections connections;

    private Agent(FarsyncHome home, ServerSocketChannel server, FileLock lock, Duration idleTimeout, Map<String, String> env,
            SshConnections connections) throws IOException {
        this.home = home;
        this.connections = connections;
        this.socket = AgentProtocol.socket(home.dir());
        this.server = server;
        this.lock = lock;
        this.owner = Files.getOwner(socket);
        this.idleTimeout = idleTimeout;
        this.env = env;
        this.idleCheck = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "farsync-agent-idle");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(idleTimeout.toMillis() / 4, 10_000));
        idleCheck.scheduleAtFixedRate(this::stopIfIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Listens on the home's socket. Fails (exit 12) if an agent already runs for this home; a
     * socket file left by an agent that was killed is replaced.
     */
    static Agent listen(FarsyncHome home, Duration idleTimeout, Map<String, String> env) {
        return listen(home, idleTimeout, env, new SshConnections());
    }

    /** As {@link #listen(FarsyncHome, Duration, Map)}, keeping SSH connections in {@code connections}. */
    static Agent listen(FarsyncHome home, Duration idleTimeout, Map<String, String> env, SshConnections connections) {
        Path socket = AgentProtocol.socket(home.dir());
        FileChannel lockFile = null;
        try {
            Files.createDirectories(home.dir());
            lockFile = FileChannel.open(home.dir().resolve("agent.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockFile.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null;   // this JVM's own agent holds it
            }
            if (lock == null) {
                throw new FarsyncException(ExitCode.SESSION_BUSY, "an agent already runs on " + socket);
            }
            Files.deleteIfExists(socket);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                server.bind(UnixDomainSocketAddress.of(socket));
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
                AgentLog.install();
                return new Agent(home, server, lock, idleTimeout, env, connections);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(lockFile);
            if (e instanceof FarsyncException f) {
                throw f;
            }
            throw new FarsyncException(ExitCode.PERMISSION_DENIED, "cannot listen on " + socket + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing held
            }
        }
    }

    /** Serves clients until stopped or idle for the idle timeout; returns after the last run ended. */
    void serve() {
        log.info("agent listening on {} (idle timeout {} s)", socket, idleTimeout.toSeconds());
        try {
            while (true) {
                SocketChannel client = server.accept();
                connectionThreads.start("farsync-agent-run-" + connectionNumber.incrementAndGet(), () -> handle(client));
            }
        } catch (ClosedChannelException e) {
            // stopped
        } catch (IOException e) {
            log.warn("agent: accept failed: {}", e.toString());
        } finally {
            close();
            connectionThreads.awaitAll();   // the running commands finish
            connections.close();
            log.info("agent stopped");
        }
    }

    /**
     * Stops the agent as a signal (SIGTERM, SIGINT) does: no new runs, the running ones stopped
     * as a client's Ctrl-C would (their clients hear why), waited for a while.
     */
    void stopRuns(String reason) {
        if (closed.get() && runs.isEmpty()) {
            return;   // stopped already (idle, or 'agent stop'), nothing running
        }
        log.info("agent: stopping ({}), {} command(s) running", reason, running.get());
        close();
        runs.forEach(r -> r.cancel(reason));
        connectionThreads.awaitAll(STOP_GRACE, log);
    }

    /** Stops listening (runs in progress finish) and removes the socket; once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        idleCheck.shutdownNow();
        try {
            server.close();
            // under the lock: no other agent can have bound this path since
            Files.deleteIfExists(socket);
            lock.release();
            lock.channel().close();
        } catch (IOException e) {
            log.debug("agent: closing: {}", e.toString());
        }
    }

    private void stopIfIdle() {
        if (running.get() != 0) {
            return;
        }
        long idle = System.nanoTime() - idleSince;
        if (idle > idleTimeout.toNanos()) {
            log.info("agent: idle for {} s, stopping", idleTimeout.toSeconds());
            close();
        } else if (idle > IDLE_GC_AFTER.toNanos() && collectedFor != idleSince) {
            // A resident JVM keeps the heap its biggest sync grew (an idle agent held ~800 MB after
            // a 500 MB local sync; G1's periodic collection did not run): one full collection once
            // the commands stopped shrinks the heap back (G1's MaxHeapFreeRatio) while no one waits.
            collectedFor = idleSince;
            System.gc();
        }
    }

    private void handle(SocketChannel client) {
        AgentLog.unbind();
        try (client) {
            OutputStream out = AgentClient.output(client);
            InputStream in = AgentClient.input(client);
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner)) {
                log.warn("agent: refused a client of user {} (the agent is {}'s)", peer.user().getName(), owner.getName());
                return;
            }
            AgentProtocol.Frame f = AgentProtocol.read(in);
            switch (f.type()) {
                case AgentProtocol.STATUS -> AgentProtocol.write(out, AgentProtocol.INFO, status());
                case AgentProtocol.STOP -> {
                    AgentProtocol.write(out, AgentProtocol.INFO, "agent (pid " + ProcessHandle.current().pid() + ") stopping"
                            + (running.get() > 0 ? " after its " + running.get() + " running command(s)" : ""));
                    close();
                }
                case AgentProtocol.REQUEST -> run(AgentProtocol.Request.decode(f.payload()), in, out);
                default -> log.warn("agent: unexpected frame {} from a client", f.type());
            }
        } catch (IOException | RuntimeException e) {
            // a client that went away or sent garbage: its connection ends, the agent goes on
            log.debug("agent: client connection: {}", e.toString());
        }
    }

    /** Why the agent cannot run {@code r} as the client's own JVM would; null if it can. */
    String refusal(AgentProtocol.Request r) {
        if (r.version() != AgentProtocol.VERSION) {
            return "client speaks agent protocol " + r.version() + ", this agent " + AgentProtocol.VERSION;
        }
        if (!r.build().equals(build)) {
            return "client is another farsync build (" + r.build() + ") than the agent's (" + build + ")";
        }
        for (Map.Entry<String, String> e : process.entrySet()) {
            if (!e.getValue().equals(r.process().get(e.getKey()))) {
                return "client's " + e.getKey() + " (" + r.process().get(e.getKey()) + ") is not the agent's (" + e.getValue() + ")";
            }
        }
        for (String key : PROCESS_SETTINGS) {
            if (!Objects.equals(env.get(key), r.env().get(key))) {
                return key + " differs from the agent's";
            }
        }
        try {
            if (!FarsyncHome.from(r.env()).dir().equals(home.dir())) {
                return "client's farsync home is " + FarsyncHome.from(r.env()).dir() + ", the agent's " + home.dir();
            }
            Path cwd = Path.of(r.cwd());
            if (!cwd.isAbsolute() || !Files.isDirectory(cwd)) {
                return "client's working directory " + r.cwd() + " is not one here";
            }
        } catch (RuntimeException e) {
            return "malformed request: " + e.getMessage();
        }
        return null;
    }

    private void run(AgentProtocol.Request r, InputStream in, OutputStream out) throws IOException {
        String refused = refusal(r);
        if (refused != null) {
            decline(out, refused);
            return;
        }
        AgentRun run = new AgentRun(connections);
        runs.add(run);
        if (closed.get()) {
            // stopping: stopRuns may have looked at the runs before this one was added; nothing ran yet
            runs.remove(run);
            decline(out, "the agent is stopping");
            return;
        }
        running.incrementAndGet();
        int code;
        try {
            // from here on the client never runs the command itself; a client gone already stops it here
            synchronized (out) {
                AgentProtocol.write(out, AgentProtocol.ACCEPTED, new byte[0]);
            }
            try (PrintStream runOut = new PrintStream(new FrameStream(out, AgentProtocol.OUT), true,
                            AgentProtocol.charset(r.process(), AgentProtocol.STDOUT_CHARSET));
                    PrintStream runErr = new PrintStream(new FrameStream(out, AgentProtocol.ERR), true,
                            AgentProtocol.charset(r.process(), AgentProtocol.STDERR_CHARSET));
                    AgentLog.Sink logs = AgentLog.bind(runErr)) {
                Thread cancels = new Thread(() -> readCancel(in, run), Thread.currentThread().getName() + "-cancel");
                cancels.setDaemon(true);
                cancels.start();
                code = runCommand(r, run, runOut, runErr);
            } finally {
                AgentLog.unbind();
            }
        } finally {
            runs.remove(run);
            // before the client hears the end: a status asked right after it sees the run over
            idleSince = System.nanoTime();
            running.decrementAndGet();
        }
        if (code == AgentRun.DECLINED) {
            // a command that refuses itself before doing anything (continuous mode, ...): the client runs it
            decline(out, run.declined());
            return;
        }
        served.incrementAndGet();
        synchronized (out) {
            AgentProtocol.write(out, AgentProtocol.EXIT, AgentProtocol.number(code));
        }
    }

    /**
     * Runs the command; an Error (out of memory) ends this run with exit 70, as it would end the
     * command's own JVM, and the agent goes on (the run released its session on the way out).
     */
    private static int runCommand(AgentProtocol.Request r, AgentRun run, PrintStream out, PrintStream err) {
        try {
            return Main.run(r.args().toArray(String[]::new), new Main.Context(FarsyncHome.from(r.env()), out, err,
                    r.terminal(), r.env(), Path.of(r.cwd()), run));
        } catch (Error e) {
            log.error("agent: a command failed", e);
            err.println("farsync: internal error: " + e);
            return ExitCode.INTERNAL.code();
        }
    }

    private void decline(OutputStream out, String why) throws IOException {
        declined.incrementAndGet();
        lastDecline = why;
        log.info("agent: handed a command back: {}", why);
        synchronized (out) {
            AgentProtocol.write(out, AgentProtocol.DECLINE, why);
        }
    }

    /** The client's Ctrl-C or signal, or the client gone (killed, or its terminal closed): the run stops. */
    private static void readCancel(InputStream in, AgentRun run) {
        try {
            AgentProtocol.Frame f = AgentProtocol.read(in);
            run.cancel(f.type() == AgentProtocol.CANCEL ? "interrupted (Ctrl-C or a signal)" : "client sent frame " + f.type());
        } catch (IOException e) {
            run.cancel("the farsync command was ended");
        }
    }

    String status() {
        long up = Duration.between(started, Instant.now()).toSeconds();
        return "agent: pid " + ProcessHandle.current().pid() + ", up " + up + " s, socket " + socket
                + "\n  commands: " + served.get() + " run, " + running.get() + " running, " + declined.get() + " handed back"
                + (lastDecline == null ? "" : " (last: " + lastDecline + ")")
                + "\n  " + connections.describe()
                + "\n  stops after " + idleTimeout.toSeconds() + " s without commands"
                + "\n  build: " + build;
    }

    /** A run's stdout or stderr as frames to its client; each write is a frame, in order with the other stream's. */
    private static final class FrameStream extends OutputStream {
        private final OutputStream socket;
        private final byte type;

        FrameStream(OutputStream socket, byte type) {
            this.socket = socket;
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            synchronized (socket) {
                AgentProtocol.write(socket, type, Arrays.copyOfRange(b, off, off + len));
            }
        }
    }
}
