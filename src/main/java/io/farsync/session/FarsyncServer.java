package io.farsync.session;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.common.ThreadJoin;
import io.farsync.transport.RatePolicy;
import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportConnection;
import io.farsync.transport.UdpTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.subsystem.SubsystemFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoint daemon's network face: an embedded SSH server (public keys only) offering the
 * {@value #SUBSYSTEM} subsystem, and one UDP socket on the same port number carrying every
 * session's transport. Each subsystem channel is one job: request, welcome, transport, outcome.
 * farsync's own client opens a {@value #JOB_CHANNEL} channel instead, which carries the request
 * in its open (a round trip earlier, see {@link JobOpenChannel}) and then runs the same subsystem.
 */
public final class FarsyncServer implements AutoCloseable {
    public static final String SUBSYSTEM = "farsync";
    /** The channel type whose CHANNEL_OPEN carries the job request (a local name, RFC 4250 section 4.6.1). */
    public static final String JOB_CHANNEL = "farsync-job@farsync.io";
    private static final Logger log = LoggerFactory.getLogger(FarsyncServer.class);
    private static final Pattern SESSION_ID = Pattern.compile("[0-9a-f]{16,64}");
    /** A client's RTT claim above this is ignored as absurd (it only sizes the first flight). */
    private static final long MAX_RTT_MICROS = 10_000_000;

    /**
     * @param listen        TCP address for SSH; the UDP socket binds the same address and port
     *                      (port 0: both ephemeral, possibly different numbers)
     * @param hostKey       the server's identity, verified by clients against known_hosts
     * @param authenticator decides which public keys may log in
     * @param handler       runs the jobs
     * @param transport     settings for the transport; the rate and datagram size come from each request
     * @param authTimeout   a connection that has not authenticated by then is dropped
     * @param maxUnauthenticated connections accepted beyond this many that have not authenticated
     *                      yet are closed at once: a flood of idle TCP connections cannot exhaust the server
     */
    public record Settings(
            InetSocketAddress listen,
            KeyPair hostKey,
            PublickeyAuthenticator authenticator,
            SessionHandler handler,
            TransportConfig transport,
            Duration authTimeout,
            int maxUnauthenticated) {

        /** The daemon's defaults: 30 s to authenticate, at most 64 connections doing so at once. */
        public static Settings of(InetSocketAddress listen, KeyPair hostKey, PublickeyAuthenticator authenticator,
                SessionHandler handler, TransportConfig transport) {
            return new Settings(listen, hostKey, authenticator, handler, transport, Duration.ofSeconds(30), 64);
        }
    }

    private final SshServer ssh;
    private final UdpTransport udp;
    private final Settings settings;
    private final AtomicInteger sessionCounter = new AtomicInteger();
    private static final AtomicInteger SERVER_IDS = new AtomicInteger();
    /** Names this server's session threads apart from other servers' in the same JVM (tests run many). */
    private final String sessionThreadPrefix = "farsync-session-" + SERVER_IDS.incrementAndGet() + "-";
    /** Job threads still running; {@link #close()} waits for them. */
    private final ThreadJoin.Workers jobThreads = new ThreadJoin.Workers();
    /** How long {@link #close()} waits for aborted jobs to wind down (remove or keep their temp files). */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(15);
    /** With port 0: tries at an ephemeral port number free for both TCP and UDP. */
    private static final int PORT_ATTEMPTS = 20;

    private FarsyncServer(SshServer ssh, UdpTransport udp, Settings settings) {
        this.ssh = ssh;
        this.udp = udp;
        this.settings = settings;
    }

    /**
     * Binds both sockets and starts serving. The UDP socket always gets the SSH port's number, so a
     * client can start its transport before the welcome names the port (with port 0, both are
     * picked again until one number is free for both).
     */
    public static FarsyncServer start(Settings settings) {
        FarsyncServer[] self = new FarsyncServer[1];
        SshServer ssh = null;
        UdpTransport udp = null;
        for (int attempt = 1; udp == null; attempt++) {
            ssh = startSsh(settings, self);
            try {
                udp = UdpTransport.bind(new InetSocketAddress(settings.listen().getAddress(), ssh.getPort()), settings.transport());
            } catch (IOException e) {
                stopQuietly(ssh);
                if (settings.listen().getPort() != 0 || attempt == PORT_ATTEMPTS) {
                    throw new FarsyncException(settings.listen().getPort() != 0 ? ExitCode.USAGE : ExitCode.INTERNAL,
                            "cannot bind UDP " + settings.listen().getHostString() + ":" + ssh.getPort() + ": " + e.getMessage(), e);
                }
            }
        }
        self[0] = new FarsyncServer(ssh, udp, settings);
        Thread warmUp = new Thread(() -> ControlChannel.warmUp(ControlMessage.welcome(1), new SessionRequest(SessionRequest.PROTOCOL,
                SessionRequest.SOURCE, "/", "0123456789abcdef", "", TransportConfig.MIN_RATE, TransportConfig.MIN_DATAGRAM,
                java.util.Map.of(), RatePolicy.FAIR.label(), 0, 0, false)), "farsync-json-warmup");
        warmUp.setDaemon(true);
        warmUp.start();
        log.info("listening on {} (ssh tcp {}, data udp {})", settings.listen().getHostString(), ssh.getPort(), udp.localPort());
        return self[0];
    }

    private static SshServer startSsh(Settings settings, FarsyncServer[] self) {
        SshServer ssh = SshServer.setUpDefaultServer();
        ssh.setHost(settings.listen().getHostString());
        ssh.setPort(settings.listen().getPort());
        ssh.setKeyPairProvider(KeyPairProvider.wrap(settings.hostKey()));
        ssh.setPublickeyAuthenticator(settings.authenticator());
        ssh.setPasswordAuthenticator(null);
        ssh.setKeyboardInteractiveAuthenticator(null);
        ssh.setGSSAuthenticator(null);
        CoreModuleProperties.AUTH_TIMEOUT.set(ssh, settings.authTimeout());
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(ssh, 6);
        // Nagle held the second message of each handshake flight for a round trip (see SessionClient)
        CoreModuleProperties.TCP_NODELAY.set(ssh, true);
        ssh.addSessionListener(new UnauthenticatedCap(settings.maxUnauthenticated()));
        List<ChannelFactory> channels = new ArrayList<>(ssh.getChannelFactories());
        channels.add(ServerJobChannel.FACTORY);
        ssh.setChannelFactories(channels);
        ssh.setSubsystemFactories(List.of(new SubsystemFactory() {
            @Override
            public String getName() {
                return SUBSYSTEM;
            }

            @Override
            public Command createSubsystem(ChannelSession channel) {
                return self[0].new JobChannel();
            }
        }));
        try {
            ssh.start();
        } catch (BindException e) {
            throw new FarsyncException(ExitCode.USAGE, "cannot listen on " + settings.listen() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new FarsyncException(ExitCode.INTERNAL, "cannot start SSH server on " + settings.listen() + ": " + e.getMessage(), e);
        }
        return ssh;
    }

    /** The TCP port of the SSH server. */
    public int port() {
        return ssh.getPort();
    }

    /** How this server's session threads' names begin: {@code farsync-session-<server>-<n>-<user>}. */
    public String sessionThreadPrefix() {
        return sessionThreadPrefix;
    }

    /** The UDP port of the transport: the same number as {@link #port()}. */
    public int udpPort() {
        return udp.localPort();
    }

    /** Datagrams the UDP socket holds or dropped: ones that came before their session was accepted count until it is. */
    long udpDatagramsDropped() {
        return udp.datagramsDropped();
    }

    /** See {@link UdpTransport#holdEarlyDatagramsFor}. */
    void holdEarlyDatagramsFor(Duration hold) {
        udp.holdEarlyDatagramsFor(hold);
    }

    /** Datagrams that came before their session was accepted and were delivered then. */
    long earlyDatagramsDelivered() {
        return udp.earlyDatagramsDelivered();
    }

    /**
     * Stops accepting, aborts the running jobs (their transports and control channels close) and
     * waits for their threads to finish, so nothing writes into a root after this returns.
     */
    @Override
    public void close() {
        udp.close();
        stopQuietly(ssh);
        jobThreads.awaitAll(CLOSE_GRACE, log);
    }

    private static void stopQuietly(SshServer ssh) {
        try {
            ssh.stop(true);
        } catch (IOException e) {
            log.warn("stopping SSH server: {}", e.toString());
        }
    }

    /** Closes new connections while too many others have not authenticated yet. */
    private static final class UnauthenticatedCap implements SessionListener {
        private final int max;
        private final Set<Session> pending = ConcurrentHashMap.newKeySet();

        UnauthenticatedCap(int max) {
            this.max = max;
        }

        @Override
        public void sessionCreated(Session session) {
            pending.add(session);
            if (pending.size() > max) {
                log.warn("refusing connection from {}: {} connections are already authenticating",
                        session.getRemoteAddress(), max);
                pending.remove(session);
                session.close(true);
            }
        }

        @Override
        public void sessionEvent(Session session, Event event) {
            if (event == Event.Authenticated) {
                pending.remove(session);
            }
        }

        @Override
        public void sessionClosed(Session session) {
            pending.remove(session);
        }
    }

    /** One subsystem channel: runs one job on its own thread. */
    private final class JobChannel implements Command {
        /** The job channel, which was opened with the request; null on a subsystem channel, whose first line it is. */
        private ServerJobChannel openedWith;
        private InputStream in;
        private OutputStream out;
        private ExitCallback exit;
        private String user;
        private String peer;
        /** The client's IP address (its SSH connection's), for the transport's {@code PathHistory}; null if not IP. */
        private java.net.InetAddress peerAddress;
        private volatile TransportConnection connection;

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
        }

        @Override
        public void setExitCallback(ExitCallback callback) {
            this.exit = callback;
        }

        @Override
        public void start(ChannelSession channel, Environment env) {
            user = channel.getSession().getUsername();
            peer = String.valueOf(channel.getSession().getClientAddress());
            peerAddress = channel.getSession().getClientAddress() instanceof java.net.InetSocketAddress a ? a.getAddress() : null;
            openedWith = channel instanceof ServerJobChannel job ? job : null;
            jobThreads.start(sessionThreadPrefix + sessionCounter.incrementAndGet() + "-" + user, this::run);
        }

        @Override
        public void destroy(ChannelSession channel) {
            TransportConnection c = connection;
            if (c != null) {
                c.abort("control channel closed");
            }
        }

        private void run() {
            ControlChannel control = new ControlChannel(in, out);
            String stage = ControlMessage.WELCOME;
            ExitCode code = ExitCode.OK;
            String message = null;
            SessionHandler.Job job = null;
            boolean outcomeSent = false;
            Error fatal = null;
            try {
                SessionRequest request = openedWith != null ? ControlChannel.decode(openedWith.request(), SessionRequest.class)
                        : control.receive(SessionRequest.class);
                log.info("{}@{}: {}", user, peer, request);
                SessionKeys keys = validate(request);
                TransportConfig transport = transportFor(request);
                job = settings.handler().open(request, user, peer);
                connection = udp.accept(keys, transport, peerAddress);
                control.send(ControlMessage.welcome(udp.localPort()));
                stage = ControlMessage.OUTCOME;
                job.run(connection);
                // The job is done and all it sent is in the reliable stream, which the client reads
                // to its end before it looks at the outcome: tell it now rather than after close()
                // has waited a round trip for the last acknowledgement.
                sendOutcome(control, ExitCode.OK, null, stage);
                outcomeSent = true;
                connection.close();
            } catch (FarsyncException e) {
                code = e.exitCode();
                message = e.getMessage();
                log.info("{}@{}: job failed: {}", user, peer, message);
                log.debug("{}@{}: job failed", user, peer, e);
            } catch (Exception e) {
                code = ExitCode.TRANSFER_FAILED;
                message = e.getMessage() == null ? e.toString() : e.getMessage();
                log.warn("{}@{}: job failed", user, peer, e);
            } catch (Error e) {
                // Out of memory in a job: the client (maybe the other endpoint in this very JVM)
                // must hear that the job ended, not wait for a peer that is gone. The job's memory
                // is garbage by now; the error is rethrown once the client knows.
                fatal = e;
                code = ExitCode.INTERNAL;
                message = e.toString();
                log.error("{}@{}: job failed", user, peer, e);
            } finally {
                if (job != null) {
                    job.close();
                }
            }
            if (code != ExitCode.OK && connection != null) {
                connection.abort(message);
            }
            if (!outcomeSent) {
                sendOutcome(control, code, message, stage);
            }
            exit.onExit(code.code(), message == null ? "" : message);
            if (fatal != null) {
                throw fatal;
            }
        }

        private void sendOutcome(ControlChannel control, ExitCode code, String message, String stage) {
            try {
                control.send(code == ExitCode.OK
                        ? new ControlMessage(stage, "OK", null, null)
                        : ControlMessage.failure(stage, code.name(), message));
            } catch (IOException e) {
                log.debug("{}@{}: cannot send outcome: {}", user, peer, e.toString());
            }
        }

        private TransportConfig transportFor(SessionRequest request) {
            try {
                return settings.transport()
                        .withRates(request.minRateBitsPerSecond(), request.rateBitsPerSecond())
                        .withPolicy(request.policy() == null ? RatePolicy.FAIR : RatePolicy.parse(request.policy()))
                        .withDatagramSize(request.datagramSize())
                        .withDatagramSizeProbing(request.probeDatagramSize())
                        .withInitialRtt(Duration.ofNanos(Math.max(0, Math.min(request.rttMicros(), MAX_RTT_MICROS)) * 1000))
                        .withWindowsForRate();
            } catch (IllegalArgumentException e) {
                throw new FarsyncException(ExitCode.USAGE, "transport settings refused by the server: " + e.getMessage(), e);
            }
        }

        private SessionKeys validate(SessionRequest request) {
            if (request.protocol() != SessionRequest.PROTOCOL) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "protocol version " + request.protocol()
                        + " not supported by this server (speaks " + SessionRequest.PROTOCOL + ")");
            }
            if (!SessionRequest.isKnownRole(request.serverRole())) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "unknown role: " + request.serverRole());
            }
            if (request.sessionId() == null || !SESSION_ID.matcher(request.sessionId()).matches()) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "malformed session id");
            }
            if (request.path() == null) {
                throw new FarsyncException(ExitCode.USAGE, "no path given");
            }
            try {
                return SessionKeys.fromBytes(Base64.getDecoder().decode(request.keys()));
            } catch (RuntimeException e) {
                throw new FarsyncException(ExitCode.TRANSFER_FAILED, "malformed session keys", e);
            }
        }
    }
}
