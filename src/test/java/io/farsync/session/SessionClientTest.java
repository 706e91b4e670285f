package io.farsync.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.farsync.common.ExitCode;
import io.farsync.common.FarsyncException;
import io.farsync.transport.TransportConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The client's side of a session's set-up and end, against the real embedded server: which SSH
 * messages travel in which flight (each flight the client waits for is a round trip), and a close
 * that leaves nothing of sshd behind.
 */
class SessionClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final KeyPair hostKey = KeyFiles.generate();
    private final KeyPair allowed = KeyFiles.generate();
    private final AtomicInteger jobsOpened = new AtomicInteger();
    private FarsyncServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A server that runs an empty job for {@link #allowed}. */
    private void startServer() {
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> KeyUtils.compareKeys(allowed.getPublic(), key),
                (request, user) -> {
                    jobsOpened.incrementAndGet();
                    return new SessionHandler.Job() {
                        @Override
                        public void run(io.farsync.transport.TransportConnection connection) {
                        }

                        @Override
                        public void close() {
                        }
                    };
                }, TransportConfig.defaults(), Duration.ofSeconds(30), 64));
    }

    private static SessionRequest request() {
        return new SessionRequest(SessionRequest.PROTOCOL, SessionRequest.DESTINATION, "/x",
                "0123456789abcdef", null, 1_000_000L, 1472, Map.of(), "fair", 0, 0, false);
    }

    private RemoteSession open(KeyPair identity) {
        return SessionClient.open(new SessionClient.Target("u", "127.0.0.1", server.port()), identity,
                HostKeyTrust.exactly(hostKey.getPublic()), null, request(), TransportConfig.defaults(), 128, TIMEOUT);
    }

    @Test
    void serviceRequest_signedLogin_andJobChannelOpen_goInOneFlight_withoutANoneProbe_orASubsystemRequest() {
        startServer();
        // the JSON codec loaded: a cold one (the first test in a JVM, a loaded machine) can make the
        // request after a loopback key exchange and login are over, and the channel open follows
        // the login's answer (correct, but a round trip later: on a WAN the exchange takes longer)
        ControlChannel.warmUp(request(), ControlMessage.welcome(1));
        RemoteSession session = open(allowed);
        List<String> trace;
        try {
            session.awaitOutcome(TIMEOUT);
            trace = session.sshMessageTrace();
        } finally {
            session.close();
        }
        System.out.println("client's SSH messages: " + trace);
        // one login request, the signed one: no "none" probe and no "may I use this key?" query
        assertThat(trace.stream().filter(m -> m.equals("> SSH_MSG_USERAUTH_REQUEST")).count()).isEqualTo(1);
        // all three were written before the first answer to any of them arrived: one round trip
        // from the key exchange to a confirmed channel (sshd's client took three)
        int firstAnswer = trace.indexOf("< SSH_MSG_SERVICE_ACCEPT");
        assertThat(firstAnswer).isPositive();
        assertThat(trace.indexOf("> SSH_MSG_SERVICE_REQUEST")).isBetween(0, firstAnswer);
        assertThat(trace.indexOf("> SSH_MSG_USERAUTH_REQUEST")).isBetween(0, firstAnswer);
        assertThat(trace.indexOf("> SSH_MSG_CHANNEL_OPEN")).isBetween(0, firstAnswer);
        // the channel open carried the job request: the welcome answers it, with nothing sent in between
        int welcome = trace.indexOf("< SSH_MSG_CHANNEL_DATA");
        assertThat(trace).containsSubsequence("< SSH_MSG_SERVICE_ACCEPT", "< SSH_MSG_USERAUTH_SUCCESS",
                "< SSH_MSG_CHANNEL_OPEN_CONFIRMATION", "< SSH_MSG_CHANNEL_DATA");
        assertThat(trace.subList(0, welcome)).doesNotContain("> SSH_MSG_CHANNEL_REQUEST", "> SSH_MSG_CHANNEL_DATA");
        // the client's flights up to the welcome, each waiting for the answer to the one before:
        // KEXINIT | key exchange | service + login + job channel open; with the TCP connect, 4
        // round trips to the welcome (a subsystem request after the channel's confirmation: 5;
        // sshd's own client: 7)
        assertThat(clientFlights(trace.subList(0, welcome))).isEqualTo(3);
        assertThat(jobsOpened).hasValue(1);
    }

    /**
     * Answers the client waits for: the server's KEXINIT, its key exchange reply (message 31,
     * which sshd's trace names by number) and its answers to the service
     * request, the login and the channel open. Not the server's NEWKEYS (sent right behind its
     * reply) nor what the server sends unasked (EXT_INFO, global requests, window adjusts):
     * where those land among the client's writes is thread timing, not a round trip.
     */
    private static final List<String> WAITED_FOR = List.of("< SSH_MSG_KEXINIT", "< 31",
            "< SSH_MSG_SERVICE_ACCEPT", "< SSH_MSG_USERAUTH_SUCCESS", "< SSH_MSG_CHANNEL_OPEN_CONFIRMATION");

    /**
     * Flights of messages the client sent, each but the first waiting for an answer: runs of sent
     * messages between waited-for answers. The client's KEXINIT is its own first flight wherever
     * it lands: it goes out on connect, racing the server's, and waits for nothing.
     */
    private static int clientFlights(List<String> trace) {
        int flights = trace.contains("> SSH_MSG_KEXINIT") ? 1 : 0;
        boolean sending = false;
        for (String m : trace) {
            if (m.equals("> SSH_MSG_KEXINIT")) {
                continue;
            }
            if (m.startsWith(">") && !sending) {
                flights++;
                sending = true;
            } else if (WAITED_FOR.contains(m)) {
                sending = false;
            }
        }
        return flights;
    }

    @Test
    void withoutWelcome_theTransportCarriesDataBeforeTheServerAnswered() {
        AtomicReference<String> received = new AtomicReference<>();
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> KeyUtils.compareKeys(allowed.getPublic(), key),
                (request, user) -> {
                    // the welcome goes out after this returns: hold it until the client's data is here
                    await().atMost(TIMEOUT).until(() -> server.udpDatagramsDropped() > 0);
                    return new SessionHandler.Job() {
                        @Override
                        public void run(io.farsync.transport.TransportConnection connection) throws IOException {
                            received.set(new String(connection.input().readAllBytes(), StandardCharsets.UTF_8));
                        }

                        @Override
                        public void close() {
                        }
                    };
                }, TransportConfig.defaults(), Duration.ofSeconds(30), 64));
        // held far longer than a loaded machine can take from their arrival to the job's accept
        server.holdEarlyDatagramsFor(Duration.ofMinutes(10));
        RemoteSession session = SessionClient.openWithoutWelcome(new SessionClient.Target("u", "127.0.0.1", server.port()),
                allowed, HostKeyTrust.exactly(hostKey.getPublic()), null, request(), TransportConfig.defaults(), 128, TIMEOUT);
        try {
            try (var out = session.transport().output()) {
                out.write("sent before the welcome".getBytes(StandardCharsets.UTF_8));
            }
            session.awaitOutcome(TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            session.close();
        }
        assertThat(received).hasValue("sent before the welcome");
        assertThat(server.earlyDatagramsDelivered()).as("datagrams held until the keys were accepted").isPositive();
    }

    @Test
    void withoutWelcome_aRefusalStillReachesTheClient_withTheServersCodeAndMessage() {
        server = FarsyncServer.start(new FarsyncServer.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                hostKey, (user, key, session) -> KeyUtils.compareKeys(allowed.getPublic(), key),
                (request, user) -> {
                    throw new FarsyncException(ExitCode.USAGE, "no jobs here");
                }, TransportConfig.defaults(), Duration.ofSeconds(30), 64));
        RemoteSession session = SessionClient.openWithoutWelcome(new SessionClient.Target("u", "127.0.0.1", server.port()),
                allowed, HostKeyTrust.exactly(hostKey.getPublic()), null, request(), TransportConfig.defaults(), 128, TIMEOUT);
        try {
            assertThatThrownBy(() -> session.transport().input().read()).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> session.awaitOutcome(TIMEOUT))
                    .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                    .hasMessage("no jobs here");
        } finally {
            session.abort("test over");
        }
    }

    @Test
    void refusedKey_isReportedAsSuch_andThePipelinedChannelOpensNoJob() {
        startServer();
        KeyPair stranger = KeyFiles.generate();
        assertThatThrownBy(() -> open(stranger))
                .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.AUTH_FAILED))
                .hasMessageContaining("refused our key (" + KeyFiles.fingerprint(stranger.getPublic()) + ")");
        assertThat(jobsOpened).hasValue(0);
        // the server still serves the allowed key afterwards
        RemoteSession session = open(allowed);
        try {
            session.awaitOutcome(TIMEOUT);
        } finally {
            session.close();
        }
        assertThat(jobsOpened).hasValue(1);
    }

    @Test
    void serverWithoutJobChannels_isReportedAsOlder() throws IOException {
        // an SSH server that logs the allowed key in but knows only sshd's own channel types
        SshServer plain = SshServer.setUpDefaultServer();
        plain.setHost("127.0.0.1");
        plain.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        plain.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(allowed.getPublic(), key));
        plain.start();
        try {
            assertThatThrownBy(() -> SessionClient.open(new SessionClient.Target("u", "127.0.0.1", plain.getPort()), allowed,
                    HostKeyTrust.exactly(hostKey.getPublic()), null, request(), TransportConfig.defaults(), 128, TIMEOUT))
                    .isInstanceOfSatisfying(FarsyncException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.TRANSFER_FAILED))
                    .hasMessageStartingWith("server u@127.0.0.1:" + plain.getPort() + " does not accept farsync-job@farsync.io channels")
                    .hasMessageEndingWith("it runs an older farsync than this client");
        } finally {
            plain.stop(true);
        }
    }

    @Test
    void close_endsTheConnectionCleanly_andStopsSshdsThreads() {
        startServer();
        Logger sshd = (Logger) LoggerFactory.getLogger("org.apache.sshd");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        sshd.addAppender(events);
        // only this test's own clients: a client leaked by another test class in the same JVM, or
        // the server's side (a broken pipe once the client has gone is harmless), is not its business
        List<String> clients = new ArrayList<>();
        String testThread = Thread.currentThread().getName();
        try {
            for (int i = 0; i < 5; i++) {
                RemoteSession session = open(allowed);
                clients.add(session.sshClientName());
                // the names are what sshd puts in its threads' names, or the check below proves nothing
                assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().contains(session.sshClientName()));
                session.awaitOutcome(TIMEOUT);
                session.close();
            }
            // the client's I/O threads are gone once close() returned and the JVM could exit
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                    .noneMatch(t -> t.isAlive() && clients.stream().anyMatch(t.getName()::contains)));
        } finally {
            sshd.detachAppender(events);
        }
        assertThat(events.list).as("sshd's warnings and errors of our clients while their sessions closed")
                .filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .filteredOn(e -> e.getThreadName().equals(testThread)
                        || clients.stream().anyMatch(e.getThreadName()::contains))
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();
        assertThat(jobsOpened).hasValue(5);
    }
}
