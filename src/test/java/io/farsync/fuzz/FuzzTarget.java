package io.farsync.fuzz;

import java.util.Random;

/**
 * One decoder under fuzzing. {@link #run} feeds it one generated input and throws
 * {@link Finding} if the decoder did something a hostile input must never make it do (accept an
 * unauthenticated datagram, throw anything but the decoder's documented refusal); any other
 * exception escaping {@code run} is a crash. A target may keep state between cases (a
 * connection that has seen traffic), but must be deterministic given the case's {@link Random}.
 */
public interface FuzzTarget {

    /** A decoder misbehaved on an input. */
    final class Finding extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Finding(String message) {
            super(message);
        }
    }

    String name();

    /** Generates case {@code index} from {@code random} and feeds it to the decoder. */
    void run(long index, Random random);

    /** One line of what the target saw, e.g. how many inputs each outcome had. */
    String summary();
}
