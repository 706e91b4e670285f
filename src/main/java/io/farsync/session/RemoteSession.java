package io.farsync.session;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.transport.TransportConnection;
import io.farsync.transport.UdpTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.common.SshConstants;

/**
 * A client's live session with a server: the SSH control channel and the UDP transport brought
 * up through it. Close it when the job is over.
 */
public final class RemoteSession implements AutoCloseable {
    private final SshClient client;
    /** Where the connection goes after a job that ended well, to serve the next one; null: closed. */
    private final SshConnections.Use keep;
    /** The round trip measured when the connection was made. */
    private final Duration rtt;
    /** True if the connection was a kept one. */
    private final boolean reused;
    /** Set when the connection failed before the server confirmed the job channel (so never saw the request). */
    private volatile boolean connectionLost;
    /** The connection's SSH bytes before this job: a kept connection's earlier jobs are not this one's. */
    private final long controlBytesBefore;
    /** Set by the first of {@link #close} and {@link #abort}; the other then does nothing. */
    private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    private final CountingClientSession session;
    /** The job channel, once the login succeeded and the server confirmed it. */
    private volatile ClientChannel channel;
    private final UdpTransport udp;
    private final TransportConnection transport;
    private final CompletableFuture<ControlMessage> outcome = new CompletableFuture<>();
    /** The server's acceptance of the request; fails with the {@link FarsyncException} that ends the job. */
    private final CompletableFuture<ControlMessage> welcome = new CompletableFuture<>();
    /** Writing one SSH_MSG_DISCONNECT and closing a socket: local work, no round trip. */
    private static final Duration DISCONNECT_WAIT = Duration.ofSeconds(5);

    /**
     * The job channel, waited for on the control reader: returns it once the login succeeded and
     * the server confirmed it, throws the {@link FarsyncException} that ends the job otherwise.
     */
    @FunctionalInterface
    interface JobChannelWait {
        ClientChannel await();
    }

