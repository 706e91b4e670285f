package io.farsync.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
    /** A shell's status for a process ended by SIGINT, which a Ctrl-C'ed run without an agent has. */
    static final int INTERRUPTED = 130;

    private AgentClient() {
    }

    /** Connects to the agent's socket; null if no agent listens there. */
    static SocketChannel connect(Path socket) {
        try {
            return SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Runs {@code args} in the agent listening on {@code socket}. Returns the exit status, or null
     * if there is no agent or it declined the command (the caller then runs it itself); nothing
     * has been printed or done then.
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
            AgentProtocol.Request request = new AgentProtocol.Request(AgentProtocol.VERSION, AgentProtocol.build(),
                    cwd.toString(), AgentProtocol.umask(), terminal, Arrays.asList(args), env);
            AgentProtocol.write(toAgent, AgentProtocol.REQUEST, request.encode());
            CountDownLatch over = new CountDownLatch(1);
            Thread cancel = new Thread(() -> {
                if (over.getCount() == 0) {
                    return;   // an ordinary exit after the run
                }
                try {
                    synchronized (toAgent) {
                        AgentProtocol.write(toAgent, AgentProtocol.CANCEL, new byte[0]);
                    }
                    over.await(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // the agent is gone: nothing left to stop
                }
            }, "farsync-agent-cancel");
            Runtime.getRuntime().addShutdownHook(cancel);
            try {
                return copyUntilExit(fromAgent, out, err, AgentProtocol.log(home));
            } finally {
                over.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(cancel);
                } catch (IllegalStateException e) {
                    // shutting down: the hook is running and sees the run over
                }
            }
        } catch (IOException e) {
            return null;   // the agent went away before it answered: run here
        }
    }

    /** Copies the run's output until its exit status (returned) or a decline (null). */
    private static Integer copyUntilExit(InputStream fromAgent, PrintStream out, PrintStream err, Path log) throws IOException {
        boolean answered = false;
        while (true) {
            AgentProtocol.Frame f;
            try {
                f = AgentProtocol.read(fromAgent);
            } catch (IOException e) {
                if (!answered) {
                    throw e;
                }
                err.flush();
                err.println("farsync: the agent ended during the run (" + e.getMessage() + "); its log: " + log);
                return io.farsync.common.ExitCode.INTERNAL.code();
            }
            switch (f.type()) {
                case AgentProtocol.OUT -> {
                    answered = true;
                    out.write(f.payload());
                    out.flush();
                }
                case AgentProtocol.ERR -> {
                    answered = true;
                    out.flush();
                    err.write(f.payload());
                    err.flush();
                }
                case AgentProtocol.EXIT -> {
                    out.flush();
                    err.flush();
                    return f.number();
                }
                case AgentProtocol.DECLINE -> {
                    if (answered) {
                        throw new IOException("agent declined a run it had started");
                    }
                    return null;
                }
                default -> throw new IOException("unexpected agent frame " + f.type());
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
            AgentProtocol.Frame f = AgentProtocol.read(input(channel));
            return f.text();
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
