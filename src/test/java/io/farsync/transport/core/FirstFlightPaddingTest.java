package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The client's first datagrams are padded to the datagram size, so that the server's
 * anti-amplification budget for the not yet validated client address covers a full datagram
 * as soon as the first one arrives: the server answers at once instead of a round trip later.
 */
class FirstFlightPaddingTest {

    private static final long NOW = 1_000_000_000L;

    @Test
    void aSmallFirstMessage_isPadded_andLetsTheServerAnswerBeforeValidatingTheAddress() {
        SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
        TransportConfig config = TransportConfig.defaults();
        Connection client = Connection.client(config, keys, NOW);
        Connection server = Connection.server(config, keys, NOW);
        PathValidator<String> paths = new PathValidator<>(new Random(7));
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        assertThat(client.write(hello, 0, hello.length)).isEqualTo(hello.length);

        byte[] datagram = new byte[64 * 1024];
        int first = client.poll(datagram, 0, datagram.length, NOW);
        assertThat(first).as("first datagram padded to the datagram size").isEqualTo(client.datagramSize());
        assertThat(server.receive(datagram, 0, first, NOW)).isEqualTo(Connection.ACCEPTED_NEWEST);
        paths.onAuthentic("client", first, true);
        assertThat(paths.sendAllowance()).as("budget for the server's first answer")
                .isGreaterThanOrEqualTo(server.datagramSize());
        byte[] got = new byte[16];
        assertThat(server.read(got, 0, got.length)).as("padding is not stream data").isEqualTo(hello.length);

        // later datagrams carry only what they hold
        int polled = 0;
        long now = NOW;
        int last = 0;
        while (polled < Connection.PADDED_FIRST_DATAGRAMS + 2) {
            client.write(hello, 0, hello.length);
            now += 50_000_000L;
            int n = client.poll(datagram, 0, datagram.length, now);
            if (n > 0) {
                polled++;
                last = n;
            }
        }
        assertThat(last).as("no padding after the first datagrams").isLessThan(200);
    }
}