    /**
     * Starts reading the server's answers to the request just sent: the login's and the
     * channel's, then the welcome, then the outcome.
     *
     * @param jobChannel    the channel the answers come on
     * @param welcomeCheck what is wrong with a welcome, null if nothing; applied to accepting ones
     * @param welcomeTimeout a server that has not welcomed the request by then fails the job with
     *                       {@code silence}'s message
     * @param keep           where the connection is kept after the job ends well; null: it is closed
     * @param reused         the connection was a kept one
     */
    RemoteSession(SshClient client, CountingClientSession session, JobChannelWait jobChannel,
            UdpTransport udp, TransportConnection transport, Function<ControlMessage, String> welcomeCheck,
            Duration welcomeTimeout, String silence, SshConnections.Use keep, Duration rtt, boolean reused) {
        this.keep = keep;
        this.rtt = rtt;
        this.reused = reused;
        this.client = client;
        this.session = session;
        this.udp = udp;
        this.transport = transport;
        this.controlBytesBefore = session.wireBytes();
        CompletableFuture.delayedExecutor(welcomeTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> connectionFailed(SessionClient.toException(
                        ControlMessage.failure(ControlMessage.WELCOME, ExitCode.TRANSFER_FAILED.name(), silence))));
        Thread reader = new Thread(() -> readMessages(jobChannel, welcomeCheck), "farsync-control-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** The encrypted UDP byte stream to the server's side of the job. */
    public TransportConnection transport() {
        return transport;
    }

    /**
     * Waits for the server's verdict on the job. Throws the server's error as a
     * {@link FarsyncException} with its exit code; returns when the server reports success.
     */
    public void awaitOutcome(Duration timeout) {
        ControlMessage m;
        try {
            m = outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "server sent no outcome within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "interrupted waiting for the server");
        } catch (ExecutionException e) {
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "control channel lost: " + e.getCause().getMessage(), e.getCause());
        }
        if (!m.ok()) {
            throw SessionClient.toException(m);
        }
    }

    /** The server's error if it already reported one, else null; does not wait. */
    public FarsyncException serverError(Duration wait) {
        try {
            ControlMessage m = outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            return m.ok() ? null : SessionClient.toException(m);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /**
     * Bytes of the SSH connection both ways: SSH packets as encrypted, plus an estimated 40 bytes
     * of TCP/IP header per packet (sshd does not see the segments themselves).
     */
    public long controlWireBytes() {
        return session.wireBytes() - controlBytesBefore;
    }

    /**
     * The server's welcome: completes when the server accepted the request, fails with the
     * {@link FarsyncException} that ends the job (refused, not answered in time) or the
     * IOException that lost the control channel. The transport may carry data before it completes:
     * the server holds what comes before it accepted the keys.
     */
    CompletableFuture<ControlMessage> welcome() {
        return welcome;
    }

    /**
     * Waits for the login and the job channel, the server's welcome, then its verdict. A failure,
     * or the SSH connection dropping, also aborts the transport at once, so the local side stops
     * instead of waiting out the idle timeout.
     */
    private void readMessages(JobChannelWait jobChannel, Function<ControlMessage, String> welcomeCheck) {
        ClientChannel c;
        try {
            c = jobChannel.await();
        } catch (FarsyncException e) {
            connectionFailed(e);
            return;
        } catch (RuntimeException e) {
            connectionFailed(new FarsyncException(ExitCode.TRANSFER_FAILED, "job channel failed: " + e, e));
            return;
        }
        channel = c;
        ControlChannel control = new ControlChannel(c.getInvertedOut(), c.getInvertedIn());
        try {
            ControlMessage w = control.receive(ControlMessage.class);
            String problem = w.ok() ? welcomeCheck.apply(w) : null;
            if (!w.ok() || problem != null) {
                fail(problem == null ? w : ControlMessage.failure(ControlMessage.WELCOME, ExitCode.TRANSFER_FAILED.name(), problem));
                return;
            }
            if (!welcome.complete(w)) {
                return; // timed out already
            }
            ControlMessage m = control.receive(ControlMessage.class);
            outcome.complete(m);
            if (!m.ok()) {
                transport.abort(m.message() == null ? "server reported " + m.exit() : m.message());
            }
        } catch (IOException e) {
            welcome.completeExceptionally(e);
            outcome.completeExceptionally(e);
            transport.abort("control connection to the server lost: " + e.getMessage());
        }
    }

    /**
     * The connection failed before the server answered the request: no channel, or none in time
     * (a refusal, by contrast, is the server's answer; and once the channel is confirmed, or this
     * side aborted, the server may have the job). On a kept connection the server then never saw it.
     */
    private void connectionFailed(FarsyncException e) {
        // only while the job channel is not confirmed: once it is, the server has the request
        if (!welcome.isDone() && channel == null && !ended.get()) {
            connectionLost = true;
        }
        fail(e);
    }

    /** Ends the job with {@code failure} as the server's verdict, unless the server welcomed it first. */
    private void fail(ControlMessage failure) {
        fail(SessionClient.toException(failure));
    }

    /** Ends the job with {@code e} (a refused login or job, silence), unless the server welcomed it first. */
    private void fail(FarsyncException e) {
        if (welcome.completeExceptionally(e)) {
            outcome.complete(ControlMessage.failure(ControlMessage.WELCOME, e.exitCode().name(), e.getMessage()));
            transport.abort(e.getMessage());
        }
    }

    /**
     * Ends the session. After the server reported success its side of the job is over, so the
     * transport closes without waiting a round trip for the acknowledgement of our last message.
     */
    @Override
    public void close() {
        if (!ended.compareAndSet(false, true)) {
            return;   // aborted already, or closed: the connection may be serving another job by now
        }
        ControlMessage m = outcome.getNow(null);
        if (m != null && m.ok()) {
            transport.closeNow();
        } else {
            transport.close();
        }
        udp.close();
        ClientChannel c = channel;
        if (keep != null && m != null && m.ok() && c != null && session.isOpen()) {
            // the job is over on both sides: the connection serves the next job (the agent's); a
            // graceful close sends CHANNEL_CLOSE without waiting for the server's
            c.close(false);
            keep.connections().give(keep.key(), client, session, rtt);
            return;
        }
        try {
            disconnect(session);
        } finally {
            client.stop();
        }
    }

    /**
     * True if this job ran on a kept connection that failed before the server answered the
     * request (it had died quietly): the server never saw the job, which can run again on a new
     * connection. A refusal is an answer: false.
     */
    public boolean keptConnectionFailed() {
        return reused && connectionLost;
    }

    /**
     * Ends the SSH connection without a round trip and waits until sshd has finished with it. A
     * graceful close would wait a round trip for the server's CHANNEL_CLOSE, and stopping the client
     * while the connection was still closing shut sshd's executor down under a queued NIO2 read
     * completion, which printed an "Executor has been shut down" stack at exit (seen on 1M-file
     * runs). SSH_MSG_DISCONNECT tells the server the client is done: its job already reported the
     * outcome, so nothing is lost on its side.
     */
    static void disconnect(CountingClientSession session) {
        CountDownLatch closed = whenClosed(session);
        try {
            session.disconnect(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, "farsync job finished");
        } catch (IOException e) {
            session.close(true);
        }
        await(session, closed);
    }

    /** Counted down once sshd has closed the connection's socket. */
    private static CountDownLatch whenClosed(CountingClientSession session) {
        CountDownLatch closed = new CountDownLatch(1);
        session.getIoSession().addCloseFutureListener(f -> closed.countDown());
        return closed;
    }

    /** Waits (briefly: closing is local work) for {@code closed}, then closes at once if still open. */
    private static void await(CountingClientSession session, CountDownLatch closed) {
        try {
            if (!closed.await(DISCONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                session.close(true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The SSH messages of the connection's set-up in order (see {@link CountingClientSession#messageTrace()}). */
    List<String> sshMessageTrace() {
        return session.messageTrace();
    }

    /** The name of this session's own SSH client, which sshd puts in its threads' names. */
    String sshClientName() {
        return client.toString();
    }

    /** Tears everything down at once after a failure. */
    public void abort(String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        transport.abort(reason);
        udp.close();
        CountDownLatch closed = whenClosed(session);
        ClientChannel c = channel;
        if (c != null) {
            c.close(true);
        }
        session.close(true);
        await(session, closed);
        client.stop();
    }
}
