package io.farsync.session;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportConnection;
import io.farsync.transport.UdpTransport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.ArrayList;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientConnectionServiceFactory;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.common.session.SessionHeartbeatController;

/**
 * Opens a job on a farsync server: SSH connect, host key verification, public-key login with the
 * job request (fresh transport keys included) in the same flight as a {@link JobOpenChannel},
 * then the UDP transport to the server's port, started before the login's answer arrives.
 */
public final class SessionClient {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration SSH_HEARTBEAT = Duration.ofSeconds(60);

    private SessionClient() {
    }

    /** Where to connect, as the user wrote it ([user@]host) plus the port. */
    public record Target(String user, String host, int port) {
        @Override
        public String toString() {
            return user + "@" + host + ":" + port;
        }
    }

    /**
     * Opens the session and waits for the server to accept the request: a refusal or silence
     * throws here.
     *
     * @param verifier     host key policy; when it refused a changed key, {@code mismatch} says so
     * @param keyBits      AES key size for the transport, 128 or 256
     */
    public static RemoteSession open(Target target, KeyPair identity, ServerKeyVerifier verifier,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, SessionRequest request, TransportConfig transportConfig,
            int keyBits, Duration timeout) {
        return open(target, identity, verifier, mismatch, request, transportConfig, keyBits, timeout, true, null);
    }

    /**
     * As {@link #open(Target, KeyPair, ServerKeyVerifier, AtomicReference, SessionRequest, TransportConfig, int, Duration)},
     * but returns as soon as the login and the request are sent, a round trip earlier: the caller
     * starts using the transport at once. A refused key, a refused job, or no welcome within
     * {@code timeout}, then aborts the transport, and {@link RemoteSession#awaitOutcome} and
     * {@link RemoteSession#serverError} report it with its exit code and message. A changed host
     * key still throws here: the key exchange ends before anything is sent.
     */
    public static RemoteSession openWithoutWelcome(Target target, KeyPair identity, ServerKeyVerifier verifier,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, SessionRequest request, TransportConfig transportConfig,
            int keyBits, Duration timeout) {
        return open(target, identity, verifier, mismatch, request, transportConfig, keyBits, timeout, false, null);
    }

    /**
     * As {@link #openWithoutWelcome}, on a connection kept from an earlier job when {@code keep} has
     * one (no connect, key exchange or login: the job channel opens at once), and keeping this
     * one for the next job when the job ends well. A job whose kept connection failed before the
     * server answered is {@link RemoteSession#keptConnectionFailed}: the caller may run it again
     * on a new connection ({@link SshConnections.Use#fresh}).
     */
    public static RemoteSession openWithoutWelcome(Target target, KeyPair identity, ServerKeyVerifier verifier,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, SessionRequest request, TransportConfig transportConfig,
            int keyBits, Duration timeout, SshConnections.Use keep) {
        return open(target, identity, verifier, mismatch, request, transportConfig, keyBits, timeout, false, keep);
    }

