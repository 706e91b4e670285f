package io.farsync.transport.sim;

import io.farsync.transport.core.Connection;

/**
 * An application that writes {@code sendBytes} of one {@link Pattern}, then ends its stream,
 * while reading and checking the peer's pattern as it arrives.
 */
public final class TransferApp implements Simulation.App {

    private final long sendBytes;
    private final Pattern outgoing;
    private final Pattern incoming;
    private final byte[] wbuf = new byte[64 * 1024];
    private final byte[] rbuf = new byte[64 * 1024];
    private int wpos;
    private int wlen;
    private long generated;
    private long written;
    private long received;
    private boolean eof;
    private long mismatchAt = -1;
    private String readFailure;

    public TransferApp(long sendBytes, long outgoingSeed, long incomingSeed) {
        this.sendBytes = sendBytes;
        this.outgoing = new Pattern(outgoingSeed);
        this.incoming = new Pattern(incomingSeed);
    }

    @Override
    public void step(Connection c, long now) {
        while (written < sendBytes && c.writeFailure() == null) {
            if (wpos == wlen) {
                wlen = (int) Math.min(wbuf.length, sendBytes - generated);
                outgoing.fill(generated, wbuf, 0, wlen);
                generated += wlen;
                wpos = 0;
            }
            int n = c.write(wbuf, wpos, wlen - wpos);
            if (n == 0) {
                break;
            }
            wpos += n;
            written += n;
        }
        if (written == sendBytes && !c.isFinished() && c.writeFailure() == null) {
            c.finish();
        }
        while (!eof && readFailure == null) {
            readFailure = c.readFailure();
            if (readFailure != null) {
                break;
            }
            int n = c.read(rbuf, 0, rbuf.length);
            if (n < 0) {
                eof = true;
            } else if (n == 0) {
                break;
            } else {
                if (mismatchAt < 0) {
                    mismatchAt = incoming.firstMismatch(received, rbuf, 0, n);
                }
                received += n;
            }
        }
    }

    public long written() {
        return written;
    }

    public long received() {
        return received;
    }

    public boolean eof() {
        return eof;
    }

    /** Offset of the first received byte that differed from the expected pattern, -1 if none. */
    public long mismatchAt() {
        return mismatchAt;
    }

    public String readFailure() {
        return readFailure;
    }
}
