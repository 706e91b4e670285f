package io.farsync.transport.core;

import io.farsync.transport.SessionKeys;
import io.farsync.transport.TransportConfig;
import io.farsync.transport.TransportStats;
import io.farsync.transport.core.congestion.RateController;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * One transport connection as a sans-IO state machine: datagrams go in through
 * {@link #receive}, come out of {@link #poll}, time is a parameter and {@link #onTimeout} runs
 * the timers that {@link #nextWakeupNanos} announces. It owns no socket, thread or clock, so a
 * test can run two of them over a simulated link in virtual time; the socket driver
 * ({@code UdpTransport}) runs the same code for real. Not thread-safe: the driver serialises
 * calls with one lock per connection.
 *
 * <p>Carries stream 0: one reliable, ordered byte stream per direction.
 *
 * <p>Life cycle: the client speaks first (its credit announcement, repeated on probe timeout
 * until acknowledged), and the server learns the client's address from its first authentic
 * datagram. Addresses are the driver's business: a server's driver uses a {@link PathValidator},
 * for which this class sends PATH_CHALLENGEs ({@link #sealPathChallenge}), answers them, and
 * reports PATH_RESPONSEs ({@link #onPathResponse}). A graceful {@link #close} finishes the stream, waits until everything sent is
 * acknowledged, then sends CLOSE (code 0); {@link #abort} sends CLOSE with the reason at once.
 * CLOSE is sent three times, one probe timeout apart (it is not acknowledged), after which the
 * connection drains briefly and {@link #isTerminated()} becomes true. A connection that hears
 * nothing authentic from its peer for the idle timeout fails without a word; keep-alive PINGs
 * stop that from happening to a healthy, quiet connection.
 *
 * <p>Rate control: a {@link RateController} chosen by the configured policy sees every packet
 * sent, every ACK (with a one-way delay sample from the receive timestamp the ACK carries) and
 * every loss; the connection paces stream data at the controller's rate and keeps the bytes in
 * flight within its window. Probes, ACKs and credit updates are exempt, so neither a tiny
 * window nor a slow pacer can starve the feedback the controller depends on.
 *
 * <p>Flow control starts from {@link #INITIAL_CREDIT}, a protocol constant both sides assume
 * until the first MAX_STREAM_DATA arrives, so a receiver buffers at most
 * {@code max(receiveWindowBytes, INITIAL_CREDIT)} bytes.
 */
public final class Connection {

    /** Stream bytes either side may send before hearing the peer's first credit. */
    public static final int INITIAL_CREDIT = 64 * 1024;
    /** Bytes of IPv4 and UDP header that {@link TransportStats} counts per datagram. */
    public static final int WIRE_OVERHEAD = 28;
    /**
     * The client pads its first datagrams to the full datagram size (as QUIC pads its Initial
     * packets): the server may send an unvalidated address three times what it received from it
     * ({@link PathValidator}), and a small first datagram (the sync's Hello) left the server's
     * budget under one datagram, so its first answer waited a round trip for the path challenge.
     */
    static final int PADDED_FIRST_DATAGRAMS = 2;

    /** {@link #receive} result: the datagram was dropped. */
    public static final int DROPPED = 0;
    /** {@link #receive} result: accepted, but not the newest packet seen. */
    public static final int ACCEPTED = 1;
    /** {@link #receive} result: accepted and the newest yet (its source may be the peer's new address: see {@link PathValidator}). */
    public static final int ACCEPTED_NEWEST = 2;
    /** Bytes of the datagram {@link #sealPathChallenge} writes. */
    public static final int PATH_CHALLENGE_DATAGRAM = PacketCodec.OVERHEAD + Frames.PATH_FRAME_SIZE;

    private static final int STREAM_ID = 0;
    private static final int CLOSE_SENDS = 3;
    private static final int PROBES_ON_PTO = 2;
    /** Tail repeats (see {@link SendStream}) are on while more than 1 in this many ack-eliciting packets was lost. */
    private static final int TAIL_REPEAT_LOSS_DIVISOR = 200;
    /**
     * Tail repeats are also on until this many ack-eliciting packets went out, while the loss rate
     * cannot yet be told from zero at {@link #TAIL_REPEAT_LOSS_DIVISOR}'s resolution: a session's
     * first messages (the sync's hello, the destination's lists, the plan) are each a tail, and on
     * the emulated 100 ms / 1 % link a lost one stalled the start for a probe timeout (three round
     * trips before any RTT sample: the destination's lists arrived 0.31 s after they were sent
     * instead of 0.05 s, in one of three runs of bench/wan-thread-timeline.sh). A tail repeat counts
     * as retransmitted only once some packet was lost: on a clean path it repairs nothing (a probe's
     * data, at a probe timeout or a keep-alive, always counts).
     */
    static final int TAIL_REPEAT_YOUNG_PACKETS = 200;
    /**
     * Stream bytes a connection must have sent for its delivery rate to describe the path
     * ({@link #pathRecord}): a flow of mostly control messages (the receiving side of a sync)
     * measures its own small messages, not the path.
     */
    static final long PATH_EVIDENCE_BYTES = 4L << 20;

    private enum Phase { OPEN, FLUSHING, DRAINING, TERMINATED }

    private final boolean client;
    private final int connectionId;
    private final MtuProber mtu;
    private final long idleTimeoutNanos;
    private final long keepAliveNanos;
    private final PacketCodec codec;
    private final byte[] txPlain;
    private final byte[] rxPlain = new byte[TransportConfig.MAX_DATAGRAM];
    private final FrameReader reader = new FrameReader();

    private final SendStream sendStream;
    private final ReceiveStream receiveStream;
    private final RttEstimator rtt;
    private final LossDetector loss;
    private final AckTracker acks;
    private final Pacer pacer;
    private final RateController rateController;

    private String peerLabel;
    private boolean peerValidated;
    private long peerMaxData = INITIAL_CREDIT;
    private boolean creditPending = true;
    /**
     * The first credit announcement goes out twice: until it arrives the peer may send only
     * {@link #INITIAL_CREDIT}, and a lost one is repaired only by a probe timeout (measured in
     * the 10 %-loss simulation: a one-second stall at the start).
     */
    private boolean firstCreditRepeat = true;
    private int probesPending;
    private long lastReceived;
    /** The time of the acknowledgement or timer event being processed, for the {@link MtuProber}. */
    private long lastEventTime;
    private long peerReceiveTimestampMicros = -1;
    private boolean pathResponsePending;
    private long pathResponseData;
    private LongConsumer pathResponseListener = data -> { };

    private Phase phase = Phase.OPEN;
    private String failure;
    private boolean failedLocally;
    private boolean peerClosed;
    private boolean closedLocally;
    private boolean inputDiscarded;
    /** Ended because the peer fell silent: what it measured may not describe the path any more. */
    private boolean silent;
    private int closeCode;
    private byte[] closeReason;
    private int closeSendsLeft;
    private long nextCloseSend = Long.MAX_VALUE;
    private long drainEnd = Long.MAX_VALUE;

    private long wireBytesSent;
    private long wireBytesReceived;
    private long datagramsSent;
    /** Ack-eliciting packets sent: the loss rate's denominator (a receiver's ack-only datagrams carry nothing to lose). */
    private long ackElicitingSent;
    private long datagramsReceived;
    private long datagramsDropped;
    private long streamBytesSent;
    private long retransmittedBytes;

    private Connection(boolean client, TransportConfig config, SessionKeys keys, long now) {
        this.client = client;
        this.connectionId = keys.connectionId();
        this.mtu = new MtuProber(config.datagramSize(), config.probeDatagramSize(), now);
        int datagramSize = config.datagramSize();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.keepAliveNanos = Math.max(idleTimeoutNanos / 3, 1);
        this.codec = client
                ? new PacketCodec(keys.clientToServerKey(), keys.clientToServerIv(),
                        keys.serverToClientKey(), keys.serverToClientIv())
                : new PacketCodec(keys.serverToClientKey(), keys.serverToClientIv(),
                        keys.clientToServerKey(), keys.clientToServerIv());
        this.txPlain = new byte[datagramSize - PacketCodec.OVERHEAD];
        this.rtt = new RttEstimator(config.initialRtt().toNanos());
        this.sendStream = new SendStream(config.sendBufferBytes());
        this.receiveStream = new ReceiveStream(config.receiveWindowBytes(), INITIAL_CREDIT);
        this.loss = new LossDetector(new LossListener(), rtt, AckTracker.MAX_ACK_DELAY, now);
        this.acks = new AckTracker(now);
        this.rateController = RateController.create(config, datagramSize + WIRE_OVERHEAD, now);
        this.pacer = new Pacer(rateController.pacingRateBitsPerSecond(), datagramSize + WIRE_OVERHEAD, now);
        this.peerValidated = client;
        this.peerLabel = "peer of connection " + Integer.toHexString(connectionId);
        this.lastReceived = now;
    }

    /** The side that speaks first. */
    /**
     * Has AES-GCM compiled ahead of the first connection's data, on a daemon thread, once per
     * JVM ({@link PacketCodec#warmUp}): 64 datagrams of the largest size, 2 MiB each way.
     */
    public static void warmUpCrypto() {
        PacketCodec.warmUp(64, TransportConfig.MAX_DATAGRAM - PacketCodec.OVERHEAD);
    }

    public static Connection client(TransportConfig config, SessionKeys keys, long nowNanos) {
        return new Connection(true, config, keys, nowNanos);
    }

    /** The side that waits for the client's first datagram. */
    public static Connection server(TransportConfig config, SessionKeys keys, long nowNanos) {
        return new Connection(false, config, keys, nowNanos);
    }

    /**
     * The connection id of a datagram that looks like this protocol's, else -1; for
     * demultiplexing before any key is involved.
     */
    public static long connectionIdOf(byte[] buf, int off, int len) {
        return PacketCodec.connectionIdOf(buf, off, len);
    }

    public int connectionId() {
        return connectionId;
    }

    public boolean isClient() {
        return client;
    }

    /** Names the peer in error messages, e.g. its socket address. */
    public void setPeerLabel(String label) {
        this.peerLabel = label;
    }

    // ---------------------------------------------------------------- datagrams in

    public int receive(ByteBuffer datagram, long now) {
        int len = datagram.remaining();
        if (datagram.hasArray()) {
            int r = receive(datagram.array(), datagram.arrayOffset() + datagram.position(), len, now);
            datagram.position(datagram.limit());
            return r;
        }
        byte[] copy = new byte[len];
        datagram.get(copy);
        return receive(copy, 0, len, now);
    }

    /**
     * Takes in one datagram that arrived just now; see {@link #receive(byte[], int, int, long, long)}.
     *
     * @return {@link #DROPPED}, {@link #ACCEPTED} or {@link #ACCEPTED_NEWEST}
     */
    public int receive(byte[] buf, int off, int len, long now) {
        return receive(buf, off, len, now, now);
    }

    /**
     * Takes in one datagram. Anything not authentic, replayed, malformed or arriving after the
     * connection ended is dropped and counted; this never throws for bad input.
     *
     * <p>{@code arrivedAt} is when the datagram reached this host (the kernel's receive
     * timestamp, on the {@code now} scale), {@code now} when it is processed; the difference is
     * time it waited for this host to read it (a descheduled, collecting or compiling JVM). The
     * arrival is what the peer must see: it stamps the ACK's receive timestamp, so the one-way
     * delay the peer's rate controller reads as a queue at the bottleneck holds no host stall,
     * and it ends the RTT sample of an ACK. Timers and everything else go by {@code now}. An
     * arrival after {@code now} counts as {@code now}.
     *
     * @return {@link #DROPPED}, {@link #ACCEPTED} or {@link #ACCEPTED_NEWEST}
     */
    public int receive(byte[] buf, int off, int len, long now, long arrivedAt) {
        arrivedAt = Math.min(arrivedAt, now);
        datagramsReceived++;
        wireBytesReceived += len + WIRE_OVERHEAD;
        if (phase == Phase.TERMINATED
                || PacketCodec.connectionIdOf(buf, off, len) != (connectionId & 0xffff_ffffL)) {
            return drop();
        }
        long pn = PacketCodec.packetNumberOf(buf, off);
        if (pn < 0 || acks.isDuplicate(pn)) {
            return drop();
        }
        int plainLen = codec.open(buf, off, len, rxPlain);
        if (plainLen < 0 || !framesParse(plainLen)) {
            return drop();
        }
        boolean newest = pn > acks.largest();
        lastReceived = now;
        peerValidated = true;
        if (phase == Phase.DRAINING) {
            acks.onReceived(pn, false, arrivedAt, now);
            handleCloseOnly(plainLen, now);
            return newest ? ACCEPTED_NEWEST : ACCEPTED;
        }
        boolean ackEliciting = processFrames(plainLen, arrivedAt, now);
        acks.onReceived(pn, ackEliciting, arrivedAt, now);
        return newest ? ACCEPTED_NEWEST : ACCEPTED;
    }

    private int drop() {
        datagramsDropped++;
        return DROPPED;
    }

    /** First pass over a packet's frames: structure only, nothing takes effect. */
    private boolean framesParse(int plainLen) {
        FrameReader r = reader;
        r.reset(rxPlain, 0, plainLen);
        try {
            while (r.hasRemaining()) {
                int type = r.u8();
                switch (type) {
                    case Frames.PADDING, Frames.PING -> { }
                    case Frames.ACK -> {
                        long largest = r.varint();
                        r.varint();
                        r.varint();
                        long count = r.varint();
                        if (count < 1 || count > r.remaining()) {
                            return false;
                        }
                        long smallest = largest - r.varint();
                        if (smallest < 0) {
                            return false;
                        }
                        for (long i = 1; i < count; i++) {
                            long high = smallest - r.varint() - 2;
                            smallest = high - r.varint();
                            if (high < 0 || smallest < 0) {
                                return false;
                            }
                        }
                    }
                    case Frames.MAX_STREAM_DATA -> {
                        r.varint();
                        r.varint();
                    }
                    case Frames.PATH_CHALLENGE, Frames.PATH_RESPONSE -> r.u64();
                    case Frames.CLOSE -> {
                        r.varint();
                        r.skip(r.length());
                    }
                    case Frames.STREAM, Frames.STREAM_FIN -> {
                        r.varint();
                        long offset = r.varint();
                        int length = r.length();
                        if (offset + length > VarInt.MAX) {
                            return false;
                        }
                        r.skip(length);
                    }
                    default -> {
                        return false;
                    }
                }
            }
            return true;
        } catch (FrameReader.Malformed e) {
            return false;
        }
    }

    /** Second pass: applies the frames (known to parse). Returns whether any was ack-eliciting. */
    private boolean processFrames(int plainLen, long arrivedAt, long now) {
        FrameReader r = reader;
        r.reset(rxPlain, 0, plainLen);
        boolean ackEliciting = false;
        try {
            while (r.hasRemaining() && phase != Phase.DRAINING && phase != Phase.TERMINATED) {
                int type = r.u8();
                switch (type) {
                    case Frames.PADDING -> { }
                    case Frames.PING -> ackEliciting = true;
                    case Frames.ACK -> onAckFrame(r, arrivedAt, now);
                    case Frames.MAX_STREAM_DATA -> {
                        ackEliciting = true;
                        long id = r.varint();
                        long max = r.varint();
                        if (id != STREAM_ID) {
                            protocolViolation("credit for unknown stream " + id, now);
                        } else {
                            peerMaxData = Math.max(peerMaxData, max);
                        }
                    }
                    case Frames.PATH_CHALLENGE -> {
                        ackEliciting = true;
                        pathResponseData = r.u64();
                        pathResponsePending = true;
                    }
                    case Frames.PATH_RESPONSE -> {
                        ackEliciting = true;
                        pathResponseListener.accept(r.u64());
                    }
                    case Frames.CLOSE -> {
                        int code = (int) Math.min(r.varint(), Integer.MAX_VALUE);
                        int n = r.length();
                        onPeerClose(code, new String(rxPlain, r.position(), n, StandardCharsets.UTF_8), now);
                        r.skip(n);
                    }
                    case Frames.STREAM, Frames.STREAM_FIN -> {
                        ackEliciting = true;
                        long id = r.varint();
                        long offset = r.varint();
                        int length = r.length();
                        int dataPos = r.position();
                        r.skip(length);
                        if (id != STREAM_ID) {
                            protocolViolation("data for unknown stream " + id, now);
                        } else {
                            String error = receiveStream.onData(offset, rxPlain, dataPos, length,
                                    type == Frames.STREAM_FIN);
                            if (error != null) {
                                protocolViolation(error, now);
                            } else if (receiveStream.shouldUpdateCredit()) {
                                creditPending = true;
                            }
                        }
                    }
                    default -> throw new IllegalStateException("frame type " + type + " passed validation");
                }
            }
        } catch (FrameReader.Malformed e) {
            throw new IllegalStateException("frames passed validation but failed to parse", e);
        }
        return ackEliciting;
    }

    private void onAckFrame(FrameReader r, long arrivedAt, long now) throws FrameReader.Malformed {
        long largest = r.varint();
        long delayNanos = Math.min(r.varint(), Long.MAX_VALUE / 1000) * 1000;
        peerReceiveTimestampMicros = r.varint();
        long count = r.varint();
        if (largest >= loss.nextPacketNumber()) {
            protocolViolation("ack for packet " + largest + " which was never sent", now);
            return;
        }
        lastEventTime = now;
        loss.beginAck();
        long high = largest;
        long low = high - r.varint();
        loss.ackRange(low, high, largest);
        for (long i = 1; i < count; i++) {
            high = low - r.varint() - 2;
            low = high - r.varint();
            loss.ackRange(low, high, largest);
        }
        long lostBefore = loss.lostBytes();
        loss.endAck(largest, delayNanos, arrivedAt, now);
        mtu.endEvent(now);
        long sentAt = loss.largestNewlyAckedSentTime();
        long oneWayDelay = sentAt < 0 ? RateController.NO_SAMPLE : peerReceiveTimestampMicros * 1000 - sentAt;
        if (loss.lostBytes() > lostBefore) {
            rateController.onLoss(now, loss.lostBytes() - lostBefore);
        }
        rateController.onAck(now, loss.newlyAckedBytes(), loss.bytesInFlight(), rtt.hasSample() ? rtt.min() : 0,
                rtt.smoothed(), oneWayDelay);
        pacer.setRate(rateController.pacingRateBitsPerSecond());
        if (phase == Phase.FLUSHING && sendStream.allAcked()) {
            startClosing(Frames.CLOSE_GRACEFUL, "", now);
        }
    }

    private void handleCloseOnly(int plainLen, long now) {
        FrameReader r = reader;
        r.reset(rxPlain, 0, plainLen);
        try {
            while (r.hasRemaining()) {
                int type = r.u8();
                switch (type) {
                    case Frames.ACK -> {
                        r.varint();
                        r.varint();
                        r.varint();
                        long count = r.varint();
                        r.varint();
                        for (long i = 1; i < count; i++) {
                            r.varint();
                            r.varint();
                        }
                    }
                    case Frames.MAX_STREAM_DATA -> {
                        r.varint();
                        r.varint();
                    }
                    case Frames.PATH_CHALLENGE, Frames.PATH_RESPONSE -> r.u64();
                    case Frames.CLOSE -> {
                        // both sides closing: nothing more to say to each other
                        closeSendsLeft = 0;
                        drainEnd = Math.min(drainEnd, now + 3 * rtt.pto(AckTracker.MAX_ACK_DELAY));
                        return;
                    }
                    case Frames.STREAM, Frames.STREAM_FIN -> {
                        r.varint();
                        r.varint();
                        r.skip(r.length());
                    }
                    default -> { }
                }
            }
        } catch (FrameReader.Malformed e) {
            throw new IllegalStateException("frames passed validation but failed to parse", e);
        }
        // the peer has not heard our CLOSE yet: say it again
        if (closeReason != null && closeSendsLeft == 0) {
            closeSendsLeft = 1;
            nextCloseSend = now;
        }
    }

    private void onPeerClose(int code, String reason, long now) {
        if (code == Frames.CLOSE_GRACEFUL) {
            peerClosed = true;
            if (!receiveStream.isComplete()) {
                fail("connection closed by " + peerLabel + " before the end of its stream", false);
            }
        } else if (code == Frames.CLOSE_PROTOCOL_VIOLATION) {
            fail(peerLabel + " reports a protocol violation: " + reason, false);
        } else {
            fail("connection aborted by " + peerLabel + ": " + reason, false);
        }
        phase = Phase.DRAINING;
        closeSendsLeft = 0;
        drainEnd = now + 3 * rtt.pto(AckTracker.MAX_ACK_DELAY);
    }

    private void protocolViolation(String what, long now) {
        fail("protocol violation by " + peerLabel + ": " + what, true);
        startClosing(Frames.CLOSE_PROTOCOL_VIOLATION, what, now);
    }

    private void fail(String reason, boolean local) {
        if (failure == null) {
            failure = reason;
            failedLocally = local;
        }
    }

    private void startClosing(int code, String reason, long now) {
        phase = Phase.DRAINING;
        closeCode = code;
        closeReason = Frames.reasonBytes(reason);
        if (peerValidated) {
            closeSendsLeft = CLOSE_SENDS;
            nextCloseSend = now;
        } else {
            phase = Phase.TERMINATED;
        }
    }

    // ---------------------------------------------------------------- datagrams out

    public int poll(ByteBuffer out, long now) {
        if (out.hasArray()) {
            int n = poll(out.array(), out.arrayOffset() + out.position(), out.remaining(), now);
            out.limit(out.position() + n);
            return n;
        }
        byte[] tmp = new byte[Math.min(out.remaining(), mtu.ceiling())];
        int n = poll(tmp, 0, tmp.length, now);
        out.put(tmp, 0, n);
        out.flip();
        return n;
    }

    /**
     * Writes the next datagram to send into {@code out[off, off + capacity)} and returns its
     * length, or 0 when nothing may be sent now (nothing to send, or pacing says wait).
     * {@code capacity} must hold the configured datagram size (the largest a probe may try).
     */
    public int poll(byte[] out, int off, int capacity, long now) {
        if (capacity < mtu.ceiling()) {
            throw new IllegalArgumentException("buffer (" + capacity + " bytes) is smaller than the datagram size "
                    + mtu.ceiling());
        }
        if (!peerValidated || phase == Phase.TERMINATED) {
            return 0;
        }
        if (phase == Phase.DRAINING) {
            return pollClose(out, off, now);
        }
        if (phase == Phase.OPEN && mtu.worthProbing(sendStream.written())) {
            int probe = mtu.probeDue(now);
            if (probe > 0) {
                return sealMtuProbe(probe, out, off, now);
            }
        }
        int datagramSize = probesPending > 0 ? mtu.repairSize() : mtu.current();
        int wireSize = datagramSize + WIRE_OVERHEAD;
        boolean streamReady = sendStream.hasSendable(peerMaxData)
                && (probesPending > 0 || (windowOpen(wireSize) && pacer.canSend(wireSize, now)));
        boolean ackDue = acks.ackDeadline() <= now;
        boolean creditDue = creditPending && !receiveStream.isComplete();
        if (!streamReady && !ackDue && !creditDue && probesPending == 0 && !pathResponsePending) {
            return 0;
        }
        byte[] p = txPlain;
        // probe-timeout repairs go at the base size: if the path stopped carrying full-size
        // datagrams, their acknowledgement is what reveals the black hole (see MtuProber)
        int space = datagramSize - PacketCodec.OVERHEAD;
        int pos = 0;
        int flags = 0;
        if (acks.ackPending()) {
            // piggybacked on data an ACK gets a quarter of the packet; a due one gets what it needs
            pos = acks.writeAck(p, pos, streamReady && !ackDue ? Math.min(space / 4, 256) : space, now);
        }
        if (creditDue) {
            long credit = receiveStream.advertiseCredit();
            if (Frames.maxStreamDataSize(STREAM_ID, credit) <= space - pos) {
                pos = Frames.writeMaxStreamData(p, pos, STREAM_ID, credit);
                flags |= LossDetector.FLAG_ACK_ELICITING | LossDetector.FLAG_MAX_DATA;
                creditPending = firstCreditRepeat;
                firstCreditRepeat = false;
            }
        }
        if (pathResponsePending && space - pos >= Frames.PATH_FRAME_SIZE) {
            // not retransmitted when lost: the peer's next challenge asks again (RFC 9000 section 8.2.2)
            pos = Frames.writePathFrame(p, pos, Frames.PATH_RESPONSE, pathResponseData);
            flags |= LossDetector.FLAG_ACK_ELICITING;
            pathResponsePending = false;
        }
        long streamOffset = 0;
        int streamLength = 0;
        if (streamReady) {
            int room = space - pos;
            int headerMax = Frames.streamHeaderSize(STREAM_ID, VarInt.MAX, room);
            boolean lossy = loss.packetsLost() * TAIL_REPEAT_LOSS_DIVISOR > ackElicitingSent;
            sendStream.repeatTails(lossy || ackElicitingSent < TAIL_REPEAT_YOUNG_PACKETS);
            if (room > headerMax && sendStream.next(peerMaxData, room - headerMax)) {
                streamOffset = sendStream.nextOffset();
                streamLength = sendStream.nextLength();
                boolean fin = sendStream.nextFin();
                pos = Frames.writeStreamHeader(p, pos, STREAM_ID, streamOffset, streamLength,
                        VarInt.size(room), fin);
                sendStream.copy(streamOffset, p, pos, streamLength);
                pos += streamLength;
                sendStream.onSent();
                if (sendStream.nextRetransmit()) {
                    if (!sendStream.nextRepeat() || loss.packetsLost() > 0 || probesPending > 0) {
                        retransmittedBytes += streamLength;
                    }
                } else {
                    streamBytesSent += streamLength;
                }
                flags |= LossDetector.FLAG_ACK_ELICITING | LossDetector.FLAG_STREAM
                        | (fin ? LossDetector.FLAG_FIN : 0);
            }
        }
        if (probesPending > 0 && (flags & LossDetector.FLAG_ACK_ELICITING) == 0 && pos < space) {
            p[pos++] = Frames.PING;
            flags |= LossDetector.FLAG_ACK_ELICITING;
        }
        if (pos == 0) {
            return 0;
        }
        if (client && datagramsSent < PADDED_FIRST_DATAGRAMS && pos < space) {
            java.util.Arrays.fill(p, pos, space, (byte) Frames.PADDING);
            pos = space;
        }
        if (mtu.isLarge(pos + PacketCodec.OVERHEAD)) {
            flags |= LossDetector.FLAG_LARGE;
        }
        if ((flags & LossDetector.FLAG_ACK_ELICITING) != 0 && probesPending > 0) {
            probesPending--;
        }
        int wireBytes = pos + PacketCodec.OVERHEAD + WIRE_OVERHEAD;
        boolean inFlight = (flags & LossDetector.FLAG_ACK_ELICITING) != 0;
        if (inFlight) {
            ackElicitingSent++;
        }
        long pn = loss.onPacketSent(now, flags, streamOffset, streamLength, inFlight ? wireBytes : 0);
        int n = codec.seal(connectionId, pn, p, pos, out, off);
        if ((flags & LossDetector.FLAG_STREAM) != 0) {
            pacer.onSend(wireBytes, now);
        }
        if (inFlight) {
            rateController.onPacketSent(now, wireBytes, loss.bytesInFlight());
        }
        countSent(n);
        return n;
    }

    /**
     * Writes a PING padded to {@code size} bytes. It counts nothing in flight and is not paced:
     * probes are rare (one burst of at most a dozen per search, see {@link MtuProber}), and their
     * loss must not look like congestion.
     */
    private int sealMtuProbe(int size, byte[] out, int off, long now) {
        int len = size - PacketCodec.OVERHEAD;
        txPlain[0] = Frames.PING;
        java.util.Arrays.fill(txPlain, 1, len, (byte) Frames.PADDING);
        // the probe's size travels in the stream-length slot, which a probe does not use
        long pn = loss.onPacketSent(now, LossDetector.FLAG_ACK_ELICITING | LossDetector.FLAG_MTU_PROBE, 0, size, 0);
        int n = codec.seal(connectionId, pn, txPlain, len, out, off);
        mtu.onProbeSent();
        countSent(n);
        return n;
    }

    /** The datagram size in use now: the configured one, or the largest the path MTU probing confirmed. */
    public int datagramSize() {
        return mtu.current();
    }

    /** Black holes the path MTU probing detected (for tests). */
    long mtuBlackHoles() {
        return mtu.blackHoles();
    }

    /** Whether the rate controller's window has room for another datagram of {@code wireSize}. */
    private boolean windowOpen(int wireSize) {
        return loss.bytesInFlight() + wireSize <= rateController.windowBytes();
    }

    private int pollClose(byte[] out, int off, long now) {
        if (closeSendsLeft == 0 || now < nextCloseSend) {
            return 0;
        }
        int pos = Frames.writeClose(txPlain, 0, closeCode, closeReason);
        long pn = loss.onPacketSent(now, 0, 0, 0);
        int n = codec.seal(connectionId, pn, txPlain, pos, out, off);
        closeSendsLeft--;
        long pto = rtt.pto(AckTracker.MAX_ACK_DELAY);
        nextCloseSend = closeSendsLeft > 0 ? now + pto : Long.MAX_VALUE;
        drainEnd = now + 3 * pto;
        countSent(n);
        return n;
    }

    /**
     * Writes a datagram carrying only a PATH_CHALLENGE with {@code data} ({@link
     * #PATH_CHALLENGE_DATAGRAM} bytes) for the driver to send to the address under validation.
     * It takes a packet number but counts nothing in flight: a lost challenge is the
     * {@link PathValidator}'s to repeat. Returns 0 once the connection is closed.
     */
    public int sealPathChallenge(byte[] out, int off, long data, long now) {
        if (isClosed()) {
            return 0;
        }
        int pos = Frames.writePathFrame(txPlain, 0, Frames.PATH_CHALLENGE, data);
        long pn = loss.onPacketSent(now, 0, 0, 0);
        int n = codec.seal(connectionId, pn, txPlain, pos, out, off);
        countSent(n);
        return n;
    }

    /** Receives the data of every PATH_RESPONSE that arrives, for the {@link PathValidator}. */
    public void onPathResponse(LongConsumer listener) {
        this.pathResponseListener = Objects.requireNonNull(listener, "listener");
    }

    /** How long to wait for an answer before asking again: the probe timeout. */
    public long probeTimeoutNanos() {
        return rtt.pto(AckTracker.MAX_ACK_DELAY);
    }

    /** When the connection fails for silence unless an authentic datagram arrives first. */
    public long idleDeadlineNanos() {
        return lastReceived + idleTimeoutNanos;
    }

    private void countSent(int n) {
        datagramsSent++;
        wireBytesSent += n + WIRE_OVERHEAD;
    }

    // ---------------------------------------------------------------- timers

    /**
     * When {@link #poll} or {@link #onTimeout} next has something to do (possibly in the past,
     * meaning now); Long.MAX_VALUE if nothing is scheduled.
     */
    public long nextWakeupNanos() {
        switch (phase) {
            case TERMINATED:
                return Long.MAX_VALUE;
            case DRAINING:
                return Math.min(closeSendsLeft > 0 ? nextCloseSend : Long.MAX_VALUE, drainEnd);
            default:
                break;
        }
        long t = lastReceived + idleTimeoutNanos;
        if (!peerValidated) {
            return t;
        }
        if (probesPending > 0 || pathResponsePending || (creditPending && !receiveStream.isComplete())) {
            return Long.MIN_VALUE;
        }
        t = Math.min(t, acks.ackDeadline());
        // with the window full, the next ACK (a datagram in) is what opens it, not a timer
        int wireSize = mtu.current() + WIRE_OVERHEAD;
        if (sendStream.hasSendable(peerMaxData) && windowOpen(wireSize)) {
            t = Math.min(t, pacer.nextSendTime(wireSize));
        }
        if (phase == Phase.OPEN && mtu.worthProbing(sendStream.written())) {
            t = Math.min(t, mtu.nextProbeTime());
        }
        t = Math.min(t, loss.timerDeadline());
        return Math.min(t, keepAliveDeadline());
    }

    private long keepAliveDeadline() {
        if (loss.ackElicitingInFlight() > 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(lastReceived, loss.lastAckElicitingSent()) + keepAliveNanos;
    }

    /** Runs whatever timers are due at {@code now}: idle timeout, loss and probe timers, keep-alive, draining. */
    public void onTimeout(long now) {
        if (phase == Phase.TERMINATED) {
            return;
        }
        if (phase == Phase.DRAINING) {
            if (closeSendsLeft == 0 && now >= drainEnd) {
                phase = Phase.TERMINATED;
            }
            return;
        }
        if (now - lastReceived >= idleTimeoutNanos) {
            fail("no datagram from " + peerLabel + " for " + format(Duration.ofNanos(idleTimeoutNanos)), true);
            silent = true;
            phase = Phase.TERMINATED;
            return;
        }
        if (!peerValidated) {
            return;
        }
        long lostBefore = loss.lostBytes();
        lastEventTime = now;
        boolean pto = loss.onTimeout(now);
        mtu.endEvent(now);
        if (pto) {
            probesPending = PROBES_ON_PTO;
            // probes carry the oldest unacknowledged data: what a silent peer most likely misses
            sendStream.repeatOldestUnacked(PROBES_ON_PTO * txPlain.length);
        }
        if (loss.lostBytes() > lostBefore) {
            rateController.onLoss(now, loss.lostBytes() - lostBefore);
        }
        if (probesPending == 0 && now >= keepAliveDeadline()) {
            probesPending = 1;
        }
    }

    private static String format(Duration d) {
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + " s";
        }
        return d.toMillis() + " ms";
    }

    // ---------------------------------------------------------------- stream API

    /**
     * Buffers up to {@code len} bytes for sending; returns how many fit in the send buffer (0
     * when it is full). Fails with IllegalStateException after {@link #finish} or once the
     * connection cannot send (check {@link #writeFailure()} first).
     */
    public int write(byte[] b, int off, int len) {
        String f = writeFailure();
        if (f != null) {
            throw new IllegalStateException(f);
        }
        return sendStream.write(b, off, len);
    }

    /** Ends the outgoing stream after the bytes written so far; idempotent. */
    public void finish() {
        sendStream.finish();
    }

    public boolean isFinished() {
        return sendStream.isFinished();
    }

    /** Room in the send buffer now. */
    public int writableBytes() {
        return sendStream.writableBytes();
    }

    /**
     * Whether the bytes written wait for the peer to read (its flow-control credit is used up):
     * room in the send buffer then comes only as the peer's application reads.
     */
    public boolean sendBlockedByPeer() {
        return sendStream.blockedByCredit(peerMaxData);
    }

    /** Why writing is impossible (connection failed or closed, stream finished), or null. */
    public String writeFailure() {
        if (failure != null) {
            return failure;
        }
        if (closedLocally) {
            return "connection closed";
        }
        if (peerClosed) {
            return "connection closed by " + peerLabel;
        }
        if (sendStream.isFinished()) {
            return "output already closed";
        }
        return null;
    }

    /**
     * Copies up to {@code len} bytes of the peer's stream; returns the count, 0 when none is
     * available yet, -1 at the end of the stream.
     */
    public int read(byte[] b, int off, int len) {
        int n = receiveStream.read(b, off, len);
        if (n > 0 && receiveStream.shouldUpdateCredit()) {
            creditPending = true;
        }
        return n;
    }

    /** Bytes readable without waiting. */
    public int available() {
        return receiveStream.available();
    }

    /** Whether {@link #read} would return something now: bytes, the end of the stream, or {@link #readFailure}. */
    public boolean readable() {
        return receiveStream.available() > 0 || receiveStream.isEof() || readFailure() != null;
    }

    /**
     * Why reading is impossible, or null. A stream the peer completed stays readable after the
     * connection ends, unless it ended by a local close or abort.
     */
    public String readFailure() {
        if (closedLocally) {
            return "connection closed";
        }
        if (inputDiscarded) {
            return "input closed";
        }
        if (failure != null && (failedLocally || !receiveStream.isComplete())) {
            return failure;
        }
        return null;
    }

    /** Drops unread and future incoming data; the peer keeps getting credit. */
    public void discardInput() {
        inputDiscarded = true;
        receiveStream.discard();
        if (receiveStream.shouldUpdateCredit()) {
            creditPending = true;
        }
    }

    /**
     * Starts a graceful close: finishes the outgoing stream; once all of it is acknowledged,
     * CLOSE goes to the peer and {@link #isClosed()} turns true. Idempotent.
     */
    public void close(long now) {
        if (phase != Phase.OPEN) {
            return;
        }
        closedLocally = true;
        sendStream.finish();
        discardInput();
        phase = Phase.FLUSHING;
        // a server that never heard its client has nobody to flush to
        if (sendStream.allAcked() || !peerValidated) {
            startClosing(Frames.CLOSE_GRACEFUL, "", now);
        }
    }

    /**
     * Closes gracefully at once: CLOSE (code 0) goes out without waiting for the peer to
     * acknowledge what is still in flight, which is lost. For an application that knows the peer
     * needs nothing more (it reported the job done): a {@link #close} would wait a round trip
     * for the acknowledgement of a last message the peer already acted on. Idempotent.
     */
    public void closeNow(long now) {
        if (phase != Phase.OPEN && phase != Phase.FLUSHING) {
            return;
        }
        closedLocally = true;
        sendStream.finish();
        discardInput();
        startClosing(Frames.CLOSE_GRACEFUL, "", now);
    }

    /** Fails the connection at once and tells the peer {@code reason}. Idempotent. */
    public void abort(String reason, long now) {
        if (phase == Phase.DRAINING || phase == Phase.TERMINATED) {
            return;
        }
        fail("connection aborted: " + reason, true);
        startClosing(Frames.CLOSE_ABORT, reason, now);
    }

    /** Closing finished or the connection ended otherwise: CLOSE was sent or received, or it failed. */
    public boolean isClosed() {
        return phase == Phase.DRAINING || phase == Phase.TERMINATED;
    }

    /** Nothing more to send or receive: the driver may forget this connection. */
    public boolean isTerminated() {
        return phase == Phase.TERMINATED;
    }

    /** The reason the connection failed, or null. */
    public String failure() {
        return failure;
    }

    /** Whether the peer's address is known (always for a client; for a server once it heard the client). */
    public boolean isPeerValidated() {
        return peerValidated;
    }

    /** The receive time the peer reported in its latest ACK (microseconds on its clock), -1 before any. */
    public long peerReceiveTimestampMicros() {
        return peerReceiveTimestampMicros;
    }

    /**
     * Overrides the pacing rate until the rate controller next sets it (at the next ACK); the
     * controller, chosen by {@link TransportConfig#policy()}, is the normal way to set the rate.
     */
    public void setRate(long bitsPerSecond) {
        pacer.setRate(bitsPerSecond);
    }

    public TransportStats stats() {
        long srtt = rtt.hasSample() ? rtt.smoothed() : 0;
        long window = rateController.windowBytes();
        long rate = pacer.rateBitsPerSecond();
        if (window != Long.MAX_VALUE && srtt > 0) {
            // window-bound, the connection sends at most a window per round trip
            rate = Math.min(rate, (long) (window * 8e9 / srtt));
        }
        return new TransportStats(wireBytesSent, wireBytesReceived, datagramsSent, datagramsReceived,
                datagramsDropped, streamBytesSent, retransmittedBytes, loss.packetsLost(),
                srtt, rtt.hasSample() ? rtt.min() : 0, rate,
                rateController.queueingDelayNanos(), loss.lostBytes(), window == Long.MAX_VALUE ? 0 : window,
                loss.bytesInFlight(), mtu.current());
    }

    /**
     * What this connection says about its path for a later connection to the same peer: the rate
     * the peer acknowledged in its last round trips of data, wire bits/s, and the minimum RTT, ns;
     * null if it did not send enough to measure the path ({@link #PATH_EVIDENCE_BYTES}), its policy
     * does not tell, or it ended because the peer fell silent.
     */
    public PathRecord pathRecord() {
        long rate = rateController.deliveryRateBitsPerSecond();
        if (streamBytesSent < PATH_EVIDENCE_BYTES || rate <= 0 || !rtt.hasSample() || silent) {
            return null;
        }
        return new PathRecord(rate, rtt.min());
    }

    /** See {@link #pathRecord}. */
    public record PathRecord(long rateBitsPerSecond, long minRttNanos) {
    }

    /** Losses that turned out to be reordering (the packet was acknowledged after all). */
    public long spuriousLosses() {
        return loss.spuriousLosses();
    }

    private final class LossListener implements LossDetector.Listener {
        @Override
        public void onPacketAcked(int flags, long streamOffset, int streamLength) {
            if ((flags & LossDetector.FLAG_MTU_PROBE) != 0) {
                mtu.onProbeAcked(streamLength, lastEventTime);
            } else if ((flags & LossDetector.FLAG_LARGE) != 0) {
                mtu.onLargeAcked();
            }
            if ((flags & LossDetector.FLAG_STREAM) != 0) {
                sendStream.onAcked(streamOffset, streamLength, (flags & LossDetector.FLAG_FIN) != 0);
            }
        }

        @Override
        public void onPacketLost(int flags, long streamOffset, int streamLength) {
            if ((flags & LossDetector.FLAG_MTU_PROBE) != 0) {
                mtu.onProbeLost(lastEventTime);
            } else if ((flags & LossDetector.FLAG_LARGE) != 0) {
                mtu.onLargeLost();
            }
            if ((flags & LossDetector.FLAG_STREAM) != 0) {
                sendStream.onLost(streamOffset, streamLength, (flags & LossDetector.FLAG_FIN) != 0);
            }
            if ((flags & LossDetector.FLAG_MAX_DATA) != 0) {
                creditPending = true;
            }
        }
    }
}