    private static RemoteSession open(Target target, KeyPair identity, ServerKeyVerifier verifier,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, SessionRequest request, TransportConfig transportConfig,
            int keyBits, Duration timeout, boolean waitForWelcome, SshConnections.Use keep) {
        SshConnections.Held kept = keep == null ? null : keep.connections().take(keep);
        if (kept != null) {
            return onKept(kept, target, request, transportConfig, keyBits, timeout, keep);
        }
        SshClient client = SshClient.setUpDefaultClient();
        client.setSessionFactory(new CountingClientSession.Factory(client));
        client.setServerKeyVerifier(verifier);
        client.setUserAuthFactories(List.of(SignedPublicKeyAuth.factoryFor(identity)));
        // the job request (JSON), made as soon as the TCP connect measured the RTT, in parallel with
        // the key exchange, which takes longer: the channel open that carries it follows the login
        CompletableFuture<byte[]> job = new CompletableFuture<>();
        CompletableFuture<Opening> early = new CompletableFuture<>();
        if (SignedPublicKeyAuth.isEd25519(identity)) {
            client.setServiceFactories(List.of(PipelinedLogin.factory(identity, s -> early.complete(Opening.start(s, job))),
                    ClientConnectionServiceFactory.INSTANCE));
        }
        client.setKeyExchangeFactories(preferredKeyExchanges());
        // Nagle's algorithm held each second message of a flight (the server's KEXINIT behind its
        // version line, NEWKEYS behind the key exchange reply) until the first was acknowledged:
        // one round trip each (measured: three of the 14 round trips before data flowed at 600 ms).
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        Thread warmUp = new Thread(() -> ControlChannel.warmUp(request, ControlMessage.welcome(1)), "farsync-json-warmup");
        warmUp.setDaemon(true);
        warmUp.start();
        // Everything but the request travels over UDP, so the SSH connection is silent: without a
        // heartbeat the server's idle timeout (sshd's default: 10 minutes) would end a long
        // continuous session.
        client.setSessionHeartbeat(SessionHeartbeatController.HeartbeatType.IGNORE, SSH_HEARTBEAT);
        client.start();
        SetupClock clock = new SetupClock();
        CountingClientSession session = null;
        UdpTransport udp = null;
        boolean loginSent = false;
        try {
            session = connect(client, target, timeout, mismatch);
            clock.roundTrip("tcp connect");
            Duration rtt = clock.rtt();
            // the login starts now, while the key exchange runs, so that sshd writes it right behind
            // its service request (PipelinedLogin), and the job channel's open right behind that
            session.addPublicKeyIdentity(identity);
            AuthFuture login = session.auth();
            SessionKeys keys = SessionKeys.generate(RANDOM, keyBits);
            try {
                job.complete(jobRequest(request, keys, rtt));
            } catch (IOException | RuntimeException e) {
                job.completeExceptionally(e);
                throw e;
            }
            clock.phase("session keys and request");
            Opening opening = awaitLoginFlight(session, login, early, job, target, identity, mismatch, timeout);
            loginSent = true;
            clock.phase("ssh key exchange, login and job request sent");
            udp = UdpTransport.bind(new InetSocketAddress(0), transportConfig.withInitialRtt(rtt));
            // The server's UDP port has its SSH port's number (FarsyncServer.start): the transport
            // starts now, with the login's answer and the welcome still on their way, and the
            // server holds what arrives before it accepted the keys (the host key was verified
            // before any of this was sent). The welcome still confirms the port. The TCP peer
            // actually reached names both host and port: sshd's client configuration (a Host
            // entry's HostName/Port) can substitute them for the target's.
            InetSocketAddress peer = (InetSocketAddress) session.getIoSession().getRemoteAddress();
            InetAddress server = peer.getAddress();
            int udpPort = peer.getPort();
            TransportConnection transport = udp.connect(new InetSocketAddress(server, udpPort), keys);
            clock.done();
            RemoteSession remote = new RemoteSession(client, session,
                    () -> jobChannel(login, opening, target, identity, mismatch, timeout, clock), udp, transport,
                    welcomeCheck(target, udpPort), timeout, silence(target, timeout), keep, rtt, false);
            if (waitForWelcome) {
                awaitWelcome(remote, target);
            }
            return remote;
        } catch (FarsyncException e) {
            cleanup(client, session, udp);
            throw e;
        } catch (IOException | RuntimeException e) {
            cleanup(client, session, udp);
            // once the login is on its way the host was reached: what fails after that is the session itself
            throw new FarsyncException(loginSent ? ExitCode.TRANSFER_FAILED : ExitCode.UNREACHABLE,
                    "session with " + target + " failed: " + describe(e), e);
        }
    }

    /** The request as the job channel's open carries it: with the transport's fresh keys and the RTT measured. */
    private static byte[] jobRequest(SessionRequest request, SessionKeys keys, Duration rtt) throws IOException {
        return ControlChannel.encode(request.withKeys(Base64.getEncoder().encodeToString(keys.toBytes())).withRtt(rtt));
    }

    private static java.util.function.Function<ControlMessage, String> welcomeCheck(Target target, int udpPort) {
        return w -> w.udpPort() == null || w.udpPort() != udpPort
                ? "server " + target + " has its UDP port at " + w.udpPort() + ", not at its SSH port " + udpPort : null;
    }

    private static String silence(Target target, Duration timeout) {
        return "server " + target + " did not answer the session request within " + timeout.toSeconds() + " s";
    }

