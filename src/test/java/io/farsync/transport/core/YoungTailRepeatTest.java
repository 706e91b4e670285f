package io.farsync.transport.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A young connection repeats the last packet of each burst (see {@link Connection#TAIL_REPEAT_YOUNG_PACKETS}):
 * a session's first answer, lost, is repaired by its repeat one way later, not by the probe timeout
 * three round trips later; on a clean path the repeats stop once the connection has sent enough to
 * know, and none of them counts as retransmitted.
 */
class YoungTailRepeatTest {

    private static final long NOW = 1_000_000_000L;
    private static final long ONE_WAY = 50_000_000L;

    @Test
    void aLostFirstAnswer_isRepairedByItsRepeat_withoutWaitingForTheProbeTimeout() {
        Connection[] pair = pair();
        Connection client = pair[0];
        Connection server = pair[1];
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        client.write(hello, 0, hello.length);
        for (byte[] d : drain(client, NOW)) {
            server.receive(d, 0, d.length, NOW + ONE_WAY);
        }

        long answerAt = NOW + ONE_WAY;
        byte[] lists = "the destination's lists".getBytes(StandardCharsets.UTF_8);
        assertThat(server.write(lists, 0, lists.length)).isEqualTo(lists.length);
        List<byte[]> sent = drain(server, answerAt);
        assertThat(sent).as("the answer and its repeat").hasSizeGreaterThanOrEqualTo(2);
        assertThat(server.probeTimeoutNanos()).as("what a lost answer would wait for without its repeat")
                .isGreaterThan(4 * ONE_WAY);

        // the first datagram (the answer) is lost; the rest arrive one way later
        for (byte[] d : sent.subList(1, sent.size())) {
            client.receive(d, 0, d.length, answerAt + ONE_WAY);
        }
        byte[] got = new byte[64];
        int n = client.read(got, 0, got.length);
        assertThat(n).as("bytes of the answer at the client, one way after it was sent").isEqualTo(lists.length);
        assertThat(Arrays.copyOf(got, n)).isEqualTo(lists);
    }

    @Test
    void onACleanPath_repeatsStopOnceTheConnectionIsOld_andNoneCountsAsRetransmitted() {
        Connection[] pair = pair();
        Connection client = pair[0];
        Connection server = pair[1];
        byte[] message = new byte[100];
        long now = NOW;
        int lastBurst = 0;
        // one small message per round trip, each burst delivered whole and acknowledged
        for (int i = 0; i < Connection.TAIL_REPEAT_YOUNG_PACKETS + 20; i++) {
            client.write(message, 0, message.length);
            List<byte[]> burst = drain(client, now);
            lastBurst = burst.size();
            now += ONE_WAY;
            for (byte[] d : burst) {
                server.receive(d, 0, d.length, now);
            }
            byte[] sink = new byte[4096];
            while (server.read(sink, 0, sink.length) > 0) {
                // consumed
            }
            now += AckTracker.MAX_ACK_DELAY;
            List<byte[]> acks = drain(server, now);
            now += ONE_WAY;
            for (byte[] d : acks) {
                client.receive(d, 0, d.length, now);
            }
            if (i == 0) {
                assertThat(lastBurst).as("a young connection's burst: the message and its repeat").isEqualTo(2);
            }
        }
        assertThat(lastBurst).as("an old connection on a clean path sends the message once").isEqualTo(1);
        assertThat(client.stats().packetsLost()).isZero();
        assertThat(client.stats().retransmittedBytes()).isZero();
    }

    /** A client and a server connection with the same keys, on a path of 100 ms RTT measured in advance. */
    private static Connection[] pair() {
        SessionKeys keys = SessionKeys.generate(new SecureRandom(), 128);
        TransportConfig config = TransportConfig.defaults().withInitialRtt(Duration.ofNanos(2 * ONE_WAY));
        return new Connection[] {Connection.client(config, keys, NOW), Connection.server(config, keys, NOW)};
    }

    /** Every datagram the connection sends at {@code now}. */
    private static List<byte[]> drain(Connection c, long now) {
        List<byte[]> out = new ArrayList<>();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = c.poll(buf, 0, buf.length, now)) > 0; ) {
            out.add(Arrays.copyOf(buf, n));
        }
        return out;
    }
}
