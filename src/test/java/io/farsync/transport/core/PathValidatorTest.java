package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PathValidator} with two real {@link Connection}s in virtual time: the server challenges
 * addresses, the client answers, and only answered addresses are ever sent ordinary datagrams.
 * Addresses are names; a datagram "from" an address is one the test delivers as coming from it.
 */
class PathValidatorTest {
    private static final long MS = 1_000_000L;
    private static final TransportConfig CONFIG = TransportConfig.defaults()
            .withRate(100_000_000L)
            .withIdleTimeout(Duration.ofSeconds(10));
    private static final String CLIENT = "client:1";
    private static final String REBOUND = "client:2";
    private static final String ATTACKER = "attacker:666";

    private final SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
    private final Connection client = Connection.client(CONFIG, keys, 0);
    private final Connection server = Connection.server(CONFIG, keys, 0);
    private final PathValidator<String> paths = new PathValidator<>(new Random(42));
    private final byte[] buf = new byte[TransportConfig.MAX_DATAGRAM];
    private long now = MS;

    PathValidatorTest() {
        server.onPathResponse(paths::onPathResponse);
    }

    /** Client datagrams polled now, each delivered to the server as from {@code from}. */
    private List<byte[]> clientSends() {
        List<byte[]> out = new ArrayList<>();
        int n;
        while ((n = client.poll(buf, 0, buf.length, now)) > 0) {
            out.add(java.util.Arrays.copyOf(buf, n));
        }
        return out;
    }

    private void deliverToServer(byte[] d, String from) {
        int r = server.receive(d, 0, d.length, now);
        if (r != Connection.DROPPED) {
            paths.onAuthentic(from, d.length, r == Connection.ACCEPTED_NEWEST);
        }
    }

    /** What the server sends now: its due challenge (to its address), then ordinary datagrams to current(). */
    private List<Sent> serverSends() {
        List<Sent> out = new ArrayList<>();
        PathValidator.Challenge<String> c = paths.pollChallenge(now, server.probeTimeoutNanos(),
                Connection.PATH_CHALLENGE_DATAGRAM);
        if (c != null) {
            int n = server.sealPathChallenge(buf, 0, c.data(), now);
            out.add(new Sent(c.address(), java.util.Arrays.copyOf(buf, n)));
        }
        while (paths.sendAllowance() >= CONFIG.datagramSize()) {
            int n = server.poll(buf, 0, buf.length, now);
            if (n == 0) {
                break;
            }
            paths.onSent(paths.current(), n);
            out.add(new Sent(paths.current(), java.util.Arrays.copyOf(buf, n)));
        }
        return out;
    }

    private record Sent(String to, byte[] datagram) {
    }

    /** Delivers to the client what was sent to one of {@code clientAddresses}; the rest is lost. */
    private void deliverToClient(List<Sent> sent, String clientAddress) {
        for (Sent s : sent) {
            if (s.to().equals(clientAddress)) {
                client.receive(s.datagram(), 0, s.datagram().length, now);
            }
        }
    }

    /**
     * Rounds of client-to-server-and-back, the client sending from {@code from}. The client
     * writes a little each round, so it has something to send from there whatever the server's
     * datagrams before (the padded first flight lets the server answer everything at once).
     */
    private void exchange(String from, int rounds) {
        for (int i = 0; i < rounds; i++) {
            now += MS;
            client.write(new byte[10], 0, 10);
            for (byte[] d : clientSends()) {
                deliverToServer(d, from);
            }
            deliverToClient(serverSends(), from);
        }
    }

    @Test
    void firstAddress_isUsedWithinTheAmplificationLimit_untilItAnswersItsChallenge() {
        for (byte[] d : clientSends()) {
            deliverToServer(d, CLIENT);
        }
        assertThat(paths.current()).isEqualTo(CLIENT);
        assertThat(paths.isValidated(CLIENT)).isFalse();

        List<Sent> sent = serverSends();
        assertThat(sent).isNotEmpty().allSatisfy(s -> assertThat(s.to()).isEqualTo(CLIENT));
        deliverToClient(sent, CLIENT);
        exchange(CLIENT, 3);

        assertThat(paths.isValidated(CLIENT)).isTrue();
        assertThat(paths.sendAllowance()).isEqualTo(Long.MAX_VALUE);
        assertThat(paths.migrations()).isZero();
    }

    @Test
    void authenticDatagramFromAForeignAddress_getsOnlyChallenges_andNeverRedirectsTheServer() {
        exchange(CLIENT, 3);
        client.write(new byte[20_000], 0, 20_000);
        List<Sent> toAttacker = new ArrayList<>();
        long raced = 0;
        for (int round = 0; round < 40; round++) {
            now += 50 * MS;
            for (byte[] d : clientSends()) {
                deliverToServer(d, ATTACKER);   // the copy, raced ahead
                raced += d.length;
                deliverToServer(d, CLIENT);     // the original: a duplicate now
            }
            List<Sent> sent = serverSends();
            sent.stream().filter(s -> s.to().equals(ATTACKER)).forEach(toAttacker::add);
            deliverToClient(sent, CLIENT);
        }

        System.out.println(paths);
        assertThat(paths.current()).isEqualTo(CLIENT);
        assertThat(paths.migrations()).isZero();
        assertThat(paths.isValidated(ATTACKER)).isFalse();
        assertThat(toAttacker).isNotEmpty().allSatisfy(s ->
                assertThat(s.datagram()).hasSize(Connection.PATH_CHALLENGE_DATAGRAM));
        assertThat(toAttacker.size() * (long) Connection.PATH_CHALLENGE_DATAGRAM)
                .isLessThanOrEqualTo(PathValidator.AMPLIFICATION_FACTOR * raced);
        assertThat(paths.failedValidations()).as("unanswered challenges give up").isPositive();
        assertThat(server.failure()).isNull();
    }

    @Test
    void natRebinding_isFollowedOnceTheNewAddressAnswers() {
        exchange(CLIENT, 3);
        now += MS;
        client.write(new byte[5000], 0, 5000);
        for (byte[] d : clientSends()) {
            deliverToServer(d, REBOUND);
        }
        assertThat(paths.current()).as("not before validation").isEqualTo(CLIENT);

        exchange(REBOUND, 3);

        assertThat(paths.current()).isEqualTo(REBOUND);
        assertThat(paths.isValidated(REBOUND)).isTrue();
        assertThat(paths.migrations()).isEqualTo(1);
    }

    @Test
    void newestDatagramFromAnEarlierValidatedAddress_movesBackAtOnce() {
        exchange(CLIENT, 3);
        exchange(REBOUND, 3);
        assertThat(paths.current()).isEqualTo(REBOUND);

        now += MS;
        client.write(new byte[100], 0, 100);
        for (byte[] d : clientSends()) {
            deliverToServer(d, CLIENT);
        }

        assertThat(paths.current()).isEqualTo(CLIENT);
        assertThat(paths.migrations()).isEqualTo(2);
    }

    @Test
    void olderDatagramFromANewAddress_startsNoValidation() {
        exchange(CLIENT, 3);
        now += MS;
        client.write(new byte[3000], 0, 3000);
        List<byte[]> d = clientSends();
        assertThat(d).hasSizeGreaterThanOrEqualTo(2);
        long before = paths.datagramsFromUnvalidated();
        deliverToServer(d.get(d.size() - 1), CLIENT);
        deliverToServer(d.get(0), ATTACKER);

        assertThat(paths.pollChallenge(now, MS, Connection.PATH_CHALLENGE_DATAGRAM)).isNull();
        assertThat(paths.datagramsFromUnvalidated() - before).isEqualTo(1);
    }
}
