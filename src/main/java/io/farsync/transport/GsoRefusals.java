package io.farsync.transport;

import java.net.InetSocketAddress;

/**
 * The GSO runs the kernel refused, remembered so that {@link DatagramBatch} does not offer them
 * again: per destination, the smallest segment size refused.
 *
 * <p>Why: such a refusal ({@code EINVAL}, or {@code EMSGSIZE} on kernels with the UDP GSO MTU
 * check) nearly always means segments of that size do not fit the route's MTU, while the same
 * datagrams sent one by one get through in fragments: {@code --datagram-size} above the
 * interface MTU, or a path MTU the kernel learned from a router's ICMP ({@link PathMtu}). It then
 * holds for every later run to that destination with segments as large or larger; offering
 * them again would cost a failed system call per run for the rest of the transfer. A path MTU that
 * grows again later is not noticed: those runs keep leaving one datagram per call, which costs
 * CPU only, as before GSO.
 *
 * <p>A fixed number of destinations (a transport talks to few peers): a new one replaces the
 * oldest, which at worst costs that destination one more refused call. No allocation per look-up.
 * I/O thread only.
 */
final class GsoRefusals {

    static final int CAPACITY = 16;

    private final InetSocketAddress[] destinations = new InetSocketAddress[CAPACITY];
    private final int[] segments = new int[CAPACITY];
    private int size;
    private int oldest;

    /** True if the kernel refused a run to {@code to} with segments of {@code segment} bytes or fewer. */
    boolean refuses(InetSocketAddress to, int segment) {
        int k = indexOf(to);
        return k >= 0 && segment >= segments[k];
    }

    /** Remembers that the kernel refused a run to {@code to} with segments of {@code segment} bytes. */
    void refused(InetSocketAddress to, int segment) {
        int k = indexOf(to);
        if (k >= 0) {
            segments[k] = Math.min(segments[k], segment);
            return;
        }
        if (size < CAPACITY) {
            k = size++;
        } else {
            k = oldest;
            oldest = (oldest + 1) % CAPACITY;
        }
        destinations[k] = to;
        segments[k] = segment;
    }

    private int indexOf(InetSocketAddress to) {
        for (int k = 0; k < size; k++) {
            if (UdpGso.sameDestination(destinations[k], to)) {
                return k;
            }
        }
        return -1;
    }
}