    /**
     * The job on a connection kept from an earlier one: its channel open, carrying the request,
     * goes out at once and the transport starts with it, as after a fresh login's flight.
     */
    private static RemoteSession onKept(SshConnections.Held kept, Target target, SessionRequest request,
            TransportConfig transportConfig, int keyBits, Duration timeout, SshConnections.Use keep) {
        UdpTransport udp = null;
        try {
            SessionKeys keys = SessionKeys.generate(RANDOM, keyBits);
            CompletableFuture<byte[]> job = CompletableFuture.completedFuture(jobRequest(request, keys, kept.rtt()));
            Opening opening = Opening.start(kept.session(), job);
            udp = UdpTransport.bind(new InetSocketAddress(0), transportConfig.withInitialRtt(kept.rtt()));
            InetSocketAddress peer = (InetSocketAddress) kept.session().getIoSession().getRemoteAddress();
            TransportConnection transport = udp.connect(new InetSocketAddress(peer.getAddress(), peer.getPort()), keys);
            return new RemoteSession(kept.client(), kept.session(), () -> {
                try {
                    return opening.await(timeout);
                } catch (IOException e) {
                    throw new FarsyncException(ExitCode.TRANSFER_FAILED, "session with " + target + " failed: " + describe(e), e);
                }
            }, udp, transport, welcomeCheck(target, peer.getPort()), timeout, silence(target, timeout), keep, kept.rtt(), true);
        } catch (IOException | RuntimeException e) {
            if (udp != null) {
                udp.close();
            }
            kept.close();
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "session with " + target + " failed: " + describe(e), e);
        }
    }

    /**
     * Waits until the login flight, with the job channel's open, is on its way: with pipelining
     * ({@link PipelinedLogin}) before the login's answer; for other key types after the login
     * succeeded, when the channel is opened here. A login that ended first (a refused key, a changed
     * host key) throws.
     */
    private static Opening awaitLoginFlight(CountingClientSession session, AuthFuture login,
            CompletableFuture<Opening> early, CompletableFuture<byte[]> job, Target target, KeyPair identity,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, Duration timeout) {
        CompletableFuture<Void> loginOver = new CompletableFuture<>();
        login.addListener(f -> loginOver.complete(null));
        try {
            CompletableFuture.anyOf(early, loginOver).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FarsyncException(ExitCode.UNREACHABLE, "interrupted while logging in to " + target, e);
        } catch (ExecutionException | TimeoutException e) {
            // the login's own wait below reports it
        }
        if (early.isDone()) {
            return early.join();
        }
        verifyLogin(login, target, identity, mismatch, timeout);
        return Opening.start(session, job);
    }

    /** Returns once the login succeeded; throws what the user sees when it did not. */
    private static void verifyLogin(AuthFuture login, Target target, KeyPair identity,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, Duration timeout) {
        try {
            login.verify(timeout);
        } catch (IOException e) {
            java.util.Optional<FarsyncException> hostKey = hostKeyProblem(mismatch, target, e);
            if (hostKey.isPresent()) {
                throw hostKey.get();
            }
            if (!keyRefused(e)) {
                // no answer, or no SSH server (another service on that port): not a matter of keys
                throw new FarsyncException(ExitCode.UNREACHABLE, "no SSH login with " + target + ": " + describe(e)
                        + " (is a farsync server listening on that port?)", e);
            }
            throw new FarsyncException(ExitCode.AUTH_FAILED, "server " + target + " refused our key ("
                    + KeyFiles.fingerprint(identity.getPublic()) + "): add it to the server's authorized keys", e);
        }
    }

    /** True if the server answered the login and accepted none of our methods (sshd's wording). */
    private static boolean keyRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("No more authentication methods available")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The job channel once the login succeeded and the server confirmed the channel (the flight
     * the client sent both in takes one round trip); throws what ends the job otherwise. Runs on
     * the session's control reader, while the transport already carries data.
     */
    private static ClientChannel jobChannel(AuthFuture login, Opening opening, Target target, KeyPair identity,
            AtomicReference<HostKeyTrust.Mismatch> mismatch, Duration timeout, SetupClock clock) {
        verifyLogin(login, target, identity, mismatch, timeout);
        try {
            ClientChannel channel = opening.await(timeout);
            clock.roundTripSince(opening.sentAt(), "login and job channel");
            return channel;
        } catch (IOException e) {
            if (opening.refusedAsUnknownType()) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "server " + target + " does not accept "
                        + FarsyncServer.JOB_CHANNEL + " channels (" + describe(e) + "): it runs an older farsync than this client", e);
            }
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "session with " + target + " failed: " + describe(e), e);
        }
    }

    /**
     * A job channel being opened: its CHANNEL_OPEN is written as soon as both the login request
     * went out (the caller) and the job request is made ({@code job}), by whichever thread comes
     * last, never waiting: sshd's client runs the login's start on its I/O thread, or inline in
     * {@code auth()} on the caller's, which is the thread that makes the request.
     */
    private static final class Opening {
        /** The channel, the open's future and when the CHANNEL_OPEN was written (nanoTime). */
        private record Sent(JobOpenChannel channel, OpenFuture opened, long sentAt) {
        }

        private final CompletableFuture<Sent> sent;

        private Opening(CompletableFuture<Sent> sent) {
            this.sent = sent;
        }

        static Opening start(ClientSession session, CompletableFuture<byte[]> job) {
            return new Opening(job.thenApply(request -> {
                try {
                    JobOpenChannel channel = ((CountingClientSession) session).register(new JobOpenChannel(request));
                    long now = System.nanoTime();
                    return new Sent(channel, channel.open(), now);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }));
        }

        /** Waits for the server's confirmation; throws the open's failure, or the request's. */
        JobOpenChannel await(Duration timeout) throws IOException {
            Sent s;
            try {
                s = sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted opening the job channel", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException("cannot open the job channel: " + e.getCause(), e);
            } catch (TimeoutException e) {
                throw new IOException("job channel not opened within " + timeout.toSeconds() + " s", e);
            }
            s.opened().verify(timeout);
            return s.channel();
        }

        /** When the CHANNEL_OPEN was written (nanoTime); call after {@link #await}. */
        long sentAt() {
            return sent.join().sentAt();
        }

        /** True when the server refused the channel as of an unknown type. */
        boolean refusedAsUnknownType() {
            Sent s = sent.getNow(null);
            return s != null && s.channel().refusedAsUnknownType();
        }
    }

    /** Waits for the server's welcome; on failure tears the session down and throws what the user sees. */
    private static void awaitWelcome(RemoteSession remote, Target target) {
        try {
            remote.welcome().join();
        } catch (CompletionException e) {
            remote.abort("no welcome: " + e.getCause().getMessage());
            if (e.getCause() instanceof FarsyncException f) {
                throw f;
            }
            throw new FarsyncException(ExitCode.TRANSFER_FAILED, "session with " + target + " failed: " + describe(e.getCause()),
                    e.getCause());
        }
    }

    /**
     * ML-KEM-768 hybrid first (post-quantum, and ~0.3 s faster per connection than sshd's default
     * sntrup761 hybrid, whose pure-Java implementation dominated a loopback handshake's profile),
     * then the classic curve25519 exchanges for servers without it.
     */
    private static List<KeyExchangeFactory> preferredKeyExchanges() {
        List<KeyExchangeFactory> kex = new ArrayList<>();
        for (BuiltinDHFactories f : List.of(BuiltinDHFactories.mlkem768x25519, BuiltinDHFactories.curve25519,
                BuiltinDHFactories.curve25519_libssh, BuiltinDHFactories.ecdhp256)) {
            if (f.isSupported()) {
                kex.add(ClientBuilder.DH2KEX.apply(f));
            }
        }
        return kex;
    }

    private static CountingClientSession connect(SshClient client, Target target, Duration timeout,
            AtomicReference<HostKeyTrust.Mismatch> mismatch) {
        try {
            ConnectFuture future = client.connect(target.user(), target.host(), target.port());
            ClientSession session = future.verify(timeout).getSession();
            return (CountingClientSession) session;
        } catch (IOException e) {
            throw hostKeyProblem(mismatch, target, e).orElseGet(() -> new FarsyncException(ExitCode.UNREACHABLE,
                    "cannot reach " + target.host() + ":" + target.port() + ": " + describe(e), e));
        }
    }

    private static java.util.Optional<FarsyncException> hostKeyProblem(AtomicReference<HostKeyTrust.Mismatch> mismatch,
            Target target, Exception cause) {
        HostKeyTrust.Mismatch m = mismatch == null ? null : mismatch.get();
        if (m == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new FarsyncException(ExitCode.HOST_KEY_CHANGED,
                "HOST KEY CHANGED for " + target.host() + ":" + target.port() + ": expected " + m.expectedFingerprint()
                        + ", got " + m.actualFingerprint() + "; someone may be intercepting the connection."
                        + " If the server's key was replaced on purpose, remove its line from " + m.knownHosts(), cause));
    }

    static FarsyncException toException(ControlMessage m) {
        ExitCode code;
        try {
            code = ExitCode.valueOf(m.exit());
        } catch (IllegalArgumentException | NullPointerException e) {
            code = ExitCode.TRANSFER_FAILED;
        }
        return new FarsyncException(code, m.message() == null ? "server reported " + m.exit() : m.message());
    }

    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static void cleanup(SshClient client, ClientSession session, UdpTransport udp) {
        if (udp != null) {
            udp.close();
        }
        if (session != null) {
            session.close(true);
        }
        client.stop();
    }
}
