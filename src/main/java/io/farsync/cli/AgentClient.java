package io.farsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;

/**
 * The {@code farsync} command's side of the agent ({@link Agent}): hands the command line to the
 * agent, copies what the run prints to this process's stdout and stderr, and returns its exit
 * status. A Ctrl-C (or any signal that ends this JVM) asks the agent to stop the run and waits
 * until it has: when the shell prompt comes back, the run is over, as without an agent. Only
 * java.base here, as in {@link AgentProtocol}.
 */
final class AgentClient {
    /** How long a Ctrl-C waits for the agent to end the run (the run's abort is local work). */
    private static final long CANCEL_WAIT_SECONDS = 30;
    /** The status of a command ended by SIGINT (a shell's 128 + 2), for one stopped before the agent answered. */
    private static final int INTERRUPTED = 130;
    /** How long the agent may take to take a command or hand it back. */
    static final java.time.Duration FIRST_ANSWER = java.time.Duration.ofSeconds(5);

    private AgentClient() {
    }

    /**
     * Connects to the agent's socket; null if no agent listens there, or one of another user does
     * (a socket in a shared home could be anyone's: the command line and environment go only to
     * an agent of this process's own uid).
     */
    static SocketChannel connect(Path socket) {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            if (channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user().equals(Files.getOwner(Path.of("/proc/self")))) {
                return channel;
            }
        } catch (IOException | RuntimeException e) {
            // no agent
        }
        closeQuietly(channel);
        return null;
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing to keep
            }
        }
    }

    /**
     * Runs {@code args} in the agent of the farsync home {@code home}, as if started in {@code cwd}.
     * Returns the exit status, or null if there is no agent, it declined the command, or it did
     * not answer within {@link #FIRST_ANSWER} (the caller then runs the command itself: nothing
     * has been printed or done).
     */
    static Integer forward(Path home, Path cwd, String[] args, Map<String, String> env, boolean terminal, PrintStream out,
            PrintStream err) {
        SocketChannel channel = connect(AgentProtocol.socket(home));
        if (channel == null) {
            return null;
        }
        try (channel) {
            OutputStream toAgent = output(channel);
            InputStream fromAgent = input(channel);
            Map<String, String> process = new java.util.LinkedHashMap<>(AgentProtocol.process());
            process.putAll(AgentProtocol.output());
            AgentProtocol.Request request = new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(),
                    cwd.toString(), process, terminal, Arrays.asList(args), farsyncVariables(env, cwd));
            // from the request on, a Ctrl-C waits for the agent to stop what it may have started
            CountDownLatch over = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean requested = new java.util.concurrent.atomic.AtomicBoolean();
            Thread cancel = new Thread(() -> {
                if (over.getCount() == 0) {
                    return;   // an ordinary exit after the run
                }
                // a command ended by a signal prints nothing more, as one without the agent
                cancelled.set(true);
                try {
                    synchronized (toAgent) {
                        if (requested.get()) {
                            AgentProtocol.write(toAgent, AgentProtocol.CANCEL, new byte[0]);
                        }
                    }
                    over.await(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // the agent is gone: nothing left to stop
                }
            }, "farsync-agent-cancel");
            Runtime.getRuntime().addShutdownHook(cancel);
            try {
                synchronized (toAgent) {
                    if (cancelled.get()) {
                        return INTERRUPTED;   // a signal before anything was asked of the agent
                    }
                    AgentProtocol.write(toAgent, AgentProtocol.REQUEST, request.encode());
                    requested.set(true);
                }
                // an agent that is stopped (Ctrl-Z) or hung is not waited for: the command runs here
                if (!firstAnswer(channel, fromAgent)) {
                    // DECLINE, or no answer: run here, unless the command is being stopped
                    return cancelled.get() ? Integer.valueOf(INTERRUPTED) : null;
                }
                Integer code = copyUntilExit(fromAgent, out, err, AgentProtocol.log(home), cancelled);
                if (code == null && cancelled.get()) {
                    return INTERRUPTED;   // handed back, but the command is being stopped: not run here
                }
                return code;
            } catch (IOException e) {
                if (cancelled.get()) {
                    return INTERRUPTED;   // never run here while the command is being stopped
                }
                throw e;
            } finally {
                over.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(cancel);
                } catch (IllegalStateException e) {
                    // shutting down: the hook is running and sees the run over
                }
            }
        } catch (IOException e) {
            return null;   // the agent went away or did not answer before it took the command: run here
        }
    }

    /**
     * True if the agent took the command (ACCEPTED); false if it handed it back, or did not answer
     * within {@link #FIRST_ANSWER} (the channel is then closed: a late ACCEPTED finds no client,
     * and the agent stops the run it began at once).
     */
    private static boolean firstAnswer(SocketChannel channel, InputStream fromAgent) throws IOException {
        java.util.concurrent.atomic.AtomicBoolean decided = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watchdog = closeUnless(decided, channel);
        try {
            AgentProtocol.Frame first = AgentProtocol.read(fromAgent);
            if (!decided.compareAndSet(false, true)) {
                return false;   // the watchdog won: the channel is closed
            }
            return first.type() == AgentProtocol.ACCEPTED;
        } catch (IOException e) {
            if (decided.compareAndSet(false, true)) {
                throw e;
            }
            return false;
        } finally {
            watchdog.interrupt();
        }
    }

    /**
     * Closes {@code channel} after {@link #FIRST_ANSWER} unless {@code decided} was set first (the
     * one flag decides between the answer and the timeout): a read of the answer then fails.
     */
    private static Thread closeUnless(java.util.concurrent.atomic.AtomicBoolean decided, SocketChannel channel) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(FIRST_ANSWER.toMillis());
                if (decided.compareAndSet(false, true)) {
                    closeQuietly(channel);
                }
            } catch (InterruptedException e) {
                // answered
            }
        }, "farsync-agent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return watchdog;
    }

    /**
     * The client's environment as far as a sync reads it: FARSYNC_* (tokens and keys in the rest
     * stay here), a relative FARSYNC_HOME made absolute here, where it is relative to.
     */
    private static Map<String, String> farsyncVariables(Map<String, String> env, Path cwd) {
        Map<String, String> mine = new java.util.TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("FARSYNC_")) {
                mine.put(k, v);
            }
        });
        String home = mine.get("FARSYNC_HOME");
        if (home != null && !home.isBlank()) {
            try {
                mine.put("FARSYNC_HOME", cwd.resolve(home).toString());
            } catch (RuntimeException e) {
                // not a path: the agent declines it
            }
        }
        return mine;
    }

    /**
     * Copies the run's output until its exit status; the agent gone before it is an error of its
     * own. Null: the command handed itself back before it printed anything (continuous mode, ...).
     */
    private static Integer copyUntilExit(InputStream fromAgent, PrintStream out, PrintStream err, Path log,
            java.util.concurrent.atomic.AtomicBoolean cancelled) {
        boolean printed = false;
        while (true) {
            AgentProtocol.Frame f;
            try {
                f = AgentProtocol.read(fromAgent);
                switch (f.type()) {
                    case AgentProtocol.OUT -> {
                        printed = true;
                        if (!cancelled.get()) {
                            out.write(f.payload());
                            out.flush();
                        }
                    }
                    case AgentProtocol.ERR -> {
                        printed = true;
                        if (!cancelled.get()) {
                            out.flush();
                            err.write(f.payload());
                            err.flush();
                        }
                    }
                    case AgentProtocol.DECLINE -> {
                        if (printed) {
                            throw new IOException("the agent handed back a command it had started");
                        }
                        return null;
                    }
                    case AgentProtocol.EXIT -> {
                        out.flush();
                        err.flush();
                        return f.number();
                    }
                    default -> throw new IOException("unexpected agent frame " + f.type());
                }
            } catch (IOException e) {
                out.flush();
                if (!cancelled.get()) {
                    err.println("farsync: the agent ended during the run (" + e.getMessage() + "); its log: " + log);
                }
                return io.farsync.common.ExitCode.INTERNAL.code();
            }
        }
    }

    /** A status or stop request's answer, or null if no agent listens on {@code socket}. */
    static String ask(Path socket, byte what) {
        SocketChannel channel = connect(socket);
        if (channel == null) {
            return null;
        }
        try (channel) {
            AgentProtocol.write(output(channel), what, new byte[0]);
            java.util.concurrent.atomic.AtomicBoolean decided = new java.util.concurrent.atomic.AtomicBoolean();
            Thread watchdog = closeUnless(decided, channel);
            try {
                String answer = AgentProtocol.read(input(channel)).text();
                return decided.compareAndSet(false, true) ? answer : null;
            } finally {
                watchdog.interrupt();
            }
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The socket's reading side. Not {@code Channels.newInputStream}: on JDK 17 its read holds the
     * channel's blocking lock, which its output stream's write then waits for (a Ctrl-C's cancel
     * would wait for the run's next output).
     */
    static InputStream input(SocketChannel channel) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** The socket's writing side (see {@link #input}). */
    static OutputStream output(SocketChannel channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        };
    }
}
