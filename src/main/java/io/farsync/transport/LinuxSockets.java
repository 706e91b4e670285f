package io.farsync.transport;

import java.util.Locale;

/**
 * What the two JNA socket bindings, {@link UdpGso} and {@link KernelTimestampReader}, share: the
 * Linux socket constants they pass and the one platform check that their hand-laid structures
 * ({@code msghdr}, {@code iovec}, {@code cmsghdr} at LP64 offsets) rely on. The numbers are those
 * of x86-64 and aarch64; other Linux architectures number some differently ({@code SOL_SOCKET}
 * and {@code SO_TIMESTAMPNS} on mips, sparc, parisc, alpha) and 32-bit ones lay the structures
 * out differently, so both bindings stay off there and the JDK's calls are used instead.
 */
final class LinuxSockets {

    static final int SOL_SOCKET = 1;
    static final int MSG_DONTWAIT = 0x40;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    private LinuxSockets() {
    }

    /** Null on x86-64 or aarch64 Linux (a 64-bit JVM); else why the bindings stay off. */
    static String unsupportedReason() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "not x86-64 or aarch64 Linux (" + os + ", " + arch + ")";
        }
        return null;
    }
}
