package io.farsync.transport.sim;

import io.farsync.transport.core.Connection;

/**
 * A cheap bulk transfer for rate-control tests: from {@code startNanos} on it writes zeros until
 * {@code sendBytes} are written, then finishes its stream, and it counts (without checking) what
 * it reads. Data integrity is {@link TransferApp}'s business; this one keeps long simulations fast.
 */
public final class BulkApp implements Simulation.App {

    private static final byte[] ZEROS = new byte[64 * 1024];
    private final byte[] rbuf = new byte[64 * 1024];
    private final long sendBytes;
    private final long startNanos;
    private long written;
    private long received;
    private boolean eof;
    private long finishedAt = -1;

    public BulkApp(long sendBytes, long startNanos) {
        this.sendBytes = sendBytes;
        this.startNanos = startNanos;
    }

    @Override
    public void step(Connection c, long now) {
        if (now >= startNanos) {
            while (written < sendBytes && c.writeFailure() == null) {
                int n = c.write(ZEROS, 0, (int) Math.min(ZEROS.length, sendBytes - written));
                if (n == 0) {
                    break;
                }
                written += n;
            }
            if (written == sendBytes && !c.isFinished() && c.writeFailure() == null) {
                c.finish();
            }
        }
        while (!eof && c.readFailure() == null) {
            int n = c.read(rbuf, 0, rbuf.length);
            if (n < 0) {
                eof = true;
                finishedAt = now;
            } else if (n == 0) {
                break;
            } else {
                received += n;
            }
        }
    }

    public long received() {
        return received;
    }

    public boolean eof() {
        return eof;
    }

    /** When the end of the peer's stream was read, -1 before. */
    public long finishedAt() {
        return finishedAt;
    }
}
