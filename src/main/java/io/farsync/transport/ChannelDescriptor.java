package io.farsync.transport;

import java.lang.reflect.Method;
import java.nio.channels.DatagramChannel;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file descriptor behind a {@link DatagramChannel}, for the socket calls the JDK does not
 * offer (UDP GSO, {@link UdpGso}; kernel receive timestamps, {@link KernelTimestampReader}). The
 * JDK keeps it in {@code sun.nio.ch.DatagramChannelImpl}: read reflectively, which needs
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (bin/farsync and the tests pass it). Empty
 * without it or on another JDK; callers then keep the JDK's calls.
 */
final class ChannelDescriptor {

    private static final Logger log = LoggerFactory.getLogger(ChannelDescriptor.class);
    private static final Method FD_VAL = lookUp();

    private ChannelDescriptor() {
    }

    /** The descriptor of {@code channel}, or empty when it cannot be reached. */
    static OptionalInt of(DatagramChannel channel) {
        if (FD_VAL == null || !FD_VAL.getDeclaringClass().isInstance(channel)) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of((int) FD_VAL.invoke(channel));
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("no descriptor for {}: {}", channel, e.toString());
            return OptionalInt.empty();
        }
    }

    private static Method lookUp() {
        try {
            Method m = Class.forName("sun.nio.ch.DatagramChannelImpl").getDeclaredMethod("getFDVal");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // closed module (no --add-opens) or another JDK
            log.debug("the descriptor of a DatagramChannel is not reachable: {}", e.toString());
            return null;
        }
    }
}
