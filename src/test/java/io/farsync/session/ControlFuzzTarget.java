package io.farsync.session;

import io.farsync.fuzz.FuzzTarget;
import io.farsync.fuzz.Mutator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fuzzes the SSH control channel's decoder ({@link ControlChannel#receive}) with what a hostile
 * client or server could send: mutated genuine session requests and answers (bytes replaced,
 * inserted, deleted, lines cut), random bytes, and overlong lines. The only acceptable failure is
 * an {@link IOException}; anything else escaping is a crash.
 */
public final class ControlFuzzTarget implements FuzzTarget {

    private final List<byte[]> templates;
    private final Class<?>[] types = {SessionRequest.class, ControlMessage.class};
    private long parsed;
    private long refused;

    public ControlFuzzTarget() {
        templates = List.of(
                line(new SessionRequest(1, SessionRequest.SOURCE, "/data/a b", "0123456789abcdef0123", "AAAA",
                        1_000_000L, 1472, Map.of("checksum", "true", "delete", "after"), "low", 1000, 150_000, true)),
                line(new SessionRequest(1, SessionRequest.BIDI, "rel/ü", "s", "QUJD", 0, 65000, Map.of(), "fair", 0, 0, false)),
                line(ControlMessage.welcome(40000)),
                line(ControlMessage.failure(ControlMessage.OUTCOME, "PARTIAL", "3 files failed")));
    }

    private static byte[] line(Object message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new ControlChannel(new ByteArrayInputStream(new byte[0]), out).send(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public String name() {
        return "control-message decoder";
    }

    @Override
    public void run(long index, Random r) {
        byte[] input = switch (r.nextInt(100)) {
            case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 -> randomBytes(r, r.nextInt(400));
            case 10 -> randomBytes(r, ControlChannel.MAX_LINE + r.nextInt(100));
            default -> Mutator.mutate(templates.get(r.nextInt(templates.size())), r);
        };
        ControlChannel channel = new ControlChannel(new ByteArrayInputStream(input), new ByteArrayOutputStream());
        try {
            channel.receive(types[r.nextInt(types.length)]);
            parsed++;
        } catch (IOException expected) {
            refused++;
        }
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Override
    public String summary() {
        return parsed + " parsed, " + refused + " refused with IOException";
    }
}
