package io.farsync.transport.sim;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * What the TCP flow models ({@link CubicTcpFlow}, {@link BbrTcpFlow}) share: two sides on the
 * simulated link, segments that carry only a sequence number, a receiver that counts payload
 * and acknowledges every segment by number (as a receiver with SACK lets the sender know
 * exactly what arrived). Subclasses are the senders: they act on each acknowledgement and send
 * in {@link #step}.
 */
abstract class TcpFlowModel implements Simulation.Agent {

    /** Wire bytes of a segment (a 1500-byte MTU) and the payload it carries. */
    public static final int SEGMENT_BYTES = 1500;
    public static final int PAYLOAD_BYTES = 1448;
    private static final int ACK_BYTES = 52;
    /** Segments this far behind an acknowledged one are lost (RFC 9002's packet threshold). */
    static final int REORDERING_THRESHOLD = 3;
    static final long MIN_RTO_NANOS = 200_000_000L;

    /** The sender's side on the link, -1 until added; the receiver's is {@code base + 1}. */
    int base = -1;
    private final ArrayDeque<Long> acksToSend = new ArrayDeque<>();
    private final byte[] segment = new byte[SEGMENT_BYTES];
    private final byte[] ack = new byte[ACK_BYTES];
    private long receivedBytes;

    /** Payload bytes that reached the receiver. */
    public final long receivedBytes() {
        return receivedBytes;
    }

    /** Takes the flow's two sides on {@code sim}'s link. */
    final void attach(Simulation sim) {
        base = sim.addAgent(this);
    }

    @Override
    public final void receive(int side, byte[] datagram, long now) {
        long seq = ByteBuffer.wrap(datagram).getLong();
        if (side == base + 1) {
            receivedBytes += PAYLOAD_BYTES;
            acksToSend.add(seq);
        } else {
            onAck(seq, now);
        }
    }

    /** The sender heard that segment {@code seq} arrived. */
    abstract void onAck(long seq, long now);

    /** The receiver's acknowledgements due now; returns whether it sent any. */
    final boolean sendAcks(SimulatedLink link, long now) {
        boolean sent = false;
        while (!acksToSend.isEmpty()) {
            ByteBuffer.wrap(ack).putLong(acksToSend.poll());
            link.send(base + 1, ack, ACK_BYTES, now);
            sent = true;
        }
        return sent;
    }

    /** Sends segment {@code seq} from the sender. */
    final void sendSegment(SimulatedLink link, long seq, long now) {
        ByteBuffer.wrap(segment).putLong(seq);
        link.send(base, segment, SEGMENT_BYTES, now);
    }
}
