package io.farsync.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The datagrams the I/O thread has sealed in one round and not sent yet, laid end to end in one
 * reused buffer, and their sending: each run of datagrams to one address, all of one size but
 * the last (which may be shorter), leaves in one UDP GSO call ({@link UdpGso}) instead of one
 * system call per datagram; anything else (a lone datagram, a change of size or address, no GSO
 * here) goes through the JDK one datagram at a time.
 *
 * <p>Why: on loopback, 1472-byte datagrams cost the sending thread 1.70 to 2.63 us of CPU each
 * through {@link DatagramChannel#send} and 0.51 to 1.17 us in GSO runs of 8 to 44
 * (docs/PERFORMANCE.md, "Session 9: UDP GSO"). The datagrams are the same, released by the same
 * pacer in the same round; only the number of system calls changes.
 *
 * <p>Nothing is dropped when the kernel's send buffer is full: {@link #flush} keeps the unsent
 * datagrams, in order, for the next call. A send that fails otherwise (no route, a datagram above
 * the path MTU) loses the datagram as the JDK's send did: loss recovery takes over. A run the
 * kernel refuses leaves one datagram per call, and so do later runs like it ({@link GsoRefusals}).
 *
 * <p>I/O thread only.
 */
final class DatagramBatch {

    private static final Logger log = LoggerFactory.getLogger(DatagramBatch.class);

    /** Bytes held: four full GSO calls, more than one connection's turn ({@code SEND_BATCH}) fills at 1472 bytes. */
    static final int BYTES = 4 * UdpGso.MAX_BYTES + TransportConfig.MAX_DATAGRAM;
    private static final int MAX_DATAGRAMS = 256;

    private final DatagramChannel channel;
    private final byte[] buffer = new byte[BYTES];
    private final ByteBuffer view = ByteBuffer.wrap(buffer);
    private final int[] lengths = new int[MAX_DATAGRAMS];
    private final InetSocketAddress[] destinations = new InetSocketAddress[MAX_DATAGRAMS];
    private final GsoRefusals refusals = new GsoRefusals();
    private UdpGso gso;
    private int count;
    private int used;
    private long gsoSends;
    private long gsoRefused;

    /** @param gso the socket's GSO, or null to send every datagram through the JDK */
    DatagramBatch(DatagramChannel channel, UdpGso gso) {
        this.channel = channel;
        this.gso = gso;
    }

    /** The buffer to seal the next datagram into, at {@link #offset()}. */
    byte[] array() {
        return buffer;
    }

    /** Where the next datagram goes in {@link #array()}. */
    int offset() {
        return used;
    }

    /** Bytes free from {@link #offset()}: at least {@link TransportConfig#MAX_DATAGRAM} while {@link #hasRoom()}. */
    int room() {
        return buffer.length - used;
    }

    /** True while one more datagram of any size fits; otherwise {@link #flush} first. */
    boolean hasRoom() {
        return count < MAX_DATAGRAMS && room() >= TransportConfig.MAX_DATAGRAM;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** True while runs go out through GSO (false here if it was never available or the socket refused it). */
    boolean usesGso() {
        return gso != null;
    }

    /** GSO calls the kernel accepted so far: how a test tells that runs did not fall back. */
    long gsoSends() {
        return gsoSends;
    }

    /** GSO calls the kernel refused so far: how a test tells that a refused run is not offered again. */
    long gsoRefused() {
        return gsoRefused;
    }

    /** Takes the {@code length} bytes just written at {@link #offset()} as the next datagram, to {@code to}. */
    void add(int length, InetSocketAddress to) {
        if (!hasRoom() || length <= 0 || length > room()) {
            throw new IllegalStateException("datagram of " + length + " bytes at " + used + " in a batch of "
                    + count + " (" + BYTES + " bytes)");
        }
        lengths[count] = length;
        destinations[count] = to;
        count++;
        used += length;
    }

    /**
     * Sends the datagrams in order. Returns true once all are out; false when the kernel had no
     * room for the next one, which stays here with those after it for the next call.
     */
    boolean flush() throws IOException {
        int i = 0;
        int offset = 0;
        int singlesUntil = 0;
        while (i < count) {
            int run = i < singlesUntil ? 1 : runLength(i);
            int bytes = bytes(i, run);
            if (run > 1) {
                int errno = gso.send(buffer, offset, bytes, lengths[i], destinations[i]);
                if (UdpGso.bufferFull(errno)) {
                    break;
                }
                if (errno != 0) {
                    refused(errno, i);
                    singlesUntil = i + run;
                    continue;
                }
                gsoSends++;
            } else if (!sendOne(offset, lengths[i], destinations[i])) {
                break;
            }
            i += run;
            offset += bytes;
        }
        keepFrom(i, offset);
        return count == 0;
    }

    /**
     * Datagrams from {@code first} that one GSO call can carry: same address, same size but the
     * last, within the kernel's limits ({@link UdpGso#MAX_SEGMENTS}, {@link UdpGso#MAX_BYTES});
     * 1 where no GSO call may carry them.
     */
    private int runLength(int first) {
        int segment = lengths[first];
        if (gso == null || !gso.canReach(destinations[first]) || refusals.refuses(destinations[first], segment)) {
            return 1;
        }
        int run = 1;
        int bytes = segment;
        while (first + run < count && run < UdpGso.MAX_SEGMENTS) {
            int next = first + run;
            if (lengths[next] > segment || bytes + lengths[next] > UdpGso.MAX_BYTES
                    || !UdpGso.sameDestination(destinations[next], destinations[first])) {
                break;
            }
            run++;
            bytes += lengths[next];
            if (lengths[next] < segment) {
                break;
            }
        }
        return run;
    }

    private int bytes(int first, int run) {
        int bytes = 0;
        for (int k = first; k < first + run; k++) {
            bytes += lengths[k];
        }
        return bytes;
    }

    /** The kernel refused the run from {@code first}: no more such runs (or no more GSO at all). */
    private void refused(int errno, int first) {
        gsoRefused++;
        if (UdpGso.gsoUnsupported(errno)) {
            log.debug("UDP GSO refused on this socket (errno {}), sending one datagram per call from now on", errno);
            gso = null;
        } else {
            log.debug("UDP GSO send of {}-byte segments to {} refused (errno {}): such runs go one datagram per call",
                    lengths[first], destinations[first], errno);
            refusals.refused(destinations[first], lengths[first]);
        }
    }

    /** One datagram through the JDK; false when the kernel had no room for it. */
    private boolean sendOne(int offset, int length, InetSocketAddress to) throws IOException {
        view.limit(offset + length).position(offset);
        try {
            return channel.send(view, to) != 0;
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            // e.g. no route: the datagram counts as lost and loss recovery takes over
            log.debug("UDP send to {} failed: {}", to, e.toString());
            return true;
        }
    }

    /** Drops the datagrams before {@code first} (sent), keeping the rest at the start of the buffer. */
    private void keepFrom(int first, int offset) {
        if (first == 0) {
            return;
        }
        int left = count - first;
        System.arraycopy(buffer, offset, buffer, 0, used - offset);
        System.arraycopy(lengths, first, lengths, 0, left);
        System.arraycopy(destinations, first, destinations, 0, left);
        Arrays.fill(destinations, left, count, null);
        count = left;
        used -= offset;
    }
}
