package io.farsync.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.transport.TransportConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Duration;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import io.farsync.transport.SessionKeys;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.ConnectionService;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SSH face of the daemon against clients that misbehave before authenticating. */
class FarsyncServerTest {
    private static final SessionHandler REFUSE_ALL = (request, user) -> {
        throw new FarsyncException(ExitCode.USAGE, "no jobs here");
    };
    private final KeyPair hostKey = KeyFiles.generate();
    private final KeyPair allowed = KeyFiles.generate();
    private FarsyncServer server;

    private FarsyncServer start(Duration authTimeout, int maxUnauthenticated) {
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> org.apache.sshd.common.config.keys.KeyUtils.compareKeys(allowed.getPublic(), key),
                REFUSE_ALL, TransportConfig.defaults(), authTimeout, maxUnauthenticated));
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void silentConnection_isClosedAfterTheAuthenticationTimeout() throws IOException {
        start(Duration.ofSeconds(1), 64);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(15_000);
            assertThat(readUntilClosed(s.getInputStream())).as("server closed the connection").isTrue();
        }
    }

    @Test
    void connectionsBeyondTheCap_areClosedAtOnce() throws IOException {
        start(Duration.ofSeconds(60), 3);
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                idle.add(s);
                s.setSoTimeout(10_000);
                s.getInputStream().read(); // the server's banner: it accepted this one
            }
            try (Socket extra = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                // well before the 60 s authentication timeout
                extra.setSoTimeout(10_000);
                assertThat(readUntilClosed(extra.getInputStream())).isTrue();
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    @Test
    void passwordLogin_isNotOffered() throws IOException {
        start(Duration.ofSeconds(30), 64);
        SshClient client = plainClient();
        try (ClientSession session = client.connect("root", "127.0.0.1", server.port()).verify(Duration.ofSeconds(10)).getSession()) {
            session.addPasswordIdentity("root");
            assertThatThrownBy(() -> session.auth().verify(Duration.ofSeconds(10))).isInstanceOf(IOException.class);
        } finally {
            client.stop();
        }
    }

    @Test
    void serverThatNeverAnswersTheRequest_failsTheClientWithinItsTimeout_exit9() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> org.apache.sshd.common.config.keys.KeyUtils.compareKeys(allowed.getPublic(), key),
                (request, user) -> {
                    try {
                        never.await(); // a wedged server: the job never opens
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new FarsyncException(ExitCode.INTERNAL, "unreachable");
                }, TransportConfig.defaults(), Duration.ofSeconds(30), 64));
        SessionRequest request = new SessionRequest(SessionRequest.PROTOCOL, SessionRequest.DESTINATION, "/x",
                "0123456789abcdef", null, 1_000_000L, 1472, java.util.Map.of(), "fair", 0, 0, false);
        // 10 s, not less: the same timeout bounds the SSH login before it, slow in a cold JVM on a busy machine
        try {
            assertThatThrownBy(() -> SessionClient.open(new SessionClient.Target("u", "127.0.0.1", server.port()), allowed,
                    HostKeyTrust.exactly(hostKey.getPublic()), null, request, TransportConfig.defaults(), 128, Duration.ofSeconds(10)))
                    .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.TRANSFER_FAILED))
                    .hasMessageContaining("did not answer the session request within 10 s");
        } finally {
            never.countDown();
        }
    }

    @Test
    void jobDyingOfAnError_failsTheClientAtOnce_exit70_insteadOfLeavingItWaiting() {
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> org.apache.sshd.common.config.keys.KeyUtils.compareKeys(allowed.getPublic(), key),
                (request, user) -> {
                    throw new OutOfMemoryError("Java heap space (test)");
                }, TransportConfig.defaults(), Duration.ofSeconds(30), 64));
        SessionRequest request = new SessionRequest(SessionRequest.PROTOCOL, SessionRequest.DESTINATION, "/x",
                "0123456789abcdef", null, 1_000_000L, 1472, java.util.Map.of(), "fair", 0, 0, false);
        // 60 s: before, the client heard nothing and failed only at this timeout, with another message
        assertThatThrownBy(() -> SessionClient.open(new SessionClient.Target("u", "127.0.0.1", server.port()), allowed,
                HostKeyTrust.exactly(hostKey.getPublic()), null, request, TransportConfig.defaults(), 128, Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.INTERNAL))
                .hasMessageContaining("OutOfMemoryError: Java heap space (test)");
    }

    /** sshd's own client, started, trusting any host key: what a plain SSH client does. */
    private static SshClient plainClient() {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        return client;
    }

    /** A session of {@code client} with the server, logged in with the allowed key. */
    private ClientSession loggedIn(SshClient client) throws IOException {
        ClientSession session = client.connect("u", "127.0.0.1", server.port()).verify(Duration.ofSeconds(30)).getSession();
        session.addPublicKeyIdentity(allowed);
        session.auth().verify(Duration.ofSeconds(30));
        return session;
    }

    /** A request as the client sends it, with valid keys. */
    private static SessionRequest validRequest() {
        return new SessionRequest(SessionRequest.PROTOCOL, SessionRequest.DESTINATION, "/x", "0123456789abcdef",
                Base64.getEncoder().encodeToString(SessionKeys.generate(new SecureRandom(), 128).toBytes()), 1_000_000L, 1472,
                java.util.Map.of(), "fair", 0, 0, false);
    }

    @Test
    void jobChannelOpenedBeforeLogin_endsTheConnection_andOpensNoJob() throws IOException {
        AtomicInteger jobsOpened = new AtomicInteger();
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> org.apache.sshd.common.config.keys.KeyUtils.compareKeys(allowed.getPublic(), key),
                (request, user) -> {
                    jobsOpened.incrementAndGet();
                    throw new FarsyncException(ExitCode.USAGE, "no jobs here");
                }, TransportConfig.defaults(), Duration.ofSeconds(30), 64));
        Logger sshd = (Logger) LoggerFactory.getLogger("org.apache.sshd");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        sshd.addAppender(events);
        SshClient client = plainClient();
        try (ClientSession session = client.connect("u", "127.0.0.1", server.port()).verify(Duration.ofSeconds(30)).getSession()) {
            // the key exchange is over, no login was ever sent: a complete, valid job request now
            assertThat(session.waitFor(EnumSet.of(ClientSessionEvent.WAIT_AUTH, ClientSessionEvent.CLOSED), Duration.ofSeconds(30)))
                    .contains(ClientSessionEvent.WAIT_AUTH);
            Buffer open = session.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN);
            open.putString(FarsyncServer.JOB_CHANNEL);
            open.putUInt(0);
            open.putUInt(1 << 20);
            open.putUInt(32 * 1024);
            open.putBytes(ControlChannel.encode(validRequest()));
            session.writePacket(open);
            assertThat(session.waitFor(EnumSet.of(ClientSessionEvent.CLOSED), Duration.ofSeconds(30)))
                    .as("the server ended the connection").contains(ClientSessionEvent.CLOSED);
        } finally {
            client.stop();
            sshd.detachAppender(events);
        }
        // sshd sends no SSH_MSG_DISCONNECT here, it closes the socket: its log says why
        assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("No current authentication mechanism for cmd=SSH_MSG_CHANNEL_OPEN"));
        assertThat(jobsOpened).hasValue(0);
    }

    @Test
    void jobChannelWithoutARequest_isRefused_withTheReasonInTheWelcome() throws IOException {
        start(Duration.ofSeconds(30), 64);
        SshClient client = plainClient();
        try (ClientSession session = loggedIn(client)) {
            JobOpenChannel empty = new JobOpenChannel(new byte[0]);
            session.getService(ConnectionService.class).registerChannel(empty);
            empty.open().verify(Duration.ofSeconds(30));
            ControlChannel control = new ControlChannel(empty.getInvertedOut(), empty.getInvertedIn());
            assertThat(control.receive(ControlMessage.class)).isEqualTo(ControlMessage.failure(ControlMessage.WELCOME,
                    ExitCode.TRANSFER_FAILED.name(), "a farsync-job@farsync.io channel needs a job request of at most 65536 bytes, got 4"));
        } finally {
            client.stop();
        }
    }

    @Test
    void plainSshClient_stillReachesTheJobHandler_overTheSubsystem() throws IOException {
        start(Duration.ofSeconds(30), 64);
        SshClient client = plainClient();
        try (ClientSession session = loggedIn(client)) {
            try (ChannelSubsystem channel = session.createSubsystemChannel(FarsyncServer.SUBSYSTEM)) {
                channel.open().verify(Duration.ofSeconds(30));
                ControlChannel control = new ControlChannel(channel.getInvertedOut(), channel.getInvertedIn());
                control.send(validRequest());
                assertThat(control.receive(ControlMessage.class))
                        .isEqualTo(ControlMessage.failure(ControlMessage.WELCOME, ExitCode.USAGE.name(), "no jobs here"));
            }
        } finally {
            client.stop();
        }
    }

    /** Reads until end of stream; true if the peer closed (EOF or reset), false on our read timeout. */
    private static boolean readUntilClosed(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // the banner, maybe a disconnect message
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
