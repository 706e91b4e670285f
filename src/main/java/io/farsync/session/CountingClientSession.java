package io.farsync.session;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.ClientFactoryManager;
import org.apache.sshd.client.session.ClientSessionImpl;
import org.apache.sshd.client.session.SessionFactory;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * A client session that exposes sshd's own byte and packet counters for --stats-json, and the
 * order of the first messages each way: which message the client sent before which answer
 * arrived is what decides the round trips of the handshake (see {@link PipelinedLogin}).
 */
final class CountingClientSession extends ClientSessionImpl {
    private static final int TCP_IP_HEADER = 40;
    /** The set-up takes about 20 messages; the heartbeat's later ones are not kept. */
    private static final int TRACE_LIMIT = 64;

    private final List<String> trace = new ArrayList<>();

    CountingClientSession(ClientFactoryManager client, IoSession ioSession) throws Exception {
        super(client, ioSession);
    }

    /** Registers {@code channel} with the connection, as sshd's own channel factories do, to open it next. */
    <C extends org.apache.sshd.common.channel.Channel> C register(C channel) throws IOException {
        getConnectionService().registerChannel(channel);
        return channel;
    }

    long wireBytes() {
        return inBytesCount.get() + outBytesCount.get() + TCP_IP_HEADER * (inPacketsCount.get() + outPacketsCount.get());
    }

    /**
     * The first messages of the connection in the order the client wrote or handled them, each as
     * "&gt; NAME" (sent) or "&lt; NAME" (received), NAME as sshd names the message type.
     */
    synchronized List<String> messageTrace() {
        return List.copyOf(trace);
    }

    @Override
    public IoWriteFuture writePacket(Buffer buffer) throws IOException {
        record('>', buffer);
        return super.writePacket(buffer);
    }

    @Override
    protected void doHandleMessage(Buffer buffer) throws Exception {
        record('<', buffer);
        super.doHandleMessage(buffer);
    }

    private synchronized void record(char direction, Buffer buffer) {
        if (trace.size() < TRACE_LIMIT && buffer.available() > 0) {
            trace.add(direction + " " + SshConstants.getCommandMessageName(buffer.rawByte(buffer.rpos()) & 0xff));
        }
    }

    static final class Factory extends SessionFactory {
        Factory(ClientFactoryManager client) {
            super(client);
        }

        @Override
        protected ClientSessionImpl doCreateSession(IoSession ioSession) throws Exception {
            return new CountingClientSession(getClient(), ioSession);
        }
    }
}
