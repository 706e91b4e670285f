package io.farsync.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ControlChannelTest {
    private static final long SEED = Long.getLong("farsync.test.seed", System.nanoTime());

    @Test
    void send_thenReceive_roundTripsARequest() throws IOException {
        SessionRequest request = new SessionRequest(1, SessionRequest.DESTINATION, "/p", "0123456789abcdef", "a2V5cw==",
                500_000_000L, 1472, Map.of("delete", "true"), "fair", 0, 0, true);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        new ControlChannel(new ByteArrayInputStream(new byte[0]), wire).send(request);

        SessionRequest back = new ControlChannel(new ByteArrayInputStream(wire.toByteArray()), new ByteArrayOutputStream())
                .receive(SessionRequest.class);

        assertThat(back).isEqualTo(request);
    }

    @Test
    void receive_overlongLine_isRefusedWithoutBufferingItAll() {
        byte[] endless = new byte[ControlChannel.MAX_LINE + 10];
        java.util.Arrays.fill(endless, (byte) 'x');
        ControlChannel channel = new ControlChannel(new ByteArrayInputStream(endless), new ByteArrayOutputStream());

        assertThatThrownBy(() -> channel.receive(SessionRequest.class)).isInstanceOf(IOException.class).hasMessageContaining("longer than");
    }

    @Test
    void receive_closedChannel_isEof() {
        ControlChannel channel = new ControlChannel(new ByteArrayInputStream("{\"protocol\":1".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream());

        assertThatThrownBy(() -> channel.receive(SessionRequest.class)).isInstanceOf(EOFException.class);
    }

    /** Mutated and random lines: each is parsed or refused with an IOException, nothing else. */
    @Test
    void receive_fuzzedLines_failOnlyWithIOException() throws IOException {
        System.out.println("seed " + SEED + " (rerun with -Dfarsync.test.seed=" + SEED + ")");
        Random random = new Random(SEED);
        ByteArrayOutputStream good = new ByteArrayOutputStream();
        new ControlChannel(new ByteArrayInputStream(new byte[0]), good).send(new SessionRequest(1, SessionRequest.SOURCE,
                "/data", "0123456789abcdef0123", "AAAA", 1_000_000L, 1472, Map.of("checksum", "true"), "low", 1000, 0, false));
        byte[] template = good.toByteArray();
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] line;
            if (random.nextInt(4) == 0) {
                line = new byte[random.nextInt(300)];
                random.nextBytes(line);
            } else {
                line = template.clone();
                for (int m = 1 + random.nextInt(4); m > 0; m--) {
                    line[random.nextInt(line.length - 1)] = (byte) random.nextInt(256);
                }
            }
            ControlChannel channel = new ControlChannel(new ByteArrayInputStream(line), new ByteArrayOutputStream());
            try {
                channel.receive(SessionRequest.class);
                parsed++;
            } catch (IOException expected) {
                // refused: the only acceptable failure
            }
        }
        System.out.println(parsed + " of 20000 fuzzed lines still parsed");
        assertThat(parsed).isLessThan(20_000);
    }
}
